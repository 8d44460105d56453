"""``zhifa org import``: a county with townships and 200 users imports, re-imports with no change, and a
changed file applies only the change; every change is in the administration change log."""
from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from engine import accounts
from engine.db import transaction
from engine.models import AdminChange, Membership, Unit, User
from engine.orgadmin import CLI, importer

TOWNS = ["dongcheng", "xicheng", "nanshan", "beihu"]


def county_file() -> dict:
    units = [{"id": "tcounty", "name": "测试县综合行政执法局", "kind": "bureau", "parent": None, "doc_prefix": "测综执罚"},
             {"id": "tcounty_legal", "name": "测试县执法局法制科", "kind": "legal_section", "parent": "tcounty"}]
    # townships listed before their parent's siblings on purpose: order in the file does not matter
    units[1:1] = [{"id": f"t_{t}", "name": f"{t}镇综合行政执法队", "kind": "township", "parent": "tcounty",
                   "doc_prefix": f"{t}镇综执罚"} for t in TOWNS]
    users = []
    for i in range(200):
        town = TOWNS[i % len(TOWNS)]
        roles = [{"unit": f"t_{town}", "role": "officer", "valid_from": "2026-01-01"}]
        if i < len(TOWNS):
            roles.append({"unit": f"t_{town}", "role": "squad_leader"})
        users.append({"username": f"tu{i:03d}", "display_name": f"队员{i:03d}", "certificate_no": f"ZF9{i:07d}",
                      "roles": roles})
    return {"units": units, "users": users}


def run_import(sessions, data):
    with transaction(sessions) as session:
        return importer.apply(session, CLI, copy.deepcopy(data))


def count(sessions, model, *where) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_import_reimport_and_change(sessions, org_restore):
    data = county_file()
    first = run_import(sessions, data)
    assert sorted(first.units_added) == sorted(["tcounty", "tcounty_legal"] + [f"t_{t}" for t in TOWNS])
    assert len(first.users_added) == 200 and len(first.roles_granted) == 204 and len(first.passwords) == 200
    with sessions() as s:
        assert s.get(Unit, "t_nanshan").parent_id == "tcounty"
        user = s.scalar(select(User).where(User.username == "tu007"))
        assert user.must_change_password and accounts.authenticate(s, "tu007", first.passwords["tu007"])
    log_rows = count(sessions, AdminChange)
    assert log_rows > 400

    again = run_import(sessions, data)
    assert not again.changed and again.passwords == {}
    assert count(sessions, AdminChange) == log_rows                    # nothing changed, nothing logged

    changed = copy.deepcopy(data)
    changed["units"][0]["name"] = "测试县综合行政执法局（新）"                 # rename
    changed["users"][5]["display_name"] = "改名的队员"                       # edit a user
    changed["users"][6]["roles"] = [{"unit": "tcounty_legal", "role": "legal_reviewer"}]   # move a user
    changed["users"][7]["active"] = False                                  # deactivate
    changed["users"].append({"username": "tu_new", "display_name": "新人", "roles": [
        {"unit": "t_beihu", "role": "officer", "valid_until": "2027-12-31"}]})
    report = run_import(sessions, changed)
    assert report.units_changed == {"tcounty": {"name": ["测试县综合行政执法局", "测试县综合行政执法局（新）"]}}
    assert list(report.users_changed) == ["tu005"] and report.users_added == ["tu_new"]
    assert report.users_deactivated == ["tu007"]
    assert sorted(report.roles_granted) == ["tu006@tcounty_legal:legal_reviewer", "tu_new@t_beihu:officer"]
    assert report.roles_revoked == ["tu006@t_nanshan:officer"] and report.roles_changed == []
    assert not run_import(sessions, changed).changed
    with sessions() as s:
        assert s.scalar(select(User.active).where(User.username == "tu007")) is False
    assert count(sessions, AdminChange, AdminChange.action == "org.import") == 2


def test_a_bad_entry_changes_nothing(sessions, org_restore):
    data = county_file()
    data["users"][150]["roles"][0]["role"] = "chief"
    with pytest.raises(Exception) as info:
        run_import(sessions, data)
    assert "users[150]" in info.value.detail and "users[150].role" in info.value.errors
    assert count(sessions, Unit, Unit.id == "tcounty") == 0 and count(sessions, User, User.username == "tu000") == 0
    for bad in ({"units": [{"id": "x", "name": "n", "kind": "bureau", "parent": "missing"}]},
                {"units": [{"id": "a1", "name": "A", "kind": "bureau", "parent": "b1"},
                           {"id": "b1", "name": "B", "kind": "bureau", "parent": "a1"}]},
                {"units": [{"id": "Bad Id", "name": "n", "kind": "bureau", "parent": None}]}):
        with pytest.raises(Exception):
            run_import(sessions, bad)
    assert count(sessions, AdminChange) == 0


def test_cli_imports_yaml_and_csv(sessions, org_restore, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIFA_DATABASE_URL", database_url)
    yaml_file = tmp_path / "org.yaml"
    yaml_file.write_text("""
units:
  - {id: ycounty, name: 样例县综合行政执法局, kind: bureau, parent: null}
  - {id: y_town, name: 样例镇综合行政执法队, kind: township, parent: ycounty}
users:
  - username: y_li
    display_name: 李四
    roles:
      - {unit: y_town, role: officer, valid_from: 2026-01-01}
""", encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "passwords.csv"
    r = runner.invoke(main, ["org", "import", str(yaml_file), "--passwords-out", str(out)])
    assert r.exit_code == 0, r.output
    assert "units added (2)" in r.output and "users added (1): y_li" in r.output
    assert out.read_text().startswith("username,temporary_password\ny_li,")
    r = runner.invoke(main, ["org", "import", str(yaml_file)])
    assert r.exit_code == 0 and "no change" in r.output

    csv_file = tmp_path / "org.csv"
    csv_file.write_text(
        "type,id,name,kind,parent,doc_prefix,username,display_name,certificate_no,active,unit,role,valid_from,"
        "valid_until\n"
        "unit,y_town,样例镇综合行政执法队（改）,township,ycounty,,,,,,,,,\n"
        "user,,,,,,y_li,李四,,,,,,\n"
        "role,,,,,,y_li,,,,y_town,officer,2026-01-01,\n"
        "role,,,,,,y_li,,,,y_town,squad_leader,,\n", encoding="utf-8")
    r = runner.invoke(main, ["org", "import", str(csv_file), "--dry-run"])
    assert r.exit_code == 0 and "would units changed (1)" in r.output
    assert count(sessions, Membership, Membership.role == "squad_leader", Membership.unit_id == "y_town") == 0
    r = runner.invoke(main, ["org", "import", str(csv_file)])
    assert r.exit_code == 0 and "roles granted (1): y_li@y_town:squad_leader" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("units: [{id: z, name: n, kind: nonsense}]", encoding="utf-8")
    r = runner.invoke(main, ["org", "import", str(bad)])
    assert r.exit_code == 2 and "nothing changed" in r.output
