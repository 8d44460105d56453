"""执法文书: issued by the steps that require them, numbered without gaps per unit/year/kind, PDF text checked."""
from __future__ import annotations

import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engine import blobs, documents, events, numbering
from engine.db import transaction
from engine.errors import Conflict, Forbidden
from engine.models import Attachment, Document, Unit
from engine.pdf import rmb_upper
from tests.processes import PERSON, CaseRun
from tests.processes.test_ordinary import (CLOSURE_REPORT, NOTICE, SERVICE, STATEMENT, decision, execution,
                                           filed, report, review, closure)
from tests.processes.test_simple import INTAKE as SIMPLE_INTAKE, decision as on_spot, record

pytestmark = pytest.mark.usefixtures("documents_on")


def pdf_text(sessions, doc: Document) -> str:
    with sessions() as s:
        att = s.get(Attachment, doc.attachment_id)
        raw = blobs.object_path(att.sha256).read_bytes()
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages).replace("\n", "")


def docs(sessions, case_id) -> list[Document]:
    with sessions() as s:
        return documents.for_case(s, case_id)


def test_ordinary_case_issues_numbered_documents_with_the_case_facts(sessions, actor, deployed):
    run = filed(sessions, actor)
    kinds = [d.kind for d in docs(sessions, run.case_id)]
    assert kinds == ["filing_approval_form", "inspection_record", "inquiry_record"]
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", review())
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    run.do("Task_Decision", "cn_head", decision(fine=2000))
    run.do("Task_Service", "cn_officer1", SERVICE)
    run.do("Task_Execution", "cn_officer1", execution("paid", "2026-04-20", paid=2000))
    run.do("Task_ClosureReport", "cn_officer1", CLOSURE_REPORT)
    run.do("Task_ClosureApproval", "cn_head", closure())
    issued = docs(sessions, run.case_id)
    assert [d.kind for d in issued] == ["filing_approval_form", "inspection_record", "inquiry_record",
                                        "prior_notice", "decision_letter", "service_receipt",
                                        "closure_approval_form"]
    letter = next(d for d in issued if d.kind == "decision_letter")
    year = letter.year
    assert letter.number == f"城南街道综执罚决字〔{year}〕第1号" and letter.title == "行政处罚决定书"
    text = pdf_text(sessions, letter)
    case = run.case
    for expected in (case.number, PERSON["name"], PERSON["id_number"], "2,000 元", "人民币贰仟元整",
                     letter.number, "城南街道综合行政执法队", "六十日内", "百分之三"):
        assert expected in text, expected
    notice = next(d for d in issued if d.kind == "prior_notice")
    assert notice.number == f"城南街道综执告字〔{year}〕第1号"
    assert "五个工作日内" in pdf_text(sessions, notice) and "要求听证" not in pdf_text(sessions, notice)
    receipt = pdf_text(sessions, next(d for d in issued if d.kind == "service_receipt"))
    assert letter.number in receipt and "直接送达" in receipt  # the served document and the method's label
    # every document's hash is in the chained log, and verification re-hashes the files
    logged = {e.data["document"]: e.data["sha256"] for e in run.events("document_issued")}
    with sessions() as s:
        assert logged == {d.id: s.get(Attachment, d.attachment_id).sha256 for d in issued}
        assert events.verify(s, run.case_id) is None


def test_numbers_are_gap_free_per_unit_year_and_kind(sessions, actor, deployed):
    first = filed(sessions, actor)
    second = filed(sessions, actor)
    other_unit = filed(sessions, actor, unit="chengbei", starter="cb_officer1", leader="cb_leader", co="cb_officer2")
    numbers = [d.number for run in (first, second) for d in docs(sessions, run.case_id)
               if d.kind == "filing_approval_form"]
    assert [n.rsplit("第", 1)[1] for n in numbers] == ["1号", "2号"]
    [cb] = [d for d in docs(sessions, other_unit.case_id) if d.kind == "filing_approval_form"]
    assert cb.number.startswith("城北街道综执立审字") and cb.seq == 1


def test_refused_decision_issues_no_letter(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", review())
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    run.do("Task_Decision", "cn_head", decision(fine=5000))  # above the notified fine: sent back
    assert "decision_letter" not in [d.kind for d in docs(sessions, run.case_id)]
    run.do("Task_Decision", "cn_head", decision(fine=2000))
    assert [d.kind for d in docs(sessions, run.case_id)].count("decision_letter") == 1


def test_on_spot_decision_has_the_article_52_fields(sessions, actor, deployed):
    run = CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_officer1", SIMPLE_INTAKE, party=PERSON)
    ON_SPOT = on_spot(50)
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 50))
    run.do("Task_OnSpotDecision", "cn_officer1", ON_SPOT)
    [doc] = docs(sessions, run.case_id)
    assert doc.kind == "on_spot_decision" and "当罚字" in doc.number
    text = pdf_text(sessions, doc)
    for expected in (ON_SPOT["violation"], ON_SPOT["decision_basis"], ON_SPOT["decided_place"],
                     ON_SPOT["officer_signature"], "行政复议", run.case.number, doc.number):
        assert expected in text, expected


