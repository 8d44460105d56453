"""Chinese words for the case file (the 卷宗 is read by 复议 bodies and courts; Chinese only)."""
from __future__ import annotations

EVENTS = {
    "case_started": "立案登记/启动", "task_ready": "任务生成", "task_claimed": "签收", "task_unclaimed": "退回待签",
    "task_assigned": "指派", "task_completed": "办理完成", "task_cancelled": "任务取消", "gateway_decided": "流程分支判定",
    "decision_evaluated": "决策表判定", "timer_fired": "定时触发", "case_ended": "案件结束",
    "clock_started": "期限开始计算", "clock_paused": "期限中止", "clock_resumed": "期限恢复", "clock_extended": "期限延长",
    "clock_colour_changed": "期限预警变化", "clock_stopped": "期限结束", "clock_escalated": "催办/督办",
    "attachment_added": "上传附件", "document_issued": "制发文书", "case_migrated": "迁移到新流程版本",
    "case_migration_reverted": "撤销流程版本迁移", "clock_corrected": "期限随流程版本更正",
}
ROLES = {
    "officer": "执法队员", "support": "执法辅助人员", "squad_leader": "中队长", "case_reviewer": "案件审核员",
    "legal_reviewer": "法制审核员", "agency_head": "负责人", "hearing_officer": "听证主持人", "supervisor": "督办员",
    "auditor": "审计人员", "designer": "流程设计人员", "admin": "系统管理员", "dispatcher": "指挥调度员",
    "deputy_head": "分管负责人", "inspector": "检查人员",
}
STATES = {"running": "办理中", "completed": "已结案", "cancelled": "已撤销"}
COLOURS = {"green": "正常", "yellow": "即将到期", "red": "已超期"}
VERDICTS = {"intact": "完整", "altered": "被篡改", "unreplayable": "无法重演"}
REASONS = {
    "chain": "该步记录与其哈希值不符", "link": "此步之前的哈希链断开", "gap": "事件被删除或插入",
    "step": "记录的办理步骤在该程序版本上不可能发生", "data": "保存的案件数据与事件记录重演的结果不同",
    "state": "结案状态与重演结果不同", "tasks": "待办任务与重演结果不同", "engine": "流程运行失败",
    "spec": "程序版本无法加载", "start": "缺少立案事件",
}


def verdict_text(verdict: str, step: int | None, reason: str | None) -> str:
    if verdict == "intact":
        return "完整：哈希链校验通过，按事件记录重演与案件一致"
    where = f"第 {step} 步" if step else ""
    return f"{VERDICTS.get(verdict, verdict)}：{where}{REASONS.get(reason or '', reason or '')}"
