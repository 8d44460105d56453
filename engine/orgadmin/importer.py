"""``zhifa org import org.yaml|org.csv``: bring units, users and roles in line with a file, idempotently.

YAML::

    units:
      - {id: county, name: 某县综合行政执法局, kind: bureau, parent: null, doc_prefix: 某综执罚}
    users:
      - username: zhang_san
        display_name: 张三
        certificate_no: ZF00000001      # optional
        active: true                    # optional; false deactivates
        roles:
          - {unit: county, role: officer, valid_from: 2026-01-01, valid_until: null}

CSV (UTF-8, a header row, one row per record; ``type`` is unit, user or role)::

    type,id,name,kind,parent,doc_prefix,username,display_name,certificate_no,active,unit,role,valid_from,valid_until

What the file lists is made true; what it does not list is left alone, except that a listed user's roles
are exactly the roles listed for them. Units come first (parents before children in any order), then users.
Everything is checked before anything is written: one error and nothing changes. New users get a temporary
password (in the report, to hand out) that they must change at first login.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import EngineError, ValidationFailed
from engine.models import Membership, Unit, User
from engine.orgadmin import units as unit_ops
from engine.orgadmin import users as user_ops
from engine.orgadmin.changes import Editor, record


@dataclass
class Report:
    units_added: list[str] = field(default_factory=list)
    units_changed: dict[str, dict] = field(default_factory=dict)
    users_added: list[str] = field(default_factory=list)
    users_changed: dict[str, dict] = field(default_factory=dict)
    users_deactivated: list[str] = field(default_factory=list)
    users_reactivated: list[str] = field(default_factory=list)
    roles_granted: list[str] = field(default_factory=list)
    roles_changed: list[str] = field(default_factory=list)
    roles_revoked: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)   # new users' temporary passwords (shown once)

    @property
    def changed(self) -> bool:
        return any(bool(v) for k, v in vars(self).items() if k != "passwords")

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in vars(self).items() if k != "passwords"}


def parse(text: str, fmt: str) -> dict:
    """A file's text → {"units": [...], "users": [...]}; raises ValidationFailed on a malformed file."""
    if fmt in ("yaml", "yml"):
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValidationFailed(f"YAML 格式错误 / invalid YAML: {exc}", {"file": [str(exc)]}) from None
        if not isinstance(data, dict) or not set(data) <= {"units", "users"}:
            raise ValidationFailed("文件须只含 units 和 users / only 'units' and 'users' at the top level",
                                   {"file": ["只能含 units、users (units, users)"]})
        units, users = data.get("units") or [], data.get("users") or []
        if not isinstance(units, list) or not isinstance(users, list) or not all(
                isinstance(x, dict) for x in units + users):
            raise ValidationFailed("units 与 users 须为列表 / 'units' and 'users' must be lists of maps",
                                   {"file": ["应为列表 (lists of maps)"]})
        return {"units": units, "users": users}
    if fmt == "csv":
        return _parse_csv(text)
    raise ValidationFailed(f"不支持的格式 {fmt} / use .yaml or .csv", {"file": ["须为 .yaml 或 .csv (yaml, csv)"]})


def _parse_csv(text: str) -> dict:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    units, users, errors = [], {}, {}
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        kind = row.get("type")
        if kind == "unit":
            units.append({"id": row.get("id"), "name": row.get("name"), "kind": row.get("kind"),
                          "parent": row.get("parent") or None, "doc_prefix": row.get("doc_prefix") or None,
                          **({"name_en": row["name_en"]} if row.get("name_en") else {})})
        elif kind in ("user", "role"):
            entry = users.setdefault(row.get("username"), {"username": row.get("username"), "roles": []})
            if kind == "user":
                entry.update(display_name=row.get("display_name"), certificate_no=row.get("certificate_no") or None)
                if row.get("active"):
                    entry["active"] = row["active"].lower() not in ("false", "0", "no", "否")
            else:
                entry["roles"].append({"unit": row.get("unit"), "role": row.get("role"),
                                       "valid_from": row.get("valid_from") or None,
                                       "valid_until": row.get("valid_until") or None})
        else:
            errors[f"line {line}"] = ["type 须为 unit、user 或 role / type must be unit, user or role"]
    if errors:
        raise ValidationFailed("CSV 文件有误 / invalid CSV", errors)
    return {"units": units, "users": list(users.values())}


