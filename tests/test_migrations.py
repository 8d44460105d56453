"""Models and migrations agree: `alembic upgrade head` on a fresh database leaves nothing to autogenerate."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import engine.models  # noqa: F401  (registers every table)
from engine.db import Base, make_engine
from engine.schema import upgrade
from tests.conftest import BACKENDS, create_pg_database, drop_pg_database


@pytest.fixture(params=BACKENDS)
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = create_pg_database("zhifa_migr")
        yield url
        drop_pg_database(url)


def test_upgrade_head_matches_models(fresh_url):
    upgrade(fresh_url)
    eng = make_engine(fresh_url)
    try:
        with eng.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
            diff = compare_metadata(ctx, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        eng.dispose()
    assert diff == [], diff
    assert {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"} == tables
