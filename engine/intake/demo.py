"""Demo intake data seeded with the demo organisation: the 97-matter catalogue, places, channels."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.intake import catalogue, channels, places
from engine.org import SYSTEM


def seed(session: Session) -> None:
    channels.seed(session)
    places.import_demo(session)
    catalogue.import_demo(session, SYSTEM)
