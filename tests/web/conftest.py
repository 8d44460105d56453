"""Browser-test fixtures: a real zhifa server (subprocess, SQLite, migrated + seeded + deployed) and Chromium.

The server runs ``zhifa run`` on a free 127.0.0.1 port with its own database, the repository's forms plus
the test forms, and the real procedures plus the small test procedure in tests/web/data.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from engine.config import ROOT

DATA = Path(__file__).parent / "data"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("ZHIFA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def web_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("web")
    forms_dir, processes_dir = base / "forms", base / "processes"
    shutil.copytree(ROOT / "forms", forms_dir) if (ROOT / "forms").is_dir() else forms_dir.mkdir()
    for form in (DATA / "forms").glob("*.form"):
        shutil.copy(form, forms_dir / form.name)
    processes_dir.mkdir()
    for source in [*(ROOT / "processes").glob("*.bpmn"), *(ROOT / "processes").glob("*.dmn"), DATA / "web_test.bpmn"]:
        shutil.copy(source, processes_dir / source.name)
    return {"ZHIFA_DATABASE_URL": f"sqlite:///{base / 'zhifa.db'}", "ZHIFA_FORMS_DIR": str(forms_dir),
            "ZHIFA_PROCESSES_DIR": str(processes_dir), "ZHIFA_SECRET_KEY": "browser-test-" + "k" * 40,
            "ZHIFA_ATTACHMENTS_DIR": str(base / "attachments"), "ZHIFA_DOCUMENTS": "on",
            # the migration page's test continues an interrupted run by hand: the embedded scheduler must not take
            # it over first (its takeover is tested in tests/engine/migration/test_migration_runs.py)
            "ZHIFA_MIGRATION_RUNS_INTERVAL": "3600"}


@pytest.fixture(scope="session")
def server(web_env):
    assert (ROOT / "node_modules" / "bpmn-js").is_dir(), "run .ci/setup (npm ci --ignore-scripts) first"
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, **web_env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # migrate + deploy + seed on a busy machine
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited; see {ARTIFACTS / 'server.log'}")
            time.sleep(0.2)
    else:
        proc.terminate()
        raise RuntimeError("server did not come up")
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def engine_sessions(server, web_env):
    """A session factory on the server's database (to prepare cases as another user would)."""
    from engine.db import make_engine, make_session_factory
    saved = os.environ.get("ZHIFA_FORMS_DIR")
    os.environ["ZHIFA_FORMS_DIR"] = web_env["ZHIFA_FORMS_DIR"]  # the engine validates start forms from there
    # cases driven through the engine here issue their documents into the server's store
    kept = {k: os.environ.get(k) for k in ("ZHIFA_ATTACHMENTS_DIR", "ZHIFA_DOCUMENTS")}
    os.environ.update(ZHIFA_ATTACHMENTS_DIR=web_env["ZHIFA_ATTACHMENTS_DIR"], ZHIFA_DOCUMENTS="on")
    eng = make_engine(web_env["ZHIFA_DATABASE_URL"])
    yield make_session_factory(eng)
    eng.dispose()
    for key, value in kept.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if saved is None:
        os.environ.pop("ZHIFA_FORMS_DIR", None)
    else:
        os.environ["ZHIFA_FORMS_DIR"] = saved


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), "install Debian's chromium (.ci/setup --browser)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(60000)
    yield pg
    context.close()


def shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
