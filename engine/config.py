"""Settings from ``ZHIFA_*`` environment variables."""
from __future__ import annotations

import os
import secrets
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
    secret_key: str | None = None   # ZHIFA_SECRET_KEY; required outside the embedded demo (see api.security)
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


MIN_SECRET_KEY_LENGTH = 32


def demo_secret_key(var_dir: Path | None = None) -> str:
    """The embedded demo's session key: generated once at random, kept in ``var/secret_key`` (mode 0600)."""
    var_dir = var_dir or ROOT / "var"
    path = var_dir / "secret_key"
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= MIN_SECRET_KEY_LENGTH:
            return key
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
