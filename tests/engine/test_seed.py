"""Demo seeding is idempotent and refuses a database with real users."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from engine.accounts import authenticate, create_user
from engine.db import transaction
from engine.errors import Conflict
from engine.models import User
from engine.seed import DEMO_PASSWORD, seed_demo


def test_seed_again_creates_nothing_and_demo_login_works(sessions):
    with transaction(sessions) as session:
        assert seed_demo(session) == 0
    with sessions() as session:
        user = authenticate(session, "cn_officer1", DEMO_PASSWORD)
        assert user is not None and user.password_hash.startswith("$argon2")
        assert authenticate(session, "cn_officer1", "wrong") is None
        assert authenticate(session, "nobody", DEMO_PASSWORD) is None


def test_seed_refuses_database_with_real_users(sessions):
    with transaction(sessions) as session:
        create_user(session, "real_person", "真实用户", "s3cret-pass", [("chengnan", "officer")])
    try:
        with pytest.raises(Conflict, match="real"):
            with transaction(sessions) as session:
                seed_demo(session)
    finally:
        with transaction(sessions) as session:
            uid = session.scalar(select(User.id).where(User.username == "real_person"))
            session.execute(delete(User).where(User.id == uid))


def test_seed_if_empty_leaves_a_database_with_real_users_alone(sessions, org_restore):
    from engine import seed
    from engine.orgadmin import CLI, add_user
    with transaction(sessions) as session:
        assert seed.seed_if_empty(session) == 0            # the demo is already there: nothing to create
        add_user(session, CLI, {"username": "real_one", "display_name": "真实用户"})
    with transaction(sessions) as session:
        assert seed.seed_if_empty(session) is None         # real users: no demo seed, and no failure
