"""A validation problem and the report that collects them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    severity: str          # "error" blocks deployment; "warning" does not
    code: str              # stable slug, e.g. "call-cycle"
    file: str | None
    element: str | None    # BPMN/DMN element id
    name: str | None       # the element's name as the designer wrote it
    zh: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.zh} ({self.en})"

    def as_dict(self) -> dict:
        return dict(asdict(self), message=self.message)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: str, code: str, file: str | None, element: str | None, name: str | None,
            zh: str, en: str) -> None:
        problem = Problem(severity, code, file, element, name, zh, en)
        if problem not in self.problems:
            self.problems.append(problem)

    def error(self, code, file, element, name, zh, en) -> None:
        self.add(ERROR, code, file, element, name, zh, en)

    def warning(self, code, file, element, name, zh, en) -> None:
        self.add(WARNING, code, file, element, name, zh, en)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_list(self) -> list[dict]:
        return [p.as_dict() for p in self.problems]

    def summary(self) -> str:
        """One line for a 422 detail or the command line."""
        errors = self.errors
        if not errors:
            return f"没有错误，{len(self.warnings)} 个警告 (no errors, {len(self.warnings)} warnings)"
        first = errors[0]
        where = "/".join(x for x in (first.file, first.element) if x)
        return (f"{len(errors)} 个错误，无法部署；第一个：{where} {first.zh} "
                f"({len(errors)} errors, nothing deployed; first: {where} {first.en})")
