"""API fixtures: a Flask app on the session's database, a test client, bearer tokens, test processes."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from api import create_app
from engine import tokens
from engine.config import Settings
from engine.db import transaction
from engine.deploy import deploy
from engine.models import User
from tests.conftest import DATA

API_DATA = Path(__file__).parent / "data"
FORMS = API_DATA / "forms"


@pytest.fixture(scope="session")
def app(database_url, db_engine):
    app = create_app(Settings(database_url=database_url, forms_dir=FORMS), TESTING=True)
    yield app
    app.extensions["zhifa.db"].kw["bind"].dispose()


@pytest.fixture
def client(app, sessions, monkeypatch):
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(FORMS))
    return app.test_client()


@pytest.fixture
def token(sessions):
    """token('cn_officer1') → a fresh bearer token (issued directly; login itself is tested separately)."""
    def _token(username: str, ttl: timedelta = timedelta(hours=1)) -> str:
        with transaction(sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            raw, _row = tokens.issue(session, user, ttl)
            return raw
    return _token


@pytest.fixture
def auth(token):
    """auth('cn_officer1') → headers for that user (cached per test)."""
    cache: dict[str, dict] = {}

    def _auth(username: str) -> dict:
        if username not in cache:
            # long-lived, so tests may move the clock freely
            cache[username] = {"Authorization": f"Bearer {token(username, timedelta(days=3650))}"}
        return cache[username]
    return _auth


@pytest.fixture
def test_processes(sessions):
    """Deploy the loop test process (lane officer) and the review process (officer → squad_leader)."""
    with transaction(sessions) as session:
        deploy(session, {"loop.bpmn": (DATA / "loop.bpmn").read_bytes(),
                         "review.bpmn": (API_DATA / "review.bpmn").read_bytes()})


@pytest.fixture
def start(client, auth, test_processes):
    """start('cn_officer1', 'chengnan') → the started case (JSON) of api_review."""
    def _start(username: str, unit: str, procedure: str = "api_review", data: dict | None = None, **extra):
        body = {"procedure": procedure, "unit": unit, "data": data if data is not None else {"summary": "s"}}
        body.update(extra)
        r = client.post("/api/v1/cases", json=body, headers=auth(username))
        assert r.status_code == 201, r.json
        return r.json
    return _start
