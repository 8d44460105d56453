"""``zhifa migrate``: dry run, then the move, on a fresh SQLite file; bad input is refused precisely."""
from __future__ import annotations

import shutil

from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from engine.config import ROOT
from engine.db import make_engine, make_session_factory, transaction
from engine.models import Case, User
from engine.org import actor_for
from tests.engine.migration.test_migration import INTAKE, PROPOSAL, longer_approval
from tests.processes import PERSON


def test_cli_dry_run_then_move(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ZHIFA_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["seed-demo"]).exit_code == 0
    procs = tmp_path / "procs"
    shutil.copytree(ROOT / "processes", procs)
    assert runner.invoke(main, ["deploy", "--dir", str(procs)]).exit_code == 0
    factory = make_session_factory(make_engine(url))
    from engine import cases, tasks
    with transaction(factory) as session:
        officer = actor_for(session, session.scalar(select(User).where(User.username == "cn_officer1")))
        case = cases.start_case(session, officer, "ordinary_procedure", "chengnan", INTAKE, party=PERSON)
        number, v1 = case.number, case.process_version_id
    with transaction(factory) as session:
        task = session.scalar(select(tasks.HumanTask).where(tasks.HumanTask.case_id == case.id))
        tasks.complete(session, officer, task.id, PROPOSAL)
    (procs / "ordinary.bpmn").write_text(longer_approval("ordinary.bpmn", (procs / "ordinary.bpmn").read_text()))
    assert runner.invoke(main, ["deploy", "--dir", str(procs), "--note", "立案审批期限更正"]).exit_code == 0

    bad = runner.invoke(main, ["migrate", "--from", "ordinary_procedure", "--to", "2"])
    assert bad.exit_code == 2 and "PROCEDURE:VERSION" in bad.output
    unknown = runner.invoke(main, ["migrate", "--from", "ordinary_procedure:1", "--to", "2", "--map", "X=Y"])
    assert unknown.exit_code == 2 and "X" in unknown.output
    dry = runner.invoke(main, ["migrate", "--from", "ordinary_procedure:1", "--to", "2", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{number}\t可以迁移" in dry.output and "safe 1" in dry.output
    with factory() as session:
        assert session.get(Case, case.id).process_version_id == v1   # a dry run changes nothing
    moved = runner.invoke(main, ["migrate", "--from", "ordinary_procedure:1", "--to", "2", "--by", "designer"])
    assert moved.exit_code == 0 and "1 件已迁移" in moved.output, moved.output
    with factory() as session:
        assert session.get(Case, case.id).process_version_id != v1
    again = runner.invoke(main, ["migrate", "--from", "ordinary_procedure:1", "--to", "2", "--dry-run"])
    assert "0 件在办案件" in again.output
