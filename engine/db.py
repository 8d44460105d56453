"""Database engine, sessions and the single place where a command's transaction commits."""
from __future__ import annotations

import select
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import JSON, MetaData, create_engine, event, exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

try:
    from psycopg.pq import ConnStatus
    _CONNECTION_OK = ConnStatus.OK
except ImportError:  # pragma: no cover — SQLite-only installs
    _CONNECTION_OK = 0

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(eng, "connect", _sqlite_pragmas)

        # pysqlite's implicit transactions defer BEGIN; take the write lock up front so
        # read-modify-write commands serialize instead of failing at commit.
        @event.listens_for(eng, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(eng, "begin")
        def _begin_immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    eng = create_engine(url, **kwargs)
    event.listen(eng, "checkout", _check_alive)
    return eng


def _check_alive(dbapi_conn, _record, _proxy) -> None:
    """A pooled PostgreSQL connection is checked before use without a round trip (``pool_pre_ping`` costs one
    per request): an idle connection has nothing to read unless the server closed it or is closing it (a
    restart, ``pg_terminate_backend``, an idle timeout all send a FATAL message or end the stream). Then the
    pool drops it and connects afresh (SQLAlchemy retries on ``DisconnectionError``)."""
    pgconn = getattr(dbapi_conn, "pgconn", None)
    if pgconn is None:
        return
    if pgconn.status != _CONNECTION_OK:
        raise exc.DisconnectionError("the connection is closed")
    try:
        poller = select.poll()   # poll, not select: no limit on the descriptor's number
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        readable = poller.poll(0)
    except (OSError, ValueError):
        raise exc.DisconnectionError("the connection's socket is gone") from None
    if readable:
        raise exc.DisconnectionError("the server closed the connection or sent something unasked")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One command, one transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
