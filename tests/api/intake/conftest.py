import pytest

from engine.config import ROOT
from engine.db import transaction


@pytest.fixture
def client(app, sessions, deployed, monkeypatch):
    """The API on the real procedures and forms, with the demo catalogue, places and channels."""
    from engine.intake import demo
    monkeypatch.setenv("ZHIFA_FORMS_DIR", str(ROOT / "forms"))
    with transaction(sessions) as session:
        demo.seed(session)
    return app.test_client()


@pytest.fixture
def channel_key(client, auth):
    """channel_key('hotline_12345') → a fresh API key issued by the administrator."""
    def _key(channel: str) -> dict:
        r = client.post(f"/api/v1/intake/channels/{channel}/key", headers=auth("admin"))
        assert r.status_code == 201, r.json
        return {"X-Channel-Key": r.json["key"]}
    return _key
