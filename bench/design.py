"""Designers' workspace: validating the ordinary procedure (target p50 ≤ 200 ms) and, in a full run only, the
editor page's time to interactive in Chromium (target ≤ 1 s: navigation start → diagram, properties panel and
first validation ready)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from bench.stats import Result, latency_result
from engine import bundles
from engine.config import ROOT
from engine.sources import Sources, read_forms
from engine.validation import validate

ORDINARY = "ordinary_procedure"


def ordinary_sources() -> Sources:
    forms, documents = read_forms(ROOT / "forms")
    everything = Sources(bpmn={p.name: p.read_text("utf-8") for p in (ROOT / "processes").glob("*.bpmn")},
                         dmn={p.name: p.read_text("utf-8") for p in (ROOT / "processes").glob("*.dmn")},
                         forms=forms, documents=documents)
    report = validate(everything, parse=False)
    return Sources.from_dict(bundles.cut(everything, report.index, ORDINARY))


def run_design(backends, quick: bool) -> list[Result]:
    sources, out = ordinary_sources(), []
    for backend in backends:
        with backend.sessions() as session:
            roles = bundles.held_roles(session)
        validate(sources, roles=roles)  # warm imports and caches
        samples = []
        for _ in range(3 if quick else 40):
            t0 = time.perf_counter()
            report = validate(sources, roles=roles)
            samples.append(time.perf_counter() - t0)
        assert report.ok, report.summary()
        p50 = sorted(samples)[len(samples) // 2] * 1000
        out.append(latency_result("design", "validate the ordinary procedure (bundle)", samples,
                                  backend=backend.name, config=f"{len(sources.bpmn)} bpmn, {len(sources.dmn)} dmn, "
                                  f"{len(sources.forms)} forms", target="p50 ≤ 200 ms", met=p50 <= 200))
        if not quick:
            out.append(editor_tti(backend, sources))
    return out


def editor_tti(backend, sources: Sources) -> Result:
    """Median of 5 loads of the editor page on a gunicorn server over this backend."""
    from playwright.sync_api import sync_playwright

    from bench.server import Server
    from engine import drafts
    from engine.db import transaction
    chromium = os.environ.get("ZHIFA_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return Result("design", "editor time to interactive", backend.name, value="no chromium")
    with transaction(backend.sessions) as session:
        draft_id = drafts.create(session, ORDINARY, "bench", sources.as_dict(), "bench").id
    samples = []
    with Server(backend.url, workers=2) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        base = f"http://127.0.0.1:{srv.port}"
        page.goto(base + "/login")
        page.fill("input[name=username]", "designer")
        page.fill("input[name=password]", "zhifa-demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox**")
        for _ in range(6):
            t0 = time.perf_counter()
            page.goto(f"{base}/design/drafts/{draft_id}")
            page.wait_for_selector("#editor[data-ready='1'] .djs-element", timeout=60000)
            page.wait_for_selector("#editor[data-validated]:not([data-validated=''])", timeout=60000)
            samples.append(time.perf_counter() - t0)
        browser.close()
    samples = samples[1:]  # the first load fills the browser cache
    p50 = sorted(samples)[len(samples) // 2] * 1000
    return latency_result("design", "editor page: time to interactive (diagram + panel + validation)", samples,
                          backend=backend.name, config="Chromium, warm cache", target="p50 ≤ 1000 ms", met=p50 <= 1000)


