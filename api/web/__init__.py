"""Officer web UI: login, inbox, task forms (form-js), case page with the BPMN diagram, start, supervision.

Pages call the same engine services as the JSON API (engine.cases, engine.tasks, engine.inbox) through the
API's per-request database session and its session-cookie login (api.auth), so scopes are identical.
"""
from __future__ import annotations

from flask import Flask

from api.web import i18n, vendor
from api.web.blueprint import bp
from api.web.views import audit, cases, history, inbox, notifications, search, session, start, supervision, tasks  # noqa: F401


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    vendor.init_app(app)
    app.register_blueprint(bp)
    from api.web import intake  # the intake workspace (线索受理、派单、核查)
    intake.init_app(app)
    from api.web import admin  # the /admin workspace and /account/password
    admin.init_app(app)
    from api.web import present
    from api.web.guard import csrf_token
    app.jinja_env.globals.update(present=present, csrf_token=csrf_token)  # also inside imported macros
    from api.web import supervise  # supervision workspace: entities, plans, performance
    supervise.init_app(app)
    from api.web import design  # the designers' workspace (/design)
    app.register_blueprint(design.bp)