def apply(session: Session, editor: Editor, data: dict) -> Report:
    """Make the database match ``data``; errors carry the entry they are about (``units[3].kind``)."""
    report = Report()
    _apply_units(session, editor, data["units"], report)
    for i, entry in enumerate(data["users"]):
        try:
            _apply_user(session, editor, entry, report)
        except ValidationFailed as exc:
            raise ValidationFailed(f"users[{i}] ({entry.get('username')}): {exc.detail}",
                                   {f"users[{i}].{k}": v for k, v in exc.errors.items()},
                                   zh=f"第 {i + 1} 个用户（{entry.get('username')}）：{exc.zh or exc.detail}") from None
        except EngineError as exc:
            raise ValidationFailed(f"users[{i}] ({entry.get('username')}): {exc.detail}",
                                   {f"users[{i}]": [exc.detail]},
                                   zh=f"第 {i + 1} 个用户（{entry.get('username')}）：{exc.zh or exc.detail}") from None
    if report.changed:
        record(session, editor, "org.import", "org", **report.summary())
    return report


def _apply_units(session, editor, entries, report) -> None:
    pending = list(enumerate(entries))
    while pending:  # parents before children, whatever the file's order
        ready = [(i, e) for i, e in pending if not e.get("parent") or session.get(Unit, e["parent"]) is not None
                 or e["parent"] not in {x.get("id") for _, x in pending}]
        if not ready:
            i, e = pending[0]
            raise ValidationFailed(f"units[{i}] ({e.get('id')}): 上级单位循环 / parents form a cycle",
                                   {f"units[{i}].parent": ["上级单位循环 (cycle)"]})
        for i, entry in ready:
            try:
                unit = session.get(Unit, entry.get("id")) if isinstance(entry.get("id"), str) else None
                if unit is None:
                    unit_ops.add_unit(session, editor, entry)
                    report.units_added.append(entry["id"])
                else:
                    fields = {k: entry.get(k) for k in ("name", "kind", "parent", "doc_prefix", "name_en")
                              if k in entry}
                    changed = unit_ops.update_unit(session, editor, unit.id, fields)
                    if changed:
                        report.units_changed[unit.id] = changed
            except ValidationFailed as exc:
                raise ValidationFailed(f"units[{i}] ({entry.get('id')}): {exc.detail}",
                                       {f"units[{i}].{k}": v for k, v in exc.errors.items()},
                                       zh=f"第 {i + 1} 个单位（{entry.get('id')}）：{exc.zh or exc.detail}") from None
        pending = [p for p in pending if p not in ready]


def _apply_user(session, editor, entry, report) -> None:
    username = entry.get("username")
    user = session.scalar(select(User).where(User.username == username)) if isinstance(username, str) else None
    if user is None:
        user, password = user_ops.add_user(session, editor, entry)
        report.users_added.append(user.username)
        report.passwords[user.username] = password
    else:
        changed = user_ops.update_user(session, editor, username, {
            k: entry.get(k) for k in ("display_name", "certificate_no") if k in entry})
        if changed:
            report.users_changed[username] = changed
    if "active" in entry:
        if entry["active"] is False and user.active:
            user_ops.deactivate(session, editor, username)
            report.users_deactivated.append(username)
        elif entry["active"] is True and not user.active:
            user_ops.reactivate(session, editor, username)
            report.users_reactivated.append(username)
    if "roles" not in entry:
        return
    wanted = {}
    for role in entry.get("roles") or []:
        if not isinstance(role, dict):
            raise ValidationFailed("roles 须为列表 / roles must be a list of maps", {"roles": ["应为列表 (maps)"]})
        wanted[(role.get("unit"), role.get("role"))] = (_d(role.get("valid_from")), _d(role.get("valid_until")))
    have = {(m.unit_id, m.role): (m.valid_from, m.valid_until) for m in session.scalars(
        select(Membership).where(Membership.user_id == user.id))}
    for (unit_id, role), dates in wanted.items():
        label = f"{username}@{unit_id}:{role}"
        if have.get((unit_id, role)) == dates:
            continue
        user_ops.grant(session, editor, username, unit_id, role, *dates)
        (report.roles_changed if (unit_id, role) in have else report.roles_granted).append(label)
    for unit_id, role in sorted(set(have) - set(wanted)):
        user_ops.revoke(session, editor, username, unit_id, role)
        report.roles_revoked.append(f"{username}@{unit_id}:{role}")


def _d(value):
    if value in (None, "") or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return value  # grant() reports it with the field name