def test_correction_is_a_new_number_and_the_old_document_stays(sessions, actor, deployed):
    run = filed(sessions, actor)
    [form] = [d for d in docs(sessions, run.case_id) if d.kind == "filing_approval_form"]
    with transaction(sessions) as s, pytest.raises(Forbidden):
        documents.reissue(s, actor("cn_officer1"), form.id)
    with transaction(sessions) as s:
        new = documents.reissue(s, actor("cn_leader"), form.id)
        new_id, new_number = new.id, new.number
    assert new_number.endswith("第2号") and new_number != form.number
    with transaction(sessions) as s, pytest.raises(Conflict):
        documents.reissue(s, actor("cn_leader"), form.id)
    with sessions() as s:
        assert s.get(Document, new_id).replaces_id == form.id and s.get(Document, form.id) is not None
    assert "更正并替代" in pdf_text(sessions, docs(sessions, run.case_id)[-1])


def test_concurrent_allocation_has_no_gaps_or_duplicates(sessions, backend):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    got, errors = [], []

    def worker():
        try:
            for _ in range(5):
                with transaction(sessions) as s:
                    got.append(numbering.allocate_document(s, s.get(Unit, "chengnan"), 2031, "prior_notice"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(got) == list(range(1, 21))


@pytest.mark.parametrize("amount,text", [(500, "人民币伍佰元整"), (10005, "人民币壹万零伍元整"),
                                         (1234.5, "人民币壹仟贰佰叁拾肆元伍角"), (3.05, "人民币叁元零伍分"),
                                         (100010000, "人民币壹亿零壹万元整"), (0, "人民币零元整")])
def test_amounts_in_capitals(amount, text):
    assert rmb_upper(amount) == text


def test_documents_follow_the_templates_of_the_case_version(sessions, actor, deployed):
    """A case's documents are rendered from its process version's bundle, not from today's forms/documents/."""
    from engine.models import Case, ProcessVersion

    run = CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_officer1", SIMPLE_INTAKE, party=PERSON)
    with transaction(sessions) as s:
        version = s.get(ProcessVersion, s.get(Case, run.case_id).process_version_id)
        bundle = dict(version.bundle)
        templates = dict(bundle["documents"])
        assert "on_spot_decision.html" in templates
        templates["on_spot_decision.html"] = templates["on_spot_decision.html"].replace(
            "执法人员签名", "本版本模板执法人员签名", 1)
        bundle["documents"] = templates
        version.bundle = bundle  # as if that version had been deployed with this template
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 50))
    run.do("Task_OnSpotDecision", "cn_officer1", on_spot(50))
    [doc] = docs(sessions, run.case_id)
    assert "本版本模板" in pdf_text(sessions, doc)


def test_decision_numbers_are_generated_and_older_versions_keep_their_typed_field(sessions, actor, deployed):
    """Today's decision forms ask for no number (the document's own number is the 文号); a case on a version
    deployed when the form still asked for a typed one keeps that form, and still gets a generated number."""
    import json

    from engine import bundles, forms, versions
    from engine.errors import ValidationFailed
    from engine.models import Case, ProcessVersion

    for key in ("decision", "on_spot_decision", "prior_notice"):
        keys = [c.get("key") for c in forms.load_form(key)["components"]]
        assert "decision_number" not in keys and "notice_number" not in keys, key
    run = CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_officer1", SIMPLE_INTAKE, party=PERSON)
    with transaction(sessions) as s:
        version = s.get(ProcessVersion, s.get(Case, run.case_id).process_version_id)
        bundle = dict(version.bundle)
        old = json.loads(bundle["forms"]["on_spot_decision"])
        old["components"].insert(0, {"type": "textfield", "key": "decision_number", "label": "当场行政处罚决定书编号",
                                     "id": "Field_decision_number", "validate": {"required": True, "maxLength": 64}})
        bundle["forms"] = dict(bundle["forms"], on_spot_decision=json.dumps(old, ensure_ascii=False))
        version.bundle = bundle  # as if the case's version had been deployed with the older form

    def forget():  # bundles never change in production, so their parsed forms are cached
        bundles._FORMS.clear()
        versions._FORMS.clear()
    forget()
    try:
        run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 50))
        with pytest.raises(ValidationFailed) as refused:
            run.do("Task_OnSpotDecision", "cn_officer1", on_spot(50))
        assert list(refused.value.errors) == ["decision_number"]
        run.do("Task_OnSpotDecision", "cn_officer1", dict(on_spot(50), decision_number="城南当罚〔2026〕9号"))
    finally:
        forget()
    [doc] = docs(sessions, run.case_id)
    assert doc.kind == "on_spot_decision" and "当罚字" in doc.number and doc.number in pdf_text(sessions, doc)
