"""Shared fixtures: every database test runs on real SQLite and on the real PostgreSQL at 127.0.0.1:5432.

Each test session creates its own databases (a fresh SQLite file; a fresh PostgreSQL database named
after the process), migrates them with Alembic and seeds the demo organisation once. After each test
the runtime tables are emptied, so tests start from the seeded organisation and nothing else.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import clock, schema
from engine.config import ROOT
from engine.db import make_engine, make_session_factory, transaction
from engine.org import actor_for
from engine.schema import upgrade

PG_ADMIN_URL = os.environ.get("ZHIFA_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("ZHIFA_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
# Seeded once per session and kept; every other table is emptied after each test.
KEPT_TABLES = {"units", "users", "memberships", "alembic_version"}


def runtime_tables() -> list[str]:
    """Every model table except the organisation, children before parents."""
    import engine.models  # noqa: F401  (registers every table)
    from engine.db import Base
    return [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in KEPT_TABLES]


def create_pg_database(prefix: str = "zhifa_test") -> str:
    return schema.create_pg_database(PG_ADMIN_URL, prefix)


def drop_pg_database(url: str) -> None:
    schema.drop_pg_database(PG_ADMIN_URL, url)


@pytest.fixture(scope="session", autouse=True)
def attachments_dir(tmp_path_factory):
    """Uploaded and generated files go to a per-session directory, never into var/."""
    path = tmp_path_factory.mktemp("attachments")
    # Rendering 执法文书 costs ~0.3-1 s each: procedure tests run without; tests/engine/test_documents.py and
    # the browser tests switch it on (fixture ``documents_on``).
    os.environ.setdefault("ZHIFA_DOCUMENTS", "off")
    old = os.environ.get("ZHIFA_ATTACHMENTS_DIR")
    os.environ["ZHIFA_ATTACHMENTS_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ZHIFA_ATTACHMENTS_DIR", None)
    else:
        os.environ["ZHIFA_ATTACHMENTS_DIR"] = old


@pytest.fixture
def documents_on(monkeypatch):
    monkeypatch.setenv("ZHIFA_DOCUMENTS", "on")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "zhifa.db"
        yield f"sqlite:///{path}"
    else:
        url = create_pg_database()
        yield url
        drop_pg_database(url)


@pytest.fixture(scope="session")
def db_engine(database_url):
    from engine import seed
    upgrade(database_url)
    eng = make_engine(database_url)
    with transaction(make_session_factory(eng)) as session:
        seed.seed_demo(session)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(db_engine):
    """Session factory on a clean runtime state (org and demo users stay)."""
    factory = make_session_factory(db_engine)
    yield factory
    clock.reset()
    with db_engine.begin() as conn:
        for table in runtime_tables():
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def backend(database_url) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def actor(sessions):
    """actor('cn_officer1') → the engine Actor of a demo user."""
    from sqlalchemy import select
    from engine.models import User

    def _actor(username: str):
        with sessions() as session:
            user = session.scalar(select(User).where(User.username == username))
            return actor_for(session, user)
    return _actor


@pytest.fixture
def deployed(sessions):
    """Deploy processes/ (the real procedures) and return the results."""
    from engine.deploy import deploy_directory
    with transaction(sessions) as session:
        return deploy_directory(session, ROOT / "processes", forms_dir=ROOT / "forms")  # the real forms in the bundles


DATA = Path(__file__).parent / "engine" / "data"


@pytest.fixture
def org_restore(sessions, db_engine):
    """For tests that change the organisation (kept between tests): afterwards remove added units and users
    and put the demo units, users and roles back as seeded."""
    yield
    from sqlalchemy import delete, select, update
    from engine import seed
    from engine.models import Membership, Unit, User
    with db_engine.begin() as conn:  # runtime rows first (they point at users and units)
        for table in runtime_tables():
            conn.execute(text(f"DELETE FROM {table}"))
    demo_units = {u[0]: u for u in seed.UNITS}
    demo_users = {name: roles for name, _display, roles in seed.USERS}
    with transaction(sessions) as session:
        session.execute(delete(User).where(User.username.not_in(list(demo_users))))
        session.execute(update(User).values(active=True, must_change_password=False))
        ids = dict(session.execute(select(User.username, User.id)).all())
        session.execute(delete(Membership))
        for name, roles in demo_users.items():
            for unit_id, role in roles:
                session.add(Membership(user_id=ids[name], unit_id=unit_id, role=role))
        for uid, name, name_en, kind, parent, prefix in seed.UNITS:
            session.execute(update(Unit).where(Unit.id == uid).values(
                name=name, name_en=name_en, kind=kind, parent_id=parent, doc_prefix=prefix, closed_at=None))
        extra = [u for u in session.scalars(select(Unit)) if u.id not in demo_units]
        while extra:  # children before parents
            parents = {u.parent_id for u in extra}
            leaves = [u for u in extra if u.id not in parents]
            for unit in leaves:
                session.delete(unit)
            session.flush()
            extra = [u for u in extra if u not in leaves]
