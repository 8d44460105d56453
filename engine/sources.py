"""What a designer hands in for a deployment: BPMN and DMN files, form-js forms, document templates.

Read from the repository's ``processes/`` and ``forms/`` (``zhifa deploy``), from an upload (API) or from a
draft (design page). Texts are kept as ``str``; :mod:`engine.bundles` cuts one bundle per procedure out of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DOCUMENTS_SUBDIR = "documents"


@dataclass
class Sources:
    bpmn: dict[str, str] = field(default_factory=dict)        # file name → BPMN XML
    dmn: dict[str, str] = field(default_factory=dict)         # file name → DMN XML
    forms: dict[str, str] = field(default_factory=dict)       # form key → form-js JSON text
    documents: dict[str, str] = field(default_factory=dict)   # template file name → HTML
    lane_map: dict[str, str] = field(default_factory=dict)    # lane name → role (foreign diagrams)

    def as_dict(self) -> dict:
        return {"bpmn": dict(self.bpmn), "dmn": dict(self.dmn), "forms": dict(self.forms),
                "documents": dict(self.documents), "lane_map": dict(self.lane_map)}

    @classmethod
    def from_dict(cls, raw: dict) -> "Sources":
        return cls(**{k: dict(raw.get(k) or {}) for k in ("bpmn", "dmn", "forms", "documents", "lane_map")})


def _text(data: bytes | str, name: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from engine.errors import ValidationFailed
        raise ValidationFailed(f"{name} 不是 UTF-8 文本 ({name} is not UTF-8 text)",
                               {"files": [f"{name}: 不是 UTF-8 文本 (not UTF-8 text)"]}) from None


def from_files(bpmn_files: dict, dmn_files: dict | None = None, forms: dict | None = None,
               documents: dict | None = None, lane_map: dict | None = None) -> Sources:
    return Sources(bpmn={k: _text(v, k) for k, v in bpmn_files.items()},
                   dmn={k: _text(v, k) for k, v in (dmn_files or {}).items()},
                   forms={k: _text(v, k) for k, v in (forms or {}).items()},
                   documents={k: _text(v, k) for k, v in (documents or {}).items()},
                   lane_map=dict(lane_map or {}))


def read_forms(forms_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """form key → JSON text for ``forms_dir/*.form``; template name → HTML for ``forms_dir/documents/*.html``."""
    forms_dir = Path(forms_dir)
    forms = {p.stem: p.read_text("utf-8") for p in sorted(forms_dir.glob("*.form"))} if forms_dir.is_dir() else {}
    docs_dir = forms_dir / DOCUMENTS_SUBDIR
    documents = {p.name: p.read_text("utf-8") for p in sorted(docs_dir.glob("*.html"))} if docs_dir.is_dir() else {}
    return forms, documents


def from_directories(processes_dir: Path, forms_dir: Path, lane_map: dict | None = None) -> Sources:
    processes_dir = Path(processes_dir)
    forms, documents = read_forms(forms_dir)
    return Sources(bpmn={p.name: p.read_text("utf-8") for p in sorted(processes_dir.glob("*.bpmn"))},
                   dmn={p.name: p.read_text("utf-8") for p in sorted(processes_dir.glob("*.dmn"))},
                   forms=forms, documents=documents, lane_map=dict(lane_map or {}))
