"""Demo organisation and users (from ../shared/domain.md). Every demo account's password is ``zhifa-demo``."""
from __future__ import annotations

import zlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.errors import Conflict
from engine.models import Unit, User

DEMO_PASSWORD = "zhifa-demo"

# (id, name, name_en, kind, parent, doc_prefix)
UNITS = [
    ("zhidaoban", "县综合行政执法指导办公室", "County enforcement coordination office", "office", None, None),
    ("bureau", "县综合行政执法局", "County enforcement bureau", "bureau", "zhidaoban", "县综执罚"),
    ("bureau_legal", "县综合行政执法局法制科", "Bureau legal section", "legal_section", "bureau", None),
    ("bureau_command", "县综合行政执法局指挥中心", "Bureau command centre", "command_center", "bureau", None),
    ("bureau_squad1", "县综合行政执法局直属一中队", "Bureau direct squad 1", "direct_squad", "bureau", "县综执一罚"),
    ("bureau_squad2", "县综合行政执法局直属二中队", "Bureau direct squad 2", "direct_squad", "bureau", "县综执二罚"),
    ("chengnan", "城南街道综合行政执法队", "Chengnan subdistrict squad", "township", "zhidaoban", "城南街道综执罚"),
    ("chengbei", "城北街道综合行政执法队", "Chengbei subdistrict squad", "township", "zhidaoban", "城北街道综执罚"),
    ("jiangkou", "江口镇综合行政执法队", "Jiangkou town squad", "township", "zhidaoban", "江口镇综执罚"),
    ("qingshan", "青山镇综合行政执法队", "Qingshan town squad", "township", "zhidaoban", "青山镇综执罚"),
    ("agency_market", "县市场监管局", "Market regulation bureau", "agency", "zhidaoban", "县市监罚"),
    ("agency_eco", "市生态环境局县分局", "Ecology and environment branch", "agency", "zhidaoban", "县环罚"),
    ("agency_safety", "县应急管理局", "Emergency management bureau", "agency", "zhidaoban", "县应急罚"),
    ("agency_fire", "县消防救援大队", "Fire and rescue brigade", "agency", "zhidaoban", "县消罚"),
    ("agency_health", "县卫生健康局", "Health bureau", "agency", "zhidaoban", "县卫罚"),
]

