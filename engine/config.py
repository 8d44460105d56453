"""Settings from ``ZHIFA_*`` environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _default_db_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'zhifa.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_db_url)
    processes_dir: Path = ROOT / "processes"
    forms_dir: Path = ROOT / "forms"
    secret_key: str = "dev-only-change-me"
    token_ttl_minutes: int = 8 * 60
    # Loop guard: a case whose task tree gets deeper than this fails loudly instead of stalling.
    max_tree_depth: int = 600

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        kwargs = {}
        if env.get("ZHIFA_DATABASE_URL"):
            kwargs["database_url"] = env["ZHIFA_DATABASE_URL"]
        if env.get("ZHIFA_PROCESSES_DIR"):
            kwargs["processes_dir"] = Path(env["ZHIFA_PROCESSES_DIR"])
        if env.get("ZHIFA_FORMS_DIR"):
            kwargs["forms_dir"] = Path(env["ZHIFA_FORMS_DIR"])
        if env.get("ZHIFA_SECRET_KEY"):
            kwargs["secret_key"] = env["ZHIFA_SECRET_KEY"]
        if env.get("ZHIFA_TOKEN_TTL_MINUTES"):
            kwargs["token_ttl_minutes"] = int(env["ZHIFA_TOKEN_TTL_MINUTES"])
        return cls(**kwargs)
