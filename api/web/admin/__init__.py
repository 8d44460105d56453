"""The /admin web workspace: units, users, roles and the change log (role ``admin``); /account/password."""
from __future__ import annotations

from flask import Flask

from api.web.admin.blueprint import admin_bp
from api.web.admin import views  # noqa: F401  (register routes)


def init_app(app: Flask) -> None:
    app.register_blueprint(admin_bp)
