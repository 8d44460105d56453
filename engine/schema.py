"""Applying Alembic migrations from code (CLI, tests, the run command)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from engine.config import ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
