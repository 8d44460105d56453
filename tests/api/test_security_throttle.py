"""Login throttling per account and per address (429 + Retry-After), on the API and the web login."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine import clock, throttle


@pytest.fixture
def frozen(monkeypatch):
    # smaller limits keep the test quick (each attempt hashes with argon2); the logic is the same
    monkeypatch.setattr(throttle, "MAX_PER_ACCOUNT", 4)
    monkeypatch.setattr(throttle, "MAX_PER_ADDRESS", 7)
    clock.freeze(datetime(2026, 5, 6, 2, 0, tzinfo=timezone.utc))
    yield
    clock.reset()


def _login(client, username, password="wrong", addr="10.0.0.1"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_account_is_throttled_after_repeated_failures(client, frozen):
    for _ in range(throttle.MAX_PER_ACCOUNT):
        assert _login(client, "cn_officer1").status_code == 401
    r = _login(client, "cn_officer1", "zhifa-demo")  # even the right password waits now
    assert r.status_code == 429 and r.mimetype == "application/problem+json"
    assert 0 < int(r.headers["Retry-After"]) <= throttle.WINDOW.total_seconds()
    assert _login(client, "cn_officer2", "zhifa-demo").status_code == 200  # other accounts are not locked
    assert _login(client, "cn_officer1", "zhifa-demo", addr="10.9.9.9").status_code == 429  # nor from elsewhere
    clock.advance(throttle.WINDOW + timedelta(seconds=1))
    assert _login(client, "cn_officer1", "zhifa-demo").status_code == 200
    assert _login(client, "cn_officer1").status_code == 401  # success cleared the count


def test_address_is_throttled_across_accounts(client, frozen):
    for i in range(throttle.MAX_PER_ADDRESS):
        assert _login(client, f"nobody{i}").status_code == 401
    r = _login(client, "cn_officer2", "zhifa-demo")
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert _login(client, "cn_officer2", "zhifa-demo", addr="10.0.0.2").status_code == 200


def test_web_login_is_throttled(client, frozen):
    client.get("/login")
    with client.session_transaction() as session:
        csrf = session["web_csrf"]
    for _ in range(throttle.MAX_PER_ACCOUNT):
        r = client.post("/login", data={"username": "cn_leader", "password": "x", "csrf_token": csrf})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "cn_leader", "password": "zhifa-demo", "csrf_token": csrf})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert "登录失败次数过多" in r.get_data(as_text=True) or "too many" in r.get_data(as_text=True)