# (username, display name, [(unit, role), ...])
USERS = [
    ("admin", "系统管理员", [("zhidaoban", "admin")]),
    ("designer", "流程设计员", [("zhidaoban", "designer")]),
    ("supervisor", "督办员 周敏", [("zhidaoban", "supervisor")]),
    ("auditor", "审计员 孙立", [("zhidaoban", "auditor")]),
    ("bureau_head", "执法局局长 郑国华", [("bureau", "agency_head")]),
    ("bureau_deputy", "执法局副局长 梁宇", [("bureau", "deputy_head")]),
    ("legal1", "法制审核员 冯婷", [("bureau_legal", "legal_reviewer")]),
    ("legal2", "法制审核员 褚强", [("bureau_legal", "legal_reviewer")]),
    ("dispatcher", "指挥中心派单员 何静", [("bureau_command", "dispatcher")]),
    ("hearing1", "听证主持人 卫东", [("bureau", "hearing_officer"), ("chengnan", "hearing_officer"),
                                ("chengbei", "hearing_officer")]),
    ("hearing2", "听证主持人 柏松", [("jiangkou", "hearing_officer"), ("qingshan", "hearing_officer")]
     + [(a, "hearing_officer") for a in ("agency_market", "agency_eco", "agency_safety", "agency_fire",
                                          "agency_health")]),
    ("sq1_support", "直属一中队辅助人员 戴静", [("bureau_squad1", "support")]),
    ("sq1_leader", "直属一中队队长 蒋涛", [("bureau_squad1", "squad_leader")]),
    ("sq1_officer1", "直属一中队队员 沈洁", [("bureau_squad1", "officer")]),
    ("sq1_officer2", "直属一中队队员 韩磊", [("bureau_squad1", "officer")]),
    ("sq1_reviewer", "直属一中队审核员 杨帆", [("bureau_squad1", "case_reviewer")]),
    ("cn_head", "城南街道主任 朱伟", [("chengnan", "agency_head")]),
    ("cn_deputy", "城南街道分管副主任 秦岚", [("chengnan", "deputy_head")]),
    ("cn_leader", "城南中队长 许刚", [("chengnan", "squad_leader")]),
    ("cn_officer1", "城南执法队员 何平", [("chengnan", "officer")]),
    ("cn_officer2", "城南执法队员 吕芳", [("chengnan", "officer")]),
    ("cn_officer3", "城南执法队员 施杰", [("chengnan", "officer")]),
    ("cn_reviewer", "城南案件审核员 张琳", [("chengnan", "case_reviewer")]),
    ("cn_support", "城南执法辅助人员 孔亮", [("chengnan", "support")]),
    ("cb_head", "城北街道主任 曹阳", [("chengbei", "agency_head")]),
    ("cb_deputy", "城北街道分管副主任 范琦", [("chengbei", "deputy_head")]),
    ("cb_leader", "城北中队长 严峻", [("chengbei", "squad_leader")]),
    ("cb_officer1", "城北执法队员 华勇", [("chengbei", "officer")]),
    ("cb_officer2", "城北执法队员 金晶", [("chengbei", "officer")]),
    ("cb_reviewer", "城北案件审核员 魏红", [("chengbei", "case_reviewer")]),
    ("jk_leader", "江口中队长 陶然", [("jiangkou", "squad_leader")]),
    ("jk_officer1", "江口执法队员 姜山", [("jiangkou", "officer")]),
    ("jk_officer2", "江口执法队员 戚薇", [("jiangkou", "officer")]),
    ("qs_leader", "青山中队长 谢文", [("qingshan", "squad_leader")]),
    ("qs_officer1", "青山执法队员 邹凯", [("qingshan", "officer")]),
    ("qs_officer2", "青山执法队员 喻晓", [("qingshan", "officer")]),
]
for _agency, _short, _zh in (("agency_market", "market", "市场监管"), ("agency_eco", "eco", "生态环境"),
                             ("agency_safety", "safety", "应急管理"), ("agency_fire", "fire", "消防救援"),
                             ("agency_health", "health", "卫生健康")):
    USERS += [
        (f"{_short}_inspector1", f"{_zh}检查员 甲", [(_agency, "inspector"), (_agency, "officer")]),
        (f"{_short}_inspector2", f"{_zh}检查员 乙", [(_agency, "inspector"), (_agency, "officer")]),
        (f"{_short}_leader", f"{_zh}科室负责人", [(_agency, "squad_leader"), (_agency, "case_reviewer")]),
        (f"{_short}_head", f"{_zh}局长", [(_agency, "agency_head")]),
        (f"{_short}_deputy", f"{_zh}副局长", [(_agency, "deputy_head")]),
    ]


def seed_if_empty(session: Session) -> int | None:
    """Seed the demo organisation only into a database without real users: the number of demo users created
    (0 when the demo is already there), or None when real users exist (nothing is done, nothing fails)."""
    real = session.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(False)))
    if real:
        return None
    return seed_demo(session)


def seed_demo(session: Session) -> int:
    """Create the demo organisation and users. Refuses a database holding real (non-demo) users.

    Idempotent: units and users that exist are left alone. Returns the number of users created.
    """
    real = session.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(False)))
    if real:
        raise Conflict(f"refusing to seed demo data: the database holds {real} real (non-demo) users",
                       zh=f"数据库中已有 {real} 个正式用户，拒绝写入演示数据")
    for uid, name, name_en, kind, parent, prefix in UNITS:
        if session.get(Unit, uid) is None:
            session.add(Unit(id=uid, name=name, name_en=name_en, kind=kind, parent_id=parent, doc_prefix=prefix))
            session.flush()
    existing = set(session.scalars(select(User.username)))
    created = 0
    for username, display, roles in USERS:
        if username in existing:
            continue
        create_user(session, username, display, DEMO_PASSWORD, roles, is_demo=True,
                    certificate_no=f"ZF{zlib.crc32(username.encode()) % 10**8:08d}" if "officer" in username else None)
        created += 1
    from engine.intake import demo as intake_demo  # the matter catalogue, places and lead channels
    intake_demo.seed(session)
    return created
