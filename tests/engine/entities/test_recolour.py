"""Colours after 复议/诉讼 outcomes and as penalties leave the look-back window (nightly sweep, CLI one-shot)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import clock
from engine.db import transaction
from engine.entities import recolour, reviews
from engine.errors import Conflict, ValidationFailed
from engine.models import EntityProfile, Party
from tests.engine.entities.helpers import seed_entities
from tests.engine.entities.test_colours import changes, closed_penalty_case, profile_of
from tests.processes import test_ordinary as ordinary

NUMBER = ordinary.PERSON["id_number"]


def penalised(sessions, actor) -> int:
    clock.freeze(datetime(2026, 5, 26, 2, 0, tzinfo=timezone.utc))
    run = closed_penalty_case(sessions, actor)
    run.do("Task_ClosureApproval", "cn_head", ordinary.closure())
    assert profile_of(sessions, NUMBER).colour == "yellow"
    clock.freeze(datetime(2026, 8, 3, 2, 0, tzinfo=timezone.utc))
    return run.case_id


def record(sessions, actor, case_id, result, decided_on, kind="reconsideration", user="cn_head"):
    with transaction(sessions) as session:
        return reviews.record(session, actor(user), case_id, kind, result, decided_on, "复议决定书").id


def test_a_penalty_revoked_in_reconsideration_no_longer_counts(sessions, actor, deployed):
    case_id = penalised(sessions, actor)
    record(sessions, actor, case_id, "upheld", date(2026, 5, 27))
    assert profile_of(sessions, NUMBER).colour == "yellow"  # upheld: the penalty still counts, nothing recorded
    assert [c.trigger for c in changes(sessions, NUMBER)] == ["case_closed"]

    record(sessions, actor, case_id, "reversed", date(2026, 5, 28), kind="litigation")  # the court decides last
    profile = profile_of(sessions, NUMBER)
    assert (profile.colour, profile.colour_reason) == ("green", "24个月内无行政处罚且信用良好")
    last = changes(sessions, NUMBER)[-1]
    assert (last.previous, last.colour, last.trigger, last.case_id) == ("yellow", "green", "review", case_id)
    assert "经行政诉讼撤销（2026-05-28），不再计入处罚次数" in last.cause and last.inputs["penalties_24m"] == 0


def test_review_outcomes_are_validated_and_change_nothing_when_refused(sessions, actor, deployed):
    case_id = penalised(sessions, actor)
    with pytest.raises(ValidationFailed) as bad:
        record(sessions, actor, case_id, "won", date(2026, 5, 27))
    assert "result" in bad.value.errors
    with pytest.raises(ValidationFailed) as bad:
        record(sessions, actor, case_id, "reversed", date(2026, 8, 4))  # after today
    assert "decided_on" in bad.value.errors
    assert profile_of(sessions, NUMBER).colour == "yellow" and len(changes(sessions, NUMBER)) == 1
    running = ordinary.filed(sessions, actor).case_id
    with pytest.raises(Conflict):
        record(sessions, actor, running, "reversed", date(2026, 5, 27))


def test_nightly_sweep_recolours_when_the_penalty_leaves_the_window(sessions, actor, deployed):
    penalised(sessions, actor)
    with transaction(sessions) as session:
        green = seed_entities(session, 2)  # green stays green: time only removes things from the windows
    clock.freeze(datetime(2027, 6, 1, 2, 0, tzinfo=timezone.utc))
    assert vars(recolour.sweep(sessions, batch=1)) == {"checked": 1, "changed": 0, "failed": 0}
    clock.freeze(datetime(2028, 6, 1, 2, 0, tzinfo=timezone.utc))  # decided 2026-04: 26 months ago
    assert vars(recolour.sweep(sessions, batch=1)) == {"checked": 1, "changed": 1, "failed": 0}
    last = changes(sessions, NUMBER)[-1]
    assert (last.previous, last.colour, last.trigger) == ("yellow", "green", "ageing")
    assert last.cause == "1次行政处罚已超出24个月回溯期" and last.reason == "24个月内无行政处罚且信用良好"
    assert vars(recolour.sweep(sessions)) == {"checked": 0, "changed": 0, "failed": 0}  # nothing non-green left
    with sessions() as session:
        assert all(session.get(EntityProfile, pid).colour_reason == "导入" for pid in green)


def test_zhifa_recolour_is_the_one_shot_of_the_nightly_job(sessions, actor, deployed, monkeypatch):
    import json

    from click.testing import CliRunner

    from api.cli import main
    penalised(sessions, actor)
    monkeypatch.setenv("ZHIFA_DATABASE_URL", sessions.kw["bind"].url.render_as_string(hide_password=False))
    clock.freeze(datetime(2028, 6, 1, 2, 0, tzinfo=timezone.utc))
    result = CliRunner().invoke(main, ["recolour", "--batch", "50"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"checked": 1, "changed": 1, "failed": 0}
    assert profile_of(sessions, NUMBER).colour == "green"
    assert changes(sessions, NUMBER)[-1].cause == "1次行政处罚已超出24个月回溯期"


def test_the_scheduler_runs_the_recolour_nightly(sessions):
    from engine.deadlines import scheduler
    from engine.entities.recolour import RecolourJob
    sched, _job = scheduler.build(sessions, blocking=False)
    job = sched.get_job(RecolourJob.JOB_ID)
    assert job is not None and str(job.trigger).startswith("cron[") and "hour='2', minute='30'" in str(job.trigger)
