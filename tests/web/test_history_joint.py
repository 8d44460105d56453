"""History of a joint inspection: the open inspections after the plan, one per agency, named by the agency."""
from __future__ import annotations

import json
import re

from tests.api.conftest import app, auth, client, token  # noqa: F401  (fixtures)
from tests.processes.test_joint_inspection import start_inspection
from tests.web.test_case_search_page import web_login  # noqa: F401  (fixture)


def test_each_agency_instance_is_named(client, web_login, sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_market", "agency_fire")
    web_login("auditor")
    html = client.get(f"/cases/{case_id}/history").get_data(as_text=True)
    steps = json.loads(re.search(r'<script type="application/json" id="steps">(.*?)</script>', html, re.S).group(1))
    open_now = steps[-1]["open"]
    assert sorted(t["unit"] for t in open_now) == ["县市场监管局", "县消防救援大队"], open_now
    assert all(t["title"] == "现场检查并记录检查单" for t in open_now)
    assert not any("{" in str(t["item"] or "") for t in open_now)        # no raw data on the page
