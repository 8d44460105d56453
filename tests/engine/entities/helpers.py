"""Seeding entities for supervision tests: valid USCCs, profiles written directly (a registry import)."""
from __future__ import annotations

from datetime import date

from engine import clock
from engine.models import EntityProfile, Party
from engine.parties import _USCC_CHARS, _USCC_WEIGHTS

TOWNSHIPS = ("chengnan", "chengbei", "jiangkou", "qingshan")


def uscc(n: int) -> str:
    body = "9133010" + "".join(_USCC_CHARS[(n // 31 ** i) % 31] for i in range(10))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def seed_entities(session, n: int, colour_of=lambda i: "green", start: int = 1000,
                  next_on: date | None = None, township_of=lambda i: TOWNSHIPS[i % 4]) -> list[int]:
    now = clock.now()
    ids = []
    for i in range(n):
        party = Party(kind="organisation", name=f"测试企业{start + i:06d}", id_number=uscc(start + i),
                      address=f"测试路{i}号", created_at=now)
        session.add(party)
        session.flush()
        session.add(EntityProfile(party_id=party.id, township_id=township_of(i), industry="餐饮服务",
                                  licences=[], risk_level=("low", "medium", "high")[i % 3], credit="good",
                                  major_hazard=False, colour=colour_of(i), colour_reason="导入",
                                  colour_at=now, next_inspection_on=next_on, created_at=now, updated_at=now))
        ids.append(party.id)
    session.flush()
    return ids
