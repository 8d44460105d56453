"""复议/诉讼 outcomes recorded on a closed case's decision, and their effect on the parties' colour codes.

A penalty revoked (撤销), confirmed unlawful (确认违法) or void (确认无效) by the latest outcome no longer counts
in 三色赋码 (``colours.set_aside``): recording it recomputes the colour of each party of the case in the same
transaction, with the outcome in words as the cause. It also counts in the unit's reversal rate (履职评估).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.cases import get_case
from engine.deadlines.calendar import local_date
from engine.entities import colours
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.models import Case, CaseReview, EntityProfile
from engine.org import Actor
from engine.statuses import CaseState, Role

KINDS = {"reconsideration": "行政复议", "litigation": "行政诉讼"}
RESULTS = {"upheld": "维持", "reversed": "撤销", "modified": "变更", "confirmed_illegal": "确认违法",
           "void": "确认无效", "withdrawn": "撤回申请（起诉）"}
RECORDERS = (Role.AGENCY_HEAD, Role.DEPUTY_HEAD, Role.SQUAD_LEADER, Role.LEGAL_REVIEWER)


def for_case(session: Session, case_id: int) -> list[CaseReview]:
    return list(session.scalars(select(CaseReview).where(CaseReview.case_id == case_id)
                                .order_by(CaseReview.decided_on, CaseReview.id)))


def may_record(actor: Actor, case: Case) -> bool:
    return case.unit_id in actor.units_with(*RECORDERS) or bool(actor.units_with(Role.LEGAL_REVIEWER))


def record(session: Session, actor: Actor, case_id: int, kind: str, result: str, decided_on, note=None
           ) -> CaseReview:
    """Record the outcome of a 复议 or 诉讼 against a closed case; the parties' colours follow."""
    case = get_case(session, actor, case_id)
    if actor.read_only or not may_record(actor, case):
        raise Forbidden("Recording a reconsideration or litigation outcome needs the handling unit's head, squad "
                        "leader or the legal reviewer role.", zh="登记复议/诉讼结果需要办案单位负责人、中队长或法制审核员角色")
    if case.state != CaseState.COMPLETED:
        raise Conflict("Outcomes of reconsideration or litigation are recorded on closed cases only.",
                       zh="只有已办结的案件可以登记复议/诉讼结果")
    errors, zh = {}, {}
    if kind not in KINDS:
        errors["kind"], zh["kind"] = ["must be reconsideration or litigation"], ["须为行政复议或行政诉讼"]
    if result not in RESULTS:
        errors["result"] = [f"must be one of {', '.join(RESULTS)}"]
        zh["result"] = [f"须为{'、'.join(RESULTS.values())}之一"]
    if not isinstance(decided_on, date):
        errors["decided_on"], zh["decided_on"] = ["the date of the decision or judgment is required"], \
            ["复议决定或裁判的日期必填"]
    elif decided_on > local_date(clock.now()):
        errors["decided_on"], zh["decided_on"] = ["cannot be later than today"], ["日期不能晚于今天"]
    elif case.closed_at is not None and decided_on < local_date(case.closed_at):
        errors["decided_on"], zh["decided_on"] = ["cannot be earlier than the case's closure"], \
            ["复议/诉讼结果日期不能早于结案日期"]
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        errors["note"], zh["note"] = ["at most 2000 characters"], ["说明最多2000字"]
    if errors:
        raise ValidationFailed("The outcome is not complete or not valid.", errors, zh="复议/诉讼结果填写有误",
                               errors_zh=zh)
    review = CaseReview(case_id=case.id, kind=kind, result=result, decided_on=decided_on,
                        note=(note or "").strip() or None, recorded_by=actor.user_id, recorded_at=clock.now())
    session.add(review)
    session.flush()
    _recolour(session, actor, case, review)
    return review


def describe(case: Case, review: CaseReview) -> str:
    """The outcome in words, e.g. 案件 X 的处罚决定经行政复议撤销（2026-08-01），不再计入处罚次数."""
    what = f"案件 {case.number} 的处罚决定经{KINDS[review.kind]}{RESULTS[review.result]}（{review.decided_on}）"
    if not colours.penalty_of(case):
        return what
    if review.result in colours.REVERSED:
        return what + "，不再计入处罚次数"
    return what + "，仍计入处罚次数"


def _recolour(session: Session, actor: Actor, case: Case, review: CaseReview) -> None:
    if not colours.colour_table_deployed(session):
        return
    cause = describe(case, review)
    for link in case.parties:
        profile = session.get(EntityProfile, link.party_id)
        if profile is not None and profile.merged_into_id is None:
            colours.recompute(session, profile, "review", case.id, actor_id=actor.user_id, cause=cause)
