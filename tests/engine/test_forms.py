"""Task forms: form-js schema → JSON Schema, per-field validation, and no change on a rejected submission."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from engine import forms
from engine.config import ROOT
from engine.db import transaction
from engine.deploy import deploy
from engine.errors import InvalidProcess, NotFound, ValidationFailed
from engine.models import Case, CaseEvent, HumanTask
from engine.statuses import TaskState
from tests.conftest import DATA
from tests.engine.helpers import complete, get_case, only_task, start

FORMS = DATA / "forms"


def form(*components):
    return {"type": "default", "id": "f", "components": list(components)}


def errors(frm, data):
    return forms.errors_of(frm, data)


def tf(key="name", **validate):
    return {"type": "textfield", "id": f"F_{key}", "key": key, "validate": validate}


# -- rule kinds -------------------------------------------------------------------------------------------

def test_required_means_present_and_not_empty():
    frm = form(tf(required=True))
    assert errors(frm, {}) == {"name": ["必填 (required)"]}
    assert errors(frm, {"name": ""}) == {"name": ["必填 (required)"]}
    assert errors(frm, {"name": None}) == {"name": ["必填 (required)"]}
    assert errors(frm, {"name": "张三"}) == {}


def test_optional_field_accepts_empty_and_null_but_checks_nonempty_values():
    frm = form(tf(minLength=3, pattern="^[A-Z]+$"))
    assert errors(frm, {}) == {} and errors(frm, {"name": ""}) == {} and errors(frm, {"name": None}) == {}
    assert errors(frm, {"name": "AB"}) == {"name": ["至少 3 个字符 (at least 3 characters)"]}
    assert errors(frm, {"name": "abcd"}) == {"name": ["格式不正确 (does not match the required format)"]}
    assert errors(frm, {"name": "ABCD"}) == {}


def test_max_length_counts_chinese_characters():
    frm = form(tf(maxLength=4))
    assert errors(frm, {"name": "城南街道"}) == {}
    assert errors(frm, {"name": "城南街道办"}) == {"name": ["最多 4 个字符 (at most 4 characters)"]}


def test_types_are_checked():
    frm = form(tf(), {"type": "number", "key": "amount"}, {"type": "checkbox", "key": "ok"})
    got = errors(frm, {"name": 5, "amount": "100", "ok": "yes"})
    assert set(got) == {"name", "amount", "ok"} and all("类型不正确" in m[0] for m in got.values())
    assert errors(frm, {"amount": True}) == {"amount": ["类型不正确 (expected ['number', 'null'])"]}


def test_number_min_max():
    frm = form({"type": "number", "key": "fine", "validate": {"required": True, "min": 0, "max": 200}})
    assert errors(frm, {"fine": 200}) == {} and errors(frm, {"fine": 0.5}) == {}
    assert errors(frm, {"fine": 200.01}) == {"fine": ["不能大于 200 (must be ≤ 200)"]}
    assert errors(frm, {"fine": -1}) == {"fine": ["不能小于 0 (must be ≥ 0)"]}


def test_number_serialized_to_string():
    frm = form({"type": "number", "key": "fine", "serializeToString": True, "validate": {"required": True}})
    assert errors(frm, {"fine": "12.50"}) == {}
    assert errors(frm, {"fine": "12元"}) == {"fine": ["格式不正确 (does not match the required format)"]}


def test_select_and_radio_options():
    values = [{"label": "警告", "value": "warning"}, {"label": "罚款", "value": "fine"}]
    frm = form({"type": "select", "key": "o", "values": values, "validate": {"required": True}},
               {"type": "radio", "key": "r", "values": values})
    assert errors(frm, {"o": "fine"}) == {}
    assert errors(frm, {"o": "jail", "r": None}) == {"o": ["不是可选值 (not one of the options)"]}
    assert errors(frm, {"o": None}) == {"o": ["必填 (required)"]}
    assert errors(frm, {"o": "fine", "r": "other"}) == {"r": ["不是可选值 (not one of the options)"]}


def test_dynamic_options_accept_any_scalar():
    frm = form({"type": "select", "key": "unit", "valuesKey": "units"})
    assert errors(frm, {"unit": "chengnan"}) == {}


def test_checklist_and_taglist():
    values = [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]
    frm = form({"type": "checklist", "key": "items", "values": values, "validate": {"required": True}},
               {"type": "taglist", "key": "tags", "values": values})
    assert errors(frm, {"items": ["a", "b"], "tags": []}) == {}
    assert errors(frm, {"items": []}) == {"items": ["至少选择一项 (choose at least one)"]}
    assert errors(frm, {"items": ["a", "c"]}) == {"items.1": ["不是可选值 (not one of the options)"]}
    assert errors(frm, {"items": ["a", "a"]}) == {"items": ["选项重复 (options repeat)"]}


def test_checkbox_required_must_be_checked():
    frm = form({"type": "checkbox", "key": "signed", "validate": {"required": True}})
    assert errors(frm, {"signed": True}) == {}
    assert errors(frm, {"signed": False}) == {"signed": ["必须勾选 (must be checked)"]}


@pytest.mark.parametrize("subtype,good,bad", [
    ("date", "2024-02-29", ["2023-02-29", "2024-13-01", "2024/01/01"]),
    ("time", "09:30", ["24:00", "9:30"]),
    ("datetime", "2024-05-01T09:30", ["2024-05-01 09:30", "2024-05-01"]),
])
def test_datetime_subtypes(subtype, good, bad):
    frm = form({"type": "datetime", "key": "at", "subtype": subtype, "validate": {"required": True}})
    assert errors(frm, {"at": good}) == {}
    for value in bad:
        assert errors(frm, {"at": value}) != {}, value


def test_email_and_phone_validation_types():
    frm = form(tf("mail", validationType="email"), tf("tel", validationType="phone"))
    assert errors(frm, {"mail": "li@example.cn", "tel": "13812345678"}) == {}
    assert errors(frm, {"tel": "0571-87654321"}) == {} and errors(frm, {"tel": "+86 13812345678"}) == {}
    assert errors(frm, {"mail": "li@", "tel": "12345"}) == {
        "mail": ["不是有效的电子邮箱 (not a valid email address)"],
        "tel": ["不是有效的电话号码 (not a valid phone number)"]}


def test_unknown_fields_are_rejected_and_display_only_fields_dropped(tmp_path):
    (tmp_path / "x.form").write_text(json.dumps(form(tf(), {"type": "textfield", "key": "case_number",
                                                            "disabled": True})), "utf-8")
    assert forms.validate_submission("x", {"name": "a", "case_number": "forged"}, tmp_path) == {"name": "a"}
    with pytest.raises(ValidationFailed) as exc:
        forms.validate_submission("x", {"name": "a", "handling_unit": "chengbei"}, tmp_path)
    assert exc.value.errors == {"handling_unit": ["未知字段 (unknown field)"]}


def test_groups_nested_paths_and_dynamic_lists():
    frm = form({"type": "group", "id": "g", "components": [tf("flat", required=True)]},
               {"type": "group", "id": "p", "path": "party", "components": [tf("name", required=True)]},
               {"type": "dynamiclist", "id": "d", "path": "items", "isRepeating": True,
                "components": [{"type": "number", "key": "qty", "validate": {"min": 1}}]},
               tf("addr.city"))
    assert errors(frm, {"flat": "x", "party": {"name": "李"}, "items": [{"qty": 2}], "addr": {"city": "杭州"}}) == {}
    got = errors(frm, {"party": {}, "items": [{"qty": 0}, {"qty": 3, "x": 1}]})
    assert got == {"flat": ["必填 (required)"], "party.name": ["必填 (required)"],
                   "items.0.qty": ["不能小于 1 (must be ≥ 1)"], "items.1.x": ["未知字段 (unknown field)"]}


def test_conditional_fields_are_not_required_server_side():
    frm = form({**tf(required=True), "conditional": {"hide": "=outcome = \"warning\""}})
    assert errors(frm, {}) == {}


def test_not_an_object_and_no_form():
    with pytest.raises(ValidationFailed):
        forms.validate_submission("test_record", ["x"], FORMS)
    assert forms.validate_submission(None, {"anything": 1}) == {"anything": 1}


def test_unknown_and_broken_forms(tmp_path):
    with pytest.raises(NotFound):
        forms.load_form("../etc/passwd", tmp_path)
    with pytest.raises(NotFound):
        forms.load_form("missing", tmp_path)
    (tmp_path / "bad.form").write_text("{", "utf-8")
    with pytest.raises(InvalidProcess):
        forms.load_form("bad", tmp_path)
    (tmp_path / "re.form").write_text(json.dumps(form(tf(pattern="(unclosed"))), "utf-8")
    with pytest.raises(InvalidProcess):
        forms.validate_submission("re", {"name": "x"}, tmp_path)


def test_json_schema_is_valid_draft_2020_12():
    schema = forms.json_schema(forms.load_form("test_record", FORMS))
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"party_name", "fine_amount", "outcome", "inspected_on"}
    assert "case_number" not in schema["properties"]  # disabled: display only


def test_every_repository_form_loads_and_gives_a_valid_schema():
    paths = sorted((ROOT / "forms").glob("*.form"))
    for path in paths:
        frm = forms.load_form(path.stem, ROOT / "forms")
        schema = forms.json_schema(frm)
        Draft202012Validator.check_schema(schema)
        forms.errors_of(frm, {})  # compiles (patterns) without raising


# -- in the engine --------------------------------------------------------------------------------------

@pytest.fixture
def form_process(sessions, monkeypatch):
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(FORMS))
    with transaction(sessions) as session:
        deploy(session, {"form_test.bpmn": (DATA / "form_test.bpmn").read_bytes()})


GOOD = {"party_name": "张三", "fine_amount": 150, "outcome": "fine", "inspected_on": "2024-05-06"}


def _snapshot(sessions, case_id):
    with sessions() as session:
        case = session.get(Case, case_id)
        events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
        tasks = [(t.id, t.state, t.assignee_id) for t in session.scalars(
            select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id))]
        return case.version, case.data, case.workflow_state, events, tasks


def test_invalid_submission_changes_nothing(sessions, actor, form_process):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "form_test", "chengnan", {})
    task = only_task(sessions, case_id)
    assert task.form_key == "test_record"
    before = _snapshot(sessions, case_id)
    with pytest.raises(ValidationFailed) as exc:
        complete(sessions, officer, task.id, dict(GOOD, fine_amount=500, phone="12", handling_unit="x"))
    assert exc.value.errors == {"fine_amount": ["不能大于 200 (must be ≤ 200)"],
                                "phone": ["不是有效的电话号码 (not a valid phone number)"],
                                "handling_unit": ["未知字段 (unknown field)"]}
    assert _snapshot(sessions, case_id) == before
    nxt = complete(sessions, officer, task.id, dict(GOOD, case_number="forged"))
    assert [t.task_spec for t in nxt] == ["Task_close"]
    case = get_case(sessions, case_id)
    assert case.data["fine_amount"] == 150 and case.data["case_number"] != "forged"
    assert only_task(sessions, case_id).state == TaskState.READY


def test_each_missing_required_field_is_reported_once():
    from engine.forms import errors_of
    form = {"components": [{"type": "textfield", "key": k, "label": k, "validate": {"required": True}}
                           for k in ("a", "b", "c")]}
    assert errors_of(form, {"b": "x"}) == {"a": ["必填 (required)"], "c": ["必填 (required)"]}
