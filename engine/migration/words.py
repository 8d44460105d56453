"""Verdicts and reasons in words (Chinese first, English complete): what a designer reads in the dry run."""
from __future__ import annotations

SAFE, NEEDS_MAPPING, UNSAFE = "safe", "needs_mapping", "unsafe"
LEVELS = (SAFE, NEEDS_MAPPING, UNSAFE)
VERDICT_WORDS = {SAFE: ("可以迁移", "safe"), NEEDS_MAPPING: ("需要指定环节对应关系", "needs mapping"),
                 UNSAFE: ("不能迁移", "unsafe")}

# what a setting of an element is called
SETTINGS = {
    "property:deadline": ("办理期限", "deadline"), "property:deadlineLabel": ("期限名称", "deadline label"),
    "property:deadlineFrom": ("期限起算日", "deadline start"), "property:formKey": ("表单", "form"),
    "property:context": ("办理参考信息", "task context"), "property:role": ("办理角色", "role"),
    "property:unit": ("办理单位", "handling unit"), "property:notInvestigator": ("回避要求", "separation rule"),
    "property:twoOfficers": ("两名执法人员要求", "two-officer rule"),
    "property:pausesCaseClock": ("中止办案期限", "pauses the case clock"),
    "script": ("脚本", "script"), "prescript": ("前置脚本", "pre-script"), "postscript": ("后置脚本", "post-script"),
    "cond_task_specs": ("分支条件", "branch conditions"), "default_task_spec": ("默认分支", "default branch"),
    "outputs": ("后续流向", "outgoing flows"), "inputs": ("前序流向", "incoming flows"),
    "lane": ("泳道（办理角色）", "lane (role)"), "bpmn_name": ("名称", "name"), "typename": ("环节类型", "element type"),
    "decision_ref": ("决策表", "decision table"), "spec": ("调用的流程", "called process"),
    "event_definition": ("事件定义", "event definition"), "documentation": ("说明", "documentation"),
    "data_input_associations": ("数据输入", "data inputs"), "data_output_associations": ("数据输出", "data outputs"),
    "io_specification": ("输入输出定义", "input/output specification"),
    "cardinality": ("多实例数量", "multi-instance cardinality"), "data_input": ("多实例输入", "multi-instance input"),
    "data_output": ("多实例输出", "multi-instance output"), "condition": ("完成条件", "completion condition"),
    "task_spec": ("多实例内部环节", "multi-instance inner element"),
}

# Changes that cannot alter what a case already did at an element it has passed: what applies only while a task is
# open (its deadline, labels, who may do it, the rules checked when it is completed).
PAST_NEUTRAL = {"bpmn_name", "documentation", "lane", "property:deadline", "property:deadlineLabel",
                "property:deadlineFrom", "property:context", "property:pausesCaseClock", "property:role",
                "property:unit", "property:notInvestigator", "property:twoOfficers", "property:investigatorStep"}


def past_neutral(change: str) -> bool:
    return change in PAST_NEUTRAL or change.startswith(("property:rule:", "property:ruleMessage:"))


def setting(change: str) -> tuple[str, str]:
    if change in SETTINGS:
        return SETTINGS[change]
    if change.startswith("property:rule"):
        return "办理规则", "completion rule"
    if change.startswith("property:"):
        return f"属性 {change[9:]}", f"property {change[9:]}"
    return f"设置 {change}", f"setting {change}"


def settings(changes: list[str]) -> tuple[str, str]:
    words = [setting(c) for c in changes]
    return "、".join(dict.fromkeys(w[0] for w in words)), ", ".join(dict.fromkeys(w[1] for w in words))


def reason(code: str, level: str, element: str, name: str, **extra) -> dict:
    """One reason: ``code`` (stable), the element, and the sentence in both languages."""
    zh, en = _TEXTS[code]
    values = dict(extra, name=name, element=element)
    if "changes" in extra:
        values["what_zh"], values["what_en"] = settings(extra["changes"])
    return {"code": code, "level": level, "element": element, "name": name,
            "zh": zh.format(**values), "en": en.format(**values),
            **({"suggestion": extra["suggestion"]} if extra.get("suggestion") else {})}


_TEXTS = {
    "completed_removed": ("已完成的环节『{name}』在新版本中被删除",
                          "the completed step '{name}' was removed in the new version"),
    "completed_changed": ("已完成的环节『{name}』在新版本中已修改（{what_zh}）",
                          "the completed step '{name}' was changed in the new version ({what_en})"),
    "started_removed": ("正在进行的环节『{name}』在新版本中被删除",
                        "the step in progress '{name}' was removed in the new version"),
    "started_changed": ("正在进行的环节『{name}』在新版本中已修改（{what_zh}）",
                        "the step in progress '{name}' was changed in the new version ({what_en})"),
    "open_removed": ("正在办理的环节『{name}』在新版本中没有对应环节，请指定它对应的新环节",
                     "the open step '{name}' has no counterpart in the new version: map it to a new step"),
    "guess": ("环节『{name}』在新版本中找不到同一编号，可能对应『{target_name}』，请确认对应关系",
              "step '{name}' is not in the new version under its id; it may be '{target_name}': confirm the mapping"),
    "open_changed": ("正在办理的环节『{name}』将按新版本办理（{what_zh}）",
                     "the open step '{name}' continues as the new version defines it ({what_en})"),
    "open_kept": ("正在办理的环节『{name}』在新版本中有修改（{what_zh}），按计划保留原有设置",
                  "the open step '{name}' changed in the new version ({what_en}); the plan keeps its own settings"),
    "mi_changed": ("多实例环节『{name}』正在办理，且在新版本中已修改（{what_zh}），不能迁移",
                   "the multi-instance step '{name}' is open and changed in the new version ({what_en})"),
    "mapped": ("环节『{name}』按映射对应新版本的『{target_name}』",
               "step '{name}' maps to '{target_name}' in the new version"),
    "missing_process": ("案件正在运行的子流程『{name}』在新版本中没有",
                        "the new version lacks the subprocess '{name}' the case runs"),
    "not_running": ("案件不在办理中", "the case is not running"),
    "other_version": ("案件不在本计划的源版本上", "the case is not on the plan's source version"),
    "engine": ("新版本无法承接该案件：{detail}", "the new version cannot take the case: {detail}"),
}


# a background run of a plan (engine/migration/runs.py)
RUN_STATES = {"queued": ("排队等待", "queued"), "running": ("正在迁移", "running"),
              "interrupted": ("已中断，等待继续", "interrupted, waiting to continue"), "done": ("已完成", "done"),
              "failed": ("未能完成", "failed")}
