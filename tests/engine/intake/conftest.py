import pytest

from engine.db import transaction


@pytest.fixture
def intake(sessions, deployed):
    """The demo catalogue, places and channels (runtime tables are emptied after every test)."""
    from engine.intake import demo
    with transaction(sessions) as session:
        demo.seed(session)
    return sessions
