"""Lead channels and their API keys (an external system may create leads and read its own leads' status)."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import Channel
from engine.org import Actor
from engine.statuses import Role

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
TOUCH_EVERY = timedelta(minutes=1)   # last use is written at most once a minute per channel

# (id, name, case source value of the 立案 form)
DEMO = [("hotline_12345", "12345热线", "hotline_12345"), ("grid", "网格上报", "grid"),
        ("camera", "视频监控/智能发现", "camera"), ("complaint", "投诉举报", "complaint"),
        ("transfer", "部门移送", "transfer"), ("assigned", "上级交办", "assigned"),
        ("dispatcher", "指挥中心受理", "complaint")]
CASE_SOURCE = {cid: src for cid, _name, src in DEMO}


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_admin(actor: Actor) -> None:
    if actor.user_id and not actor.units_with(Role.ADMIN):
        raise Forbidden("only administrators manage lead channels and their keys",
                        zh="只有系统管理员可以管理线索渠道及其密钥")


def _get(session: Session, channel_id: str) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found", zh=f"渠道 {channel_id} 不存在")
    return channel


def issue_key(session: Session, channel_id: str, actor: Actor | None = None) -> str:
    """A new API key for the channel (shown once; only its hash is stored). The old key stops working."""
    if actor is not None:
        check_admin(actor)
    channel = _get(session, channel_id)
    key = f"zl_{channel_id}_{secrets.token_urlsafe(24)}"
    channel.key_hash, channel.key_issued_at, channel.active = key_hash(key), clock.now(), True
    return key


def revoke_key(session: Session, actor: Actor, channel_id: str) -> Channel:
    """The channel's key stops working at once; its leads stay. A new key can be issued later."""
    check_admin(actor)
    channel = _get(session, channel_id)
    if channel.key_hash is None:
        raise Conflict(f"channel {channel_id} has no key", zh=f"渠道“{channel.name}”没有有效密钥")
    channel.key_hash = None
    return channel


def create(session: Session, actor: Actor, channel_id, name) -> Channel:
    """A new lead source (e.g. a new camera platform); its key is issued separately."""
    check_admin(actor)
    cid = channel_id.strip() if isinstance(channel_id, str) else ""
    label = name.strip() if isinstance(name, str) else ""
    errors, errors_zh = {}, {}
    if not ID_PATTERN.match(cid):
        errors["id"], errors_zh["id"] = ["2-32 lowercase letters, digits or _, starting with a letter"], \
            ["2 至 32 位小写字母、数字或下划线，以字母开头"]
    if not 1 <= len(label) <= 100:
        errors["name"], errors_zh["name"] = ["1-100 characters"], ["必填，最多 100 个字"]
    if errors:
        raise ValidationFailed("the channel is invalid", errors, zh="渠道信息有误", errors_zh=errors_zh)
    if session.get(Channel, cid) is not None:
        raise Conflict(f"channel {cid} exists", zh=f"渠道编码 {cid} 已存在")
    channel = Channel(id=cid, name=label, key_hash=None, active=True, created_at=clock.now())
    session.add(channel)
    session.flush()
    return channel


def by_key(session: Session, key: str | None) -> Channel | None:
    if not key or len(key) > 200:
        return None
    channel = session.scalar(select(Channel).where(Channel.key_hash == key_hash(key)))
    return channel if channel is not None and channel.active else None


def touch(channel: Channel) -> bool:
    """Record the key's use (at most once a minute, so a busy channel does not write on every request)."""
    now, last = clock.now(), channel.last_used_at
    if last is not None and last.tzinfo is None:   # SQLite hands back naive UTC
        last = last.replace(tzinfo=timezone.utc)
    if last is not None and now - last < TOUCH_EVERY:
        return False
    channel.last_used_at = now
    return True


def all_channels(session: Session) -> list[Channel]:
    return list(session.scalars(select(Channel).order_by(Channel.id)))


def seed(session: Session) -> None:
    for cid, name, _src in DEMO:
        if session.get(Channel, cid) is None:
            session.add(Channel(id=cid, name=name, key_hash=None, active=True, created_at=clock.now()))
    session.flush()
