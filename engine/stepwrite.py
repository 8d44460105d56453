"""A step's writes in one round trip: its events, its task rows and the case row's compare-and-set UPDATE.

``runtime.save`` ends every engine step with these writes. Through the ORM they were four to six round trips
(the events' INSERT, each changed task's UPDATE, the new tasks' INSERT, the case UPDATE), each a wait for the
server while the case row stays locked. On PostgreSQL they now go out as **one statement**: the events, the
changed and the new task rows (three JSON arrays, so the statement has one shape and is prepared once) as
data-modifying CTEs of the case row's UPDATE. PostgreSQL runs every such CTE exactly once whatever the main
statement returns, and the UPDATE's row count is still the compare-and-set: 0 rows means someone else changed
the case, the command raises, and its transaction (CTEs included) rolls back. Elsewhere (SQLite, in process) the
same writes run one statement after the other.

The task rows written here stay the session's objects, as loaded: new ones become persistent without an ORM
INSERT, changed ones have their changes marked as written, so nothing is written twice and nothing reloads.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from engine.events import take_pending
from engine.models import Case, CaseEvent, HumanTask

_TASKS = HumanTask.__table__
_COLUMNS = [c.key for c in _TASKS.columns]


def _task_changes(session: Session) -> tuple[list[HumanTask], list[tuple[HumanTask, dict]]]:
    """The session's new task rows, and its changed ones with their changed columns."""
    new = [obj for obj in session.new if isinstance(obj, HumanTask)]
    changed = []
    for obj in session.dirty:
        if not isinstance(obj, HumanTask):
            continue
        attrs = inspect(obj).attrs
        values = {key: attrs[key].value for key in _COLUMNS if attrs[key].history.added}
        if values:
            changed.append((obj, values))
    return new, changed


def _new_row(obj: HumanTask) -> dict:
    row = {}
    for column in _TASKS.columns:
        value = obj.__dict__.get(column.key)
        if value is None and column.default is not None:   # the model's default, as an ORM INSERT applies it
            value = column.default.arg if column.default.is_scalar else column.default.arg(None)
        row[column.key] = value
    return row


def write(session: Session, case: Case, values: dict) -> bool:
    """Write the session's pending events and task rows and ``values`` on the case row if its version is still
    ``case.version``. False when the compare-and-set failed (nothing of this is then kept by the caller)."""
    events = take_pending(session)
    new, changed = _task_changes(session)
    new_rows = [_new_row(obj) for obj in new]
    for obj, row in zip(new, new_rows):           # persistent as written, without an ORM INSERT
        session.expunge(obj)
        for key, value in row.items():
            set_committed_value(obj, key, value)
        make_transient_to_detached(obj)
        session.add(obj)
    for obj, cols in changed:
        state = instance_state(obj)
        state._commit_all(state.dict, session.identity_map)   # as the ORM does after its own UPDATE
    if session.new or session.deleted or session.dirty:
        session.flush()   # whatever else the step changed through the ORM (timers, clocks, documents ...)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        statement = _pg_statement(tuple(values))
        ok = conn.exec_driver_sql(statement, _pg_params(case, values, events, changed, new_rows)).rowcount == 1
    else:
        ok = _write_apart(conn, case, values, events, changed, new_rows)
    if not ok:
        for obj in new:
            session.expunge(obj)   # never written: the caller's rollback must not leave them in the session
    return ok


def _write_apart(conn, case: Case, values: dict, events: list[dict], changed, new_rows: list[dict]) -> bool:
    """The same writes one statement after the other (SQLite: in process, no round trips to save)."""
    if events:
        conn.execute(insert(CaseEvent.__table__), events)
    for obj, cols in changed:
        conn.execute(update(_TASKS).where(_TASKS.c.id == obj.id).values(**cols))
    if new_rows:
        conn.execute(insert(_TASKS), new_rows)
    params = {f"c_{key}": value for key, value in values.items()}
    return conn.execute(_case_update(tuple(values)), dict(params, k_case=case.id, k_version=case.version)
                        ).rowcount == 1


_EVENT_COLUMNS = [c.key for c in CaseEvent.__table__.columns if c.key != "id"]


@lru_cache(maxsize=16)
def _case_update(columns: tuple[str, ...]):
    """The case row's compare-and-set UPDATE, built once per set of columns. Its parameter names match no column
    of a table written here: an UPDATE given a parameter named like one of its table's columns would SET it too."""
    table = Case.__table__
    return (update(table).where(table.c.id == bindparam("k_case"), table.c.version == bindparam("k_version"))
            .values({c: bindparam(f"c_{c}", type_=table.c[c].type) for c in columns}))


# PostgreSQL: one statement of one shape per set of case columns, whatever the number of events and task rows
# (they travel as three JSON arrays), so SQLAlchemy, psycopg and the server each prepare it once.

def _pg_type(column) -> str:
    from sqlalchemy.dialects import postgresql
    return column.type.compile(dialect=postgresql.dialect())


def _recordset(table, keys) -> str:
    return ", ".join(f"{k} {_pg_type(table.c[k])}" for k in keys)


@lru_cache(maxsize=16)
def _pg_statement(case_columns: tuple[str, ...]) -> str:
    events, tasks, cases = CaseEvent.__table__, _TASKS, Case.__table__
    ev, cols = ", ".join(_EVENT_COLUMNS), ", ".join(_COLUMNS)

    def changed(key):
        column = tasks.c[key]
        value = f"x.j->'{key}'" if _pg_type(column) == "JSONB" else f"(x.j->>'{key}')::{_pg_type(column)}"
        return f"{key} = CASE WHEN x.j ? '{key}' THEN {value} ELSE t.{key} END"

    sets = ", ".join(f"{k} = %(c_{k})s::{_pg_type(cases.c[k])}" for k in case_columns)
    return (f"WITH w0 AS (INSERT INTO case_events ({ev}) SELECT {ev} FROM jsonb_to_recordset(%(events)s::jsonb) "
            f"AS x({_recordset(events, _EVENT_COLUMNS)})), "
            f"w1 AS (UPDATE human_tasks AS t SET {', '.join(changed(k) for k in _COLUMNS if k != 'id')} "
            f"FROM jsonb_array_elements(%(changed)s::jsonb) AS x(j) WHERE t.id = x.j->>'id'), "
            f"w2 AS (INSERT INTO human_tasks ({cols}) SELECT {cols} FROM jsonb_to_recordset(%(new)s::jsonb) "
            f"AS x({_recordset(tasks, _COLUMNS)})) "
            f"UPDATE cases SET {sets} WHERE id = %(k_case)s AND version = %(k_version)s")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _pg_params(case: Case, values: dict, events: list[dict], changed, new_rows: list[dict]) -> dict:
    params = {f"c_{key}": (_json(value) if key == "data" else value) for key, value in values.items()}
    params.update(k_case=case.id, k_version=case.version, events=_json(events), new=_json(new_rows),
                  changed=_json([dict(cols, id=obj.id) for obj, cols in changed]))
    return params
