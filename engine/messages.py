"""Words for engine error messages: roles and units as an officer reads them (the ``zh=`` text of an error)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.archive.words import ROLES


def role_zh(role: str) -> str:
    """'squad_leader' → '中队长' (a role without a Chinese name stays as it is)."""
    return ROLES.get(role, role)


def roles_zh(roles) -> str:
    """('squad_leader', 'agency_head') → '中队长、负责人'."""
    return "、".join(dict.fromkeys(role_zh(r) for r in roles))


def unit_zh(session: Session, unit_id: str) -> str:
    """A unit's name ('城南中队'), else its id."""
    from engine.models import Unit
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit is not None else str(unit_id)
