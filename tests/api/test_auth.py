"""Login, bearer tokens (hashed, expiring, revocable), the session cookie path, public endpoints."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from api.auth import SESSION_KEY
from engine import clock, tokens
from engine.db import transaction
from engine.models import ApiToken, User

PROBLEM = "application/problem+json"


def login(client, username="cn_officer1", password="zhifa-demo"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_returns_a_token_that_authenticates(client, sessions):
    r = login(client)
    assert r.status_code == 200
    assert r.json["user"]["username"] == "cn_officer1" and r.json["expires_at"].endswith("+00:00")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert me.status_code == 200
    assert me.json["roles"] == [{"unit": "chengnan", "unit_name": "城南街道综合行政执法队", "role": "officer"}]
    assert me.json["read_only"] is False
    with sessions() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert stored == [tokens.hash_token(r.json["token"])] and r.json["token"] not in stored


def test_wrong_password_and_unknown_user_are_401_problems(client, sessions):
    for r in (login(client, password="wrong"), login(client, username="nobody")):
        assert r.status_code == 401 and r.mimetype == PROBLEM
        assert r.json["detail"] == "unknown user or wrong password"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    with sessions() as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_login_validation_is_422_with_field_errors(client):
    r = client.post("/api/v1/auth/login", json={"username": ""})
    assert r.status_code == 422 and r.mimetype == PROBLEM
    assert set(r.json["errors"]) == {"username", "password"}
    assert r.json["type"] == "urn:zhifa:problem:validation-failed" and r.json["status"] == 422


def test_logout_revokes_the_token(client):
    headers = {"Authorization": f"Bearer {login(client).json['token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.json["detail"] == "the token is unknown, expired or revoked"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 401


def test_expired_token_is_refused(client, token):
    headers = {"Authorization": f"Bearer {token('cn_officer1')}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=1, seconds=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_inactive_user_token_is_refused(client, token, sessions):
    headers = {"Authorization": f"Bearer {token('cn_officer3')}"}
    with transaction(sessions) as session:
        session.scalar(select(User).where(User.username == "cn_officer3")).active = False
    try:
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    finally:
        with transaction(sessions) as session:
            session.scalar(select(User).where(User.username == "cn_officer3")).active = True


def test_missing_or_malformed_credentials_are_401(client):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer not-a-token"}):
        r = client.get("/api/v1/tasks/claimable", headers=headers)
        assert r.status_code == 401 and r.mimetype == PROBLEM, headers


def test_public_endpoints(client):
    assert client.get("/health").json == {"status": "ok"}
    assert client.get("/api/v1/health").json == {"status": "ok", "database": "ok"}
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")
    assert spec.json["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"/api/openapi.json" in docs.data


def test_session_cookie_authenticates_and_guards_writes(client, sessions):
    with transaction(sessions) as session:
        user = session.scalar(select(User).where(User.username == "cn_officer1"))
        raw, row = tokens.issue(session, user, timedelta(hours=1), client="web")
        token_id = row.id
    with client.session_transaction() as cookie:
        cookie[SESSION_KEY] = raw
    assert client.get("/api/v1/me").json["user"]["username"] == "cn_officer1"
    r = client.post("/api/v1/tasks/x/claim")
    assert r.status_code == 403 and "X-Requested-With" in r.json["detail"]
    assert client.post("/api/v1/tasks/x/claim", headers={"X-Requested-With": "fetch"}).status_code == 404
    with transaction(sessions) as session:
        tokens.revoke(session, session.get(ApiToken, token_id))
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_route_and_method_are_problems(client, auth):
    r = client.get("/api/v1/nothing-here", headers=auth("cn_officer1"))
    assert r.status_code == 404 and r.mimetype == PROBLEM
    r = client.delete("/api/v1/me", headers=auth("cn_officer1"))
    assert r.status_code == 405 and r.mimetype == PROBLEM and "GET" in r.headers["Allow"]
