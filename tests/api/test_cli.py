"""The zhifa command: db upgrade, deploy, seed-demo on a fresh SQLite file."""
from __future__ import annotations

from click.testing import CliRunner

from api.cli import main
from tests.conftest import DATA


def test_cli_sets_up_a_fresh_database(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIFA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    seeded = runner.invoke(main, ["seed-demo"])
    assert seeded.exit_code == 0 and "users created" in seeded.output
    procs = tmp_path / "procs"
    procs.mkdir()
    (procs / "loop.bpmn").write_bytes((DATA / "loop.bpmn").read_bytes())
    first = runner.invoke(main, ["deploy", "--dir", str(procs)])
    assert first.exit_code == 0 and "loop_test: version 1 deployed" in first.output
    again = runner.invoke(main, ["deploy", "--dir", str(procs)])
    assert "loop_test: version 1 unchanged" in again.output
    (procs / "bad.bpmn").write_bytes(b"<not-bpmn")
    bad = runner.invoke(main, ["deploy", "--dir", str(procs)])
    assert bad.exit_code == 2 and "bad.bpmn" in bad.output


def test_cli_deploy_reports_every_problem_and_takes_a_lane_map(tmp_path, monkeypatch):
    from tests.engine.validation.diagrams import process, user_task
    monkeypatch.setenv("ZHIFA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["seed-demo"]).exit_code == 0
    procs, forms = tmp_path / "procs", tmp_path / "forms"
    procs.mkdir()
    forms.mkdir()
    (procs / "foreign.bpmn").write_text(process("foreign", [user_task("T1", deadline="7 days"),
                                                            '<bpmn:serviceTask id="S1" />'], lane="Clerk"))
    bad = runner.invoke(main, ["deploy", "--dir", str(procs), "--forms-dir", str(forms)])
    assert bad.exit_code == 2
    for expected in ("foreign.bpmn/T1", "foreign.bpmn/S1", "Clerk", "deadline", "服务"):
        assert expected in bad.output, expected
    (procs / "foreign.bpmn").write_text(process("foreign", [user_task("T1", deadline="7d", deadlineLabel="期限")],
                                                lane="Clerk"))
    ok = runner.invoke(main, ["deploy", "--dir", str(procs), "--forms-dir", str(forms), "--note", "外来流程",
                              "--lane-map", "Clerk=officer"])
    assert ok.exit_code == 0 and "foreign: version 1 deployed" in ok.output, ok.output
    wrong = runner.invoke(main, ["deploy", "--dir", str(procs), "--lane-map", "Clerk"])
    assert wrong.exit_code == 2 and "LANE=ROLE" in wrong.output
