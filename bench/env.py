"""The benchmark databases: a fresh SQLite file and a fresh PostgreSQL database, migrated, seeded, deployed.

Both are created by the run and removed at its end. The PostgreSQL server is the one the tests use
(127.0.0.1:5432, user postgres); override the maintenance URL with ``ZHIFA_BENCH_PG_ADMIN_URL``.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import accounts, schema, seed
from engine.db import make_engine, make_session_factory, transaction
from engine.deploy import deploy_directory
from engine.models import User
from engine.org import Actor, actor_for
from engine.schema import upgrade

DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("ZHIFA_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LOOP = "bench_loop"          # bench/data/bench_loop.bpmn: one user task in a loop (data {"done": False})
UNIT = "chengnan"
OFFICER = "cn_officer1"


@dataclass
class Backend:
    name: str                # "sqlite" | "postgresql"
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    info: dict = field(default_factory=dict)

    def actor(self, username: str = OFFICER) -> Actor:
        with self.sessions() as session:
            return actor_for(session, session.scalar(select(User).where(User.username == username)))

    def dispose(self) -> None:
        self.engine.dispose()


def create_pg_database(prefix: str = "zhifa_bench") -> str:
    return schema.create_pg_database(PG_ADMIN_URL, prefix)


def drop_pg_database(url: str) -> None:
    schema.drop_pg_database(PG_ADMIN_URL, url)


@contextmanager
def _one_hash_per_password():
    """Seeding hashes the shared demo password once per user (argon2, ~0.5 s each on a busy 2-core box);
    one salted hash reused for every demo user verifies the same and saves most of the setup time."""
    original = accounts.hash_password
    accounts.hash_password = lru_cache(maxsize=None)(original)
    try:
        yield
    finally:
        accounts.hash_password = original


def prepare(name: str, url: str) -> Backend:
    """Migrate, seed the demo organisation and deploy bench/data into the database at ``url``."""
    upgrade(url)
    eng = make_engine(url)
    factory = make_session_factory(eng)
    with transaction(factory) as session, _one_hash_per_password():
        seed.seed_demo(session)
        deploy_directory(session, DATA, deployed_by="bench")
    backend = Backend(name, url, eng, factory)
    with eng.connect() as conn:
        if name == "postgresql":
            backend.info["version"] = conn.execute(text("SHOW server_version")).scalar()
        else:
            backend.info["version"] = conn.execute(text("SELECT sqlite_version()")).scalar()
    return backend


def open_backends(names: list[str], tmpdir: Path) -> tuple[list[Backend], list]:
    """Create each database; returns the backends and the cleanups to run at the end."""
    backends, cleanups = [], []
    try:
        for name in names:
            if name == "sqlite":
                url = f"sqlite:///{tmpdir / 'bench.db'}"
            elif name == "postgresql":
                url = create_pg_database()
                cleanups.append(lambda url=url: drop_pg_database(url))
            else:
                raise ValueError(f"unknown backend {name!r} (sqlite, postgresql)")
            backend = prepare(name, url)
            cleanups.insert(0, backend.dispose)
            backends.append(backend)
    except BaseException:
        for cleanup in cleanups:
            cleanup()
        raise
    return backends, cleanups
