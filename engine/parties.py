"""Parties (当事人): validated identity numbers, de-duplicated by kind and number, searchable by name."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import ValidationFailed
from engine.models import Party
from engine.names import name_key

PERSON, ORGANISATION = "person", "organisation"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def resident_id_valid(value: str) -> bool:
    """18-digit PRC resident identity number with its ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value or ""):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == value[17]


def uscc_valid(value: str) -> bool:
    """18-character unified social credit code (GB 32100-2015) with its check character."""
    if len(value or "") != 18 or any(c not in _USCC_CHARS for c in value):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31] == value[17]


def validate(data: dict) -> dict:
    """Clean party data or raise ValidationFailed with per-field messages."""
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in (PERSON, ORGANISATION):
        errors["kind"] = ["应为个人或单位 (must be 'person' or 'organisation')"]
    name = (data.get("name") or "").strip() if isinstance(data.get("name"), str) else ""
    if not name or len(name) > 200:
        errors["name"] = ["必填，最多 200 个字 (required, at most 200 characters)"]
    number = data.get("id_number")
    number = number.strip().upper() if isinstance(number, str) else ""
    if kind == PERSON and not resident_id_valid(number):
        errors["id_number"] = ["不是有效的18位居民身份证号码，请核对校验位 (not a valid 18-digit resident identity number)"]
    elif kind == ORGANISATION and not uscc_valid(number):
        errors["id_number"] = ["不是有效的统一社会信用代码，请核对校验码 (not a valid unified social credit code)"]
    phone = data.get("phone")
    if phone not in (None, "") and (not isinstance(phone, str) or not _PHONE.match(phone.strip())):
        errors["phone"] = ["不是有效的手机或固定电话号码 (not a valid mobile or landline number)"]
    address = data.get("address")
    if address is not None and (not isinstance(address, str) or len(address) > 300):
        errors["address"] = ["最多 300 个字 (at most 300 characters)"]
    if errors:
        raise ValidationFailed("invalid party", {f"party.{k}": v for k, v in errors.items()}, zh="当事人信息有误")
    return {"kind": kind, "name": name, "id_number": number,
            "address": (address or "").strip() or None, "phone": (phone or "").strip() or None}


def upsert(session: Session, data: dict) -> Party:
    """Find the party by kind and identity number, updating contact details, or create it.

    Insert-or-get: ``INSERT … ON CONFLICT DO NOTHING`` then read, so officers registering the same new party
    at the same moment all get the one row (PostgreSQL waits for the first inserter) instead of a 409.
    """
    clean = validate(data)
    where = (Party.kind == clean["kind"], Party.id_number == clean["id_number"])
    party = session.scalar(select(Party).where(*where))
    if party is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Party).values(created_at=clock.now(), name_key=name_key(clean["name"]), **clean)
                        .on_conflict_do_nothing(index_elements=["kind", "id_number"]))
        party = session.scalar(select(Party).where(*where).execution_options(populate_existing=True))
    changes = {"name": clean["name"], "address": clean["address"] or party.address,
               "phone": clean["phone"] or party.phone}
    for key, value in changes.items():
        if getattr(party, key) != value:  # only write (and row-lock) when something changed
            setattr(party, key, value)
    session.flush()
    return party


def search(session: Session, text: str, limit: int = 20) -> list[Party]:
    pattern = f"%{text.strip()}%"
    return list(session.scalars(select(Party).where(
        (Party.name.like(pattern)) | (Party.id_number == text.strip().upper())).order_by(Party.name).limit(limit)))
