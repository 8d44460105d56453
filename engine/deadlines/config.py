"""Deadline settings from ``ZHIFA_*`` environment variables (thresholds, calendar policy, escalation delays)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

FALLBACK_ERROR = "error"        # a year without calendar data raises CalendarUnknown
FALLBACK_WEEKENDS = "weekends"  # ... or counts Mon–Fri, logs a warning and flags the clock as estimated


@dataclass(frozen=True)
class DeadlineSettings:
    timezone: str = "Asia/Shanghai"
    yellow_share: float = 0.2          # yellow when ≤ 20 % of the limit remains ...
    yellow_workdays: int = 3           # ... or ≤ 3 working days remain
    calendar_fallback: str = FALLBACK_WEEKENDS
    # Working days after turning red (then after each previous step) before the next escalation step:
    # reminder → 催办单 → 督办单 → 通报.
    escalation_delays: tuple[int, ...] = (1, 2, 3, 5)
    urge_finish_workdays: int = 3      # a 催办单/督办单 asks to finish within this many working days
    notify_channels: tuple[str, ...] = ("mail",)  # outbox rows per notification
    sweep_interval_seconds: float = 30.0
    sweep_batch: int = 1000            # cases per sweep and kind (colours: per transaction)
    sweep_budget_seconds: float = 25.0  # a tick sweeps again until nothing is due or this is spent

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "DeadlineSettings":
        env = os.environ if env is None else env
        kw: dict = {}
        if env.get("ZHIFA_TIMEZONE"):
            kw["timezone"] = env["ZHIFA_TIMEZONE"]
        if env.get("ZHIFA_YELLOW_SHARE"):
            kw["yellow_share"] = float(env["ZHIFA_YELLOW_SHARE"])
        if env.get("ZHIFA_YELLOW_WORKDAYS"):
            kw["yellow_workdays"] = int(env["ZHIFA_YELLOW_WORKDAYS"])
        if env.get("ZHIFA_CALENDAR_FALLBACK"):
            value = env["ZHIFA_CALENDAR_FALLBACK"].strip().lower()
            if value not in (FALLBACK_ERROR, FALLBACK_WEEKENDS):
                raise ValueError(f"ZHIFA_CALENDAR_FALLBACK must be '{FALLBACK_ERROR}' or '{FALLBACK_WEEKENDS}'")
            kw["calendar_fallback"] = value
        if env.get("ZHIFA_ESCALATION_DELAYS"):
            kw["escalation_delays"] = tuple(int(x) for x in env["ZHIFA_ESCALATION_DELAYS"].split(","))
        if env.get("ZHIFA_URGE_FINISH_WORKDAYS"):
            kw["urge_finish_workdays"] = int(env["ZHIFA_URGE_FINISH_WORKDAYS"])
        if "ZHIFA_NOTIFY_CHANNELS" in env:
            kw["notify_channels"] = tuple(c.strip() for c in env["ZHIFA_NOTIFY_CHANNELS"].split(",") if c.strip())
        if env.get("ZHIFA_SCHEDULER_INTERVAL"):
            kw["sweep_interval_seconds"] = float(env["ZHIFA_SCHEDULER_INTERVAL"])
        if env.get("ZHIFA_SCHEDULER_BATCH"):
            kw["sweep_batch"] = int(env["ZHIFA_SCHEDULER_BATCH"])
        if env.get("ZHIFA_SCHEDULER_BUDGET"):
            kw["sweep_budget_seconds"] = float(env["ZHIFA_SCHEDULER_BUDGET"])
        return cls(**kw)


_current: DeadlineSettings | None = None


def settings() -> DeadlineSettings:
    """The process-wide settings (read from the environment once; tests may call :func:`configure`)."""
    global _current
    if _current is None:
        _current = DeadlineSettings.from_env()
    return _current


def configure(new: DeadlineSettings | None) -> None:
    """Replace the settings (None: re-read the environment on next use)."""
    global _current
    _current = new
