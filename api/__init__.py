"""zhifa HTTP layer: Flask app factory. The API calls the engine; it never imports SpiffWorkflow."""
from __future__ import annotations

from flask import Flask

from engine.config import Settings
from engine.db import make_engine, make_session_factory


def create_app(settings: Settings | None = None, *, demo: bool = False, **overrides) -> Flask:
    """The WSGI app. Outside the embedded demo (``demo=True``, used by ``zhifa run``) and tests, it refuses to
    start without ``ZHIFA_SECRET_KEY`` (:class:`api.security.MissingSecretKey`)."""
    from api import security

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(ZHIFA_SETTINGS=settings, **overrides)
    security.init_app(app, settings, demo=demo)
    engine = make_engine(settings.database_url)
    app.extensions["zhifa.db"] = make_session_factory(engine)

    @app.get("/health")
    def health():
        """Liveness: the process answers (readiness, with the database: /ready)."""
        return {"status": "ok"}

    from api import observability  # request ids, access log lines, /ready
    observability.init_app(app)

    _init_api(app)
    from api import web  # officer web UI (pages, Babel, vendored front-end packages)
    web.init_app(app)

    return app


def _init_api(app: Flask) -> None:
    """The /api/v1 blueprints, the OpenAPI document, problem+json errors, one transaction per request."""
    from api import db, idempotency, problems
    from api.openapi import CONFIG, ZhifaApi, docs
    from api.resources import BLUEPRINTS

    for key, value in CONFIG.items():
        app.config.setdefault(key, value)
    app.config.setdefault("JSON_SORT_KEYS", False)
    db.init_app(app)
    idempotency.init_app(app)
    problems.register(app)
    api = ZhifaApi(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.extensions["zhifa.api"] = api
    from api.openapi import document_writes
    document_writes(app, api)
    app.register_blueprint(docs)
