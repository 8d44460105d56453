"""Lead channels and their API keys (an external system may create leads and read its own leads' status)."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import NotFound
from engine.models import Channel

# (id, name, case source value of the 立案 form)
DEMO = [("hotline_12345", "12345热线", "hotline_12345"), ("grid", "网格上报", "grid"),
        ("camera", "视频监控/智能发现", "camera"), ("complaint", "投诉举报", "complaint"),
        ("transfer", "部门移送", "transfer"), ("assigned", "上级交办", "assigned"),
        ("dispatcher", "指挥中心受理", "complaint")]
CASE_SOURCE = {cid: src for cid, _name, src in DEMO}


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_key(session: Session, channel_id: str) -> str:
    """A new API key for the channel (shown once; only its hash is stored). The old key stops working."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"渠道 {channel_id} 不存在 (channel not found)")
    key = f"zl_{channel_id}_{secrets.token_urlsafe(24)}"
    channel.key_hash = key_hash(key)
    return key


def by_key(session: Session, key: str | None) -> Channel | None:
    if not key or len(key) > 200:
        return None
    channel = session.scalar(select(Channel).where(Channel.key_hash == key_hash(key)))
    return channel if channel is not None and channel.active else None


def all_channels(session: Session) -> list[Channel]:
    return list(session.scalars(select(Channel).order_by(Channel.id)))


def seed(session: Session) -> None:
    for cid, name, _src in DEMO:
        if session.get(Channel, cid) is None:
            session.add(Channel(id=cid, name=name, key_hash=None, active=True, created_at=clock.now()))
    session.flush()
