"""履职评估 as an XLSX workbook (openpyxl): overview, deadlines per clock kind, cases, step times."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

PROCEDURES = {"ordinary_procedure": "普通程序", "simple_procedure": "简易程序", "escalated_procedure": "提级办案",
              "joint_inspection": "监管一件事"}
OUTCOMES = {"penalised": "予以处罚", "simple_penalty": "当场处罚", "no_penalty": "不予处罚",
            "not_established": "违法事实不成立", "transfer_agency": "移送主管部门", "transfer_judicial": "移送司法机关",
            "converted": "转为普通程序", "not_opened": "不予立案", "handed_to_county": "移交县局办理", "closed": "办结",
            "cancelled": "撤销"}


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _sheet(wb, title, header, rows, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, _ in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 16 if i > 1 else 28
    return ws


def workbook(report: dict, unit_names: dict[str, str]) -> bytes:
    wb = Workbook()
    period = f"{report['period_from']} 至 {report['period_to']}"
    overview = []
    for r in report["units"]:
        c, i, v = r["clocks"], r["inspections"], r["reviews"]
        overview.append([unit_names.get(r["unit"], r["unit"]), period, _rate(c["on_time_rate"]), c["red"],
                         c["overdue_days"], r["cases"]["opened_total"], r["cases"]["closed_total"],
                         _rate(i.get("joint_share")), i.get("checks_avoided", 0), v["reviews"], v["reversed"],
                         _rate(v.get("reversal_rate")),
                         "—" if r["leads_returned"] is None else r["leads_returned"]])
    _sheet(wb, "履职评估", ["单位", "期间", "期限按时率", "红灯数", "超期天数", "立案/启动数", "办结数", "联合检查占比",
                        "减少现场检查（次）", "复议诉讼数", "被纠错数", "纠错率", "退回线索数"], overview, first=True)
    _sheet(wb, "期限（按类别）", ["单位", "期限", "类别", "届满数", "按时", "超期", "按时率"],
           [[unit_names.get(r["unit"], r["unit"]), k["label"], "案件" if k["kind"] == "case" else "环节", k["closed"],
             k["on_time"], k["late"], _rate(k["on_time_rate"])] for r in report["units"] for k in r["clocks"]["kinds"]])
    rows = []
    for r in report["units"]:
        for key, outcomes in r["cases"]["closed"].items():
            for outcome, n in sorted(outcomes.items()):
                rows.append([unit_names.get(r["unit"], r["unit"]), PROCEDURES.get(key, key),
                             OUTCOMES.get(outcome, outcome), n])
    _sheet(wb, "办结案件（按程序和结果）", ["单位", "程序", "结果", "件数"], rows)
    _sheet(wb, "环节用时", ["单位", "程序", "环节", "完成数", "平均（小时）", "P90（小时）"],
           [[unit_names.get(r["unit"], r["unit"]), PROCEDURES.get(s["process"], s["process"]), s["title"], s["count"],
             s["avg_hours"], s["p90_hours"]] for r in report["units"] for s in r["steps"]])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
