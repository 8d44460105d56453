"""The OpenAPI document (generated from the blueprints) and the explorer at /api/docs."""
from __future__ import annotations

import html
import http
from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from api.problems import PROBLEM
from api.schemas.common import ProblemSchema
from engine.config import ROOT

SWAGGER_DIST = ROOT / "node_modules" / "swagger-ui-dist"
SPEC_URL = "/api/openapi.json"

CONFIG = {
    "API_TITLE": "zhifa",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "BPMN process platform for comprehensive administrative enforcement. "
                                "Errors are application/problem+json. Authenticate with POST /api/v1/auth/login "
                                "and send 'Authorization: Bearer <token>'."},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
}


class ZhifaApi(Api):
    """flask-smorest Api whose documented errors are problem+json; error handlers live in api.problems."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (application/problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "Optional, per user, kept 24 h: a retry with the same key returns the first answer "
                   "(header Idempotent-Replayed: true) or does the work once; a different request with the same "
                   "key is 422."}


def document_writes(app, api: Api) -> None:
    """Add the Idempotency-Key header to every operation whose view is a write (api.auth.writes)."""
    import re
    paths = getattr(api.spec, "_paths", {})
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if not getattr(view, "zhifa_writes", False):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS", "GET"}:
            operation = paths.get(path, {}).get(method.lower())
            if operation is not None and not any(p.get("name") == "Idempotency-Key"
                                                 for p in operation.get("parameters", [])):
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))


docs = Blueprint("docs", __name__)

SWAGGER_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>zhifa API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script nonce="%s">SwaggerUIBundle({url: "%s", dom_id: "#ui"});</script></body></html>"""


def _plain_page(spec: dict) -> str:
    rows = []
    for path, ops in sorted(spec.get("paths", {}).items()):
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                            f"<td>{html.escape(op.get('summary', ''))}</td></tr>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>zhifa API</title></head><body>"
            f"<h1>zhifa API {html.escape(spec['info']['version'])}</h1>"
            f"<p>Machine-readable contract: <a href='{SPEC_URL}'>{SPEC_URL}</a> (OpenAPI 3). "
            "Errors are <code>application/problem+json</code>.</p>"
            f"<table border='1' cellpadding='4'><tr><th>Method</th><th>Path</th><th>Summary</th></tr>"
            f"{''.join(rows)}</table></body></html>")


@docs.get("/api/docs")
@docs.get("/api/docs/")
def explorer():
    """Swagger UI from local node_modules/swagger-ui-dist when installed, else a plain operation list."""
    from flask import current_app
    if (SWAGGER_DIST / "swagger-ui-bundle.js").is_file():
        from api.security import csp_nonce
        return SWAGGER_PAGE % (csp_nonce(), SPEC_URL)
    return _plain_page(current_app.extensions["zhifa.api"].spec.to_dict())


@docs.get("/api/docs/assets/<path:name>")
def assets(name):
    if not (SWAGGER_DIST / "swagger-ui-bundle.js").is_file():
        abort(404)
    return send_from_directory(Path(SWAGGER_DIST), name)
