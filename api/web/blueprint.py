"""The officer web UI blueprint (server-rendered pages at the site root; its own static files under /ui)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ui/static")
