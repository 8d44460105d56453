"""Two `zhifa scheduler` processes against one database fire every due timer and colour change exactly once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

from sqlalchemy import func, select

from engine import clock
from engine.config import ROOT
from engine.models import CaseEvent, Clock, Notification, Timer
from engine.statuses import EventType, TimerState
from tests.engine.deadlines.conftest import local
from tests.engine.helpers import start

CASES = 40


def test_two_scheduler_processes_never_double_fire(sessions, actor, dl_deployed, database_url):
    officer = actor("cn_officer1")
    clock.freeze(local(2026, 10, 1, 10, 0))   # in the past: every timer ("PT1H") and clock (1wd) is due now
    case_ids = [start(sessions, officer, "timer_bulk", "chengnan", {}) for _ in range(CASES)]
    clock.reset()
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Timer).where(Timer.state == TimerState.WAITING)) == CASES
        assert {c.colour for c in s.scalars(select(Clock))} == {"yellow"}   # 1 working day: yellow from the start

    env = dict(os.environ, ZHIFA_DATABASE_URL=database_url, ZHIFA_SCHEDULER_BATCH="7", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "api.cli", "scheduler", "--interval", "0.2", "--exit-when-idle"]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-3000:]
    totals = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    print("scheduler totals:", totals)

    with sessions() as s:
        fired = Counter(s.scalars(select(CaseEvent.case_id).where(CaseEvent.type == EventType.TIMER_FIRED)))
        changes = Counter(s.scalars(select(CaseEvent.case_id).where(
            CaseEvent.type == EventType.CLOCK_COLOUR_CHANGED, CaseEvent.data["to"].as_string() == "red")))
        overdue = Counter((n.clock_id, n.user_id) for n in s.scalars(
            select(Notification).where(Notification.kind == "overdue")))
        waiting = s.scalar(select(func.count()).select_from(Timer).where(Timer.state == TimerState.WAITING))
    assert fired == {cid: 1 for cid in case_ids}          # each timer fired exactly once
    assert changes == {cid: 1 for cid in case_ids}        # each colour change recorded exactly once
    assert len(overdue) == 2 * CASES and set(overdue.values()) == {1}   # deputy + supervisor, once each
    assert waiting == 0
    assert sum(t["timers"]["done"] for t in totals) == CASES
    assert sum(t["colours"]["done"] for t in totals) == CASES
    assert all(t[k]["failed"] == 0 for t in totals for k in t)
