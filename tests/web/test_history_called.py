"""History of a case that calls another procedure (提级办案 → 普通程序): a diagram tab per called procedure, the
called procedure's tasks marked on it, and its BPMN served to the viewer."""
from __future__ import annotations

import json
import re

from tests.api.conftest import app, auth, client, token  # noqa: F401  (fixtures)
from tests.processes.test_escalated import decide, endorse, request, the_task
from tests.web.test_case_search_page import web_login  # noqa: F401  (fixture)


def test_called_procedure_has_its_own_diagram_and_marks(client, web_login, sessions, actor, deployed):
    case_id = request(sessions, actor)
    endorse(sessions, actor, case_id)
    decide(sessions, actor, case_id, "approve", squad="bureau_squad1")
    assert the_task(sessions, case_id, "Task_FilingProposal").unit_id == "bureau_squad1"   # inside the call
    web_login("auditor")
    html = client.get(f"/cases/{case_id}/history").get_data(as_text=True)
    tabs = re.findall(r'<button type="button"[^>]*data-src="([^"]+)">([^<]+)</button>', html)
    assert len(tabs) >= 2 and "普通程序" in "".join(name for _, name in tabs), tabs
    called = next(src for src, name in tabs if "普通程序" in name)
    xml = client.get(called)
    assert xml.status_code == 200 and b'id="Task_FilingProposal"' in xml.data
    steps = json.loads(re.search(r'<script type="application/json" id="steps">(.*?)</script>', html, re.S).group(1))
    assert "Task_FilingProposal" in steps[-1]["active"]                       # marked on the called diagram
    assert {"Task_request", "Task_endorse", "Task_decide"} & set(steps[-1]["completed"])
    assert client.get(f"/cases/{case_id}/diagram/999999.bpmn").status_code == 404   # only the versions it calls
