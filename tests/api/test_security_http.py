"""Hostile HTTP input: every case is a precise 4xx with nothing stored; sessions need a secret; headers set."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import func, select

from api import create_app
from api.auth import SESSION_KEY
from api.security import MissingSecretKey
from engine import tokens
from engine.config import Settings
from engine.db import transaction
from engine.models import Case, User


def _cases(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))


# ---------------------------------------------------------------- sessions and the secret key

def test_server_refuses_to_start_without_a_secret_key(database_url, monkeypatch, tmp_path):
    with pytest.raises(MissingSecretKey, match="ZHIFA_SECRET_KEY"):
        create_app(Settings(database_url=database_url))
    with pytest.raises(MissingSecretKey, match="too short"):
        create_app(Settings(database_url=database_url, secret_key="dev-only-change-me"))
    good = "k" * 48
    assert create_app(Settings(database_url=database_url, secret_key=good)).secret_key == good


def test_demo_key_is_random_and_kept(tmp_path):
    from engine.config import demo_secret_key
    first = demo_secret_key(tmp_path)
    assert len(first) >= 48 and demo_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert demo_secret_key(tmp_path / "other") != first


def test_a_forged_cookie_with_a_row_id_opens_nothing(app, client, sessions):
    """Signing {'zhifa_token_id': N} (the old cookie) or a guessed token with the real key gives nothing."""
    with transaction(sessions) as session:
        user = session.scalar(select(User).where(User.username == "bureau_head"))
        _raw, row = tokens.issue(session, user, timedelta(hours=1), client="web")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    for forged in ({"zhifa_token_id": row.id}, {SESSION_KEY: row.id}, {SESSION_KEY: str(row.id)},
                   {SESSION_KEY: "guess"}):
        client.set_cookie("session", serializer.dumps(forged))
        assert client.get("/api/v1/me").status_code == 401, forged


def test_login_cookie_flags_and_logout_csrf(client):
    r = client.post("/login", data={"username": "cn_officer1", "password": "zhifa-demo",
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/api/v1/me").status_code == 200
    r = client.post("/api/v1/auth/logout")  # cookie only, no X-Requested-With: a cross-site form could do this
    assert r.status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-Requested-With": "fetch"}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_is_secure_over_https(client):
    r = client.get("/login", base_url="https://zhifa.example")  # the login form puts a CSRF token in the session
    assert "Secure" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in r.headers


def _csrf(client) -> str:
    client.get("/login")
    with client.session_transaction() as session:
        return session["web_csrf"]


# ---------------------------------------------------------------- JSON limits

@pytest.mark.parametrize("body", [
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s", "fine_amount": NaN}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s", "fine_amount": Infinity}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s", "fine_amount": -Infinity}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s", "fine_amount": 1e400}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "s", "n": 99999999999999999999}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "\\ud800"}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"\\udfff": "s"}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": {"summary": "a\\u0000b"}}',
    '{"procedure": "api_review", "unit": "chengnan", "data": ' + "[" * 400 + "]" * 400 + "}",
])
def test_hostile_json_is_422_and_stores_nothing(client, auth, sessions, test_processes, body):
    r = client.post("/api/v1/cases", data=body, content_type="application/json", headers=auth("cn_officer1"))
    assert r.status_code == 422 and r.mimetype == "application/problem+json", r.json
    assert _cases(sessions) == 0


@pytest.mark.parametrize("body", ['{"username": "\\ud800", "password": "x"}', "[" * 5000 + "]" * 5000,
                                  '{"username": "a", "password": NaN}'])
def test_login_rejects_hostile_json_unauthenticated(client, body):
    r = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


# ---------------------------------------------------------------- parameters and NUL

@pytest.mark.parametrize("url,status", [
    ("/api/v1/cases/99999999999999999999", 404),
    ("/api/v1/cases/99999999999999999999/events", 404),
    ("/api/v1/cases?page=99999999999999999999", 422),
    ("/api/v1/tasks/mine?page=-99999999999999999999", 422),
    ("/api/v1/cases?procedure=a%00b", 422),
    ("/api/v1/tasks/a%00b", 422),
])
def test_api_parameters_are_bounded(client, auth, url, status):
    r = client.get(url, headers=auth("cn_officer1"))
    assert r.status_code == status and r.mimetype == "application/problem+json", (url, r.status_code)


def test_web_routes_are_guarded_too(client, sessions):
    assert client.post("/login", data={"username": "cn\x00officer1", "password": "x",
                                       "csrf_token": _csrf(client)}).status_code == 422
    client.post("/login", data={"username": "cn_officer1", "password": "zhifa-demo", "csrf_token": _csrf(client)})
    for url, status in (("/inbox?q=a%00b", 422), ("/inbox?page=99999999999999999999", 422),
                        ("/cases/99999999999999999999", 404), ("/tasks/a%00b", 422)):
        assert client.get(url).status_code == status, url
    assert client.get("/inbox?page=100000000000").status_code == 200  # clamped, not an overflow


# ---------------------------------------------------------------- headers

@pytest.mark.parametrize("url", ["/login", "/api/v1/health", "/api/docs"])
def test_security_headers(client, url):
    r = client.get(url)
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "script-src 'self'" in csp
    assert "'unsafe-eval'" not in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
