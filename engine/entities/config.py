"""Supervision settings from ``ZHIFA_*`` environment variables (inspection intervals, yearly caps, draw weights).

The colour rules themselves are the DMN table ``processes/entity_colour.dmn`` (designers edit it and deploy).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

COLOURS = ("green", "yellow", "red")
RISKS = ("low", "medium", "high")
CREDITS = ("good", "normal", "poor")


def _pairs(text: str, keys: tuple[str, ...], cast) -> dict:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition(":")
        if key.strip() not in keys:
            raise ValueError(f"unknown key {key!r}; expected one of {', '.join(keys)}")
        out[key.strip()] = cast(value)
    missing = set(keys) - set(out)
    if missing:
        raise ValueError(f"missing {', '.join(sorted(missing))}")
    return out


@dataclass(frozen=True)
class SupervisionSettings:
    # Days between on-site inspections by colour: green at most once a year (无事不扰), red quarterly.
    intervals: dict = field(default_factory=lambda: {"green": 365, "yellow": 180, "red": 90})
    # On-site inspections per calendar year at most, by colour (the yearly cap per enterprise).
    yearly_caps: dict = field(default_factory=lambda: {"green": 1, "yellow": 2, "red": 4})
    # Draw weights: colour weight × risk factor.
    colour_weights: dict = field(default_factory=lambda: {"green": 1.0, "yellow": 3.0, "red": 9.0})
    risk_factors: dict = field(default_factory=lambda: {"low": 1.0, "medium": 1.5, "high": 2.0})
    penalty_months: int = 24     # window for penalties and inspection findings
    complaint_months: int = 12   # window for complaints
    inspectors_per_agency: int = 2
    colour_process: str = "entity_colour"
    inspection_process: str = "joint_inspection"
    # Completing one of these tasks is an inspection result: the entity's colour is recomputed then.
    result_tasks: dict = field(default_factory=lambda: {"joint_inspection": ("Task_inspect", "Task_recheck")})

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SupervisionSettings":
        env = os.environ if env is None else env
        kw: dict = {}
        if env.get("ZHIFA_INSPECTION_INTERVALS"):
            kw["intervals"] = _pairs(env["ZHIFA_INSPECTION_INTERVALS"], COLOURS, int)
        if env.get("ZHIFA_INSPECTION_YEARLY_CAPS"):
            kw["yearly_caps"] = _pairs(env["ZHIFA_INSPECTION_YEARLY_CAPS"], COLOURS, int)
        if env.get("ZHIFA_DRAW_COLOUR_WEIGHTS"):
            kw["colour_weights"] = _pairs(env["ZHIFA_DRAW_COLOUR_WEIGHTS"], COLOURS, float)
        if env.get("ZHIFA_DRAW_RISK_FACTORS"):
            kw["risk_factors"] = _pairs(env["ZHIFA_DRAW_RISK_FACTORS"], RISKS, float)
        return cls(**kw)


_current: SupervisionSettings | None = None


def settings() -> SupervisionSettings:
    global _current
    if _current is None:
        _current = SupervisionSettings.from_env()
    return _current


def configure(new: SupervisionSettings | None) -> None:
    global _current
    _current = new
