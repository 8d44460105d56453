"""Statutory periods that are neither a task nor the whole case: clocks declared on the process.

BPMN (spiffworkflow properties of the process), for a period named ``<name>``:

- ``period:<name>`` = ``<N>wd`` | ``<N>d`` — the limit, e.g. ``7wd`` (先行登记保存: decide within 7 working days,
  APL Art. 56, 85);
- ``periodFrom:<name>`` — a date variable; the clock starts on that date when the variable appears (e.g.
  ``preserved_on`` recorded at 调查取证);
- ``periodUntil:<name>`` — a variable whose appearance stops the clock, judged on the system date of that step
  (e.g. ``preservation_decided_on``); the case ending stops it as well;
- ``periodLabel:<name>`` — what users see; ``periodExtensionFrom:<name>`` — a variable holding approved extension
  days (e.g. 查封、扣押 +30, AEL Art. 25).

Such clocks have kind ``period`` and colour, notify and escalate like every other clock.
"""
from __future__ import annotations

from engine.deadlines.calendar import parse_limit
from engine.errors import WorkflowFailed
from engine.statuses import CaseState, EventType

KIND = "period"


def declared(props: dict) -> list[str]:
    return sorted(k.split(":", 1)[1] for k in props if k.startswith("period:") and props[k])


def sync_periods(session, case, props, clocks, cal, log, today, now) -> None:
    from engine.deadlines import clocks as clk_mod

    data = case.data or {}
    existing = {c.spec: c for c in clocks if c.kind == KIND}
    for name in declared(props):
        spec = f"{case.process_key}:{name}"
        clk = existing.get(spec)
        until = props.get(f"periodUntil:{name}")
        if clk is None:
            start = clk_mod._parse_day(data.get(props.get(f"periodFrom:{name}") or ""))
            if start is None or case.state != CaseState.RUNNING or (until and data.get(until) not in (None, "")):
                continue
            try:
                limit = parse_limit(props[f"period:{name}"])
            except ValueError as exc:
                raise WorkflowFailed(f"period {name} of process {case.process_key}: {exc}",
                                     zh=f"流程 {case.process_key} 的期间 {name} 写法无效（应为 15wd 或 90d）") from None
            clk = clk_mod._new_clock(session, case, cal, log, now, kind=KIND, spec=spec,
                                     label=props.get(f"periodLabel:{name}") or name, unit_id=case.unit_id,
                                     role=None, task_id=None, limit=limit, started_on=start)
        if clk.state not in clk_mod.ACTIVE:
            continue
        if until and data.get(until) not in (None, ""):
            clk_mod.close(clk, cal, log, today, now, True)
            continue
        if case.state != CaseState.RUNNING:
            clk_mod.close(clk, cal, log, today, now, case.state == CaseState.COMPLETED)
            continue
        ext_var = props.get(f"periodExtensionFrom:{name}")
        ext = data.get(ext_var) if ext_var else None
        if isinstance(ext, int) and not isinstance(ext, bool) and 0 <= ext <= 365 \
                and ext != clk.process_extension_days:
            old, clk.process_extension_days = clk.process_extension_days, ext
            clk_mod._recompute(session, clk, case, cal, log, today, now)
            log.append(EventType.CLOCK_EXTENDED, data=dict(clk_mod._describe(clk), days=ext - old,
                                                           source=f"variable {ext_var}"))
