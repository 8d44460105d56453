"""Fixtures for deadline tests: the test processes deployed, default deadline settings, local time helpers."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.deadlines import config
from engine.deploy import deploy
from engine.models import User

DATA = Path(__file__).parent / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=10, mm=0) -> datetime:
    """A Beijing wall-clock time, as a UTC instant (what clock.freeze and the database expect)."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(timezone.utc)


def utc(at: datetime) -> datetime:
    """Stored timestamps are UTC; SQLite gives them back naive."""
    return at.astimezone(timezone.utc) if at.tzinfo else at.replace(tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def deadline_settings():
    config.configure(config.DeadlineSettings())
    yield
    config.configure(None)


@pytest.fixture
def dl_deployed(sessions):
    with transaction(sessions) as session:
        deploy(session, {name: (DATA / name).read_bytes() for name in ("deadlines.bpmn", "timers.bpmn")})


@pytest.fixture
def user_ids(sessions):
    with sessions() as session:
        return dict(session.execute(select(User.username, User.id)).all())
