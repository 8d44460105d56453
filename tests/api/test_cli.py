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
