"""App-wide security: the session key rule, cookie flags, response headers (CSP …), and request guards that
turn hostile input into a precise 4xx before any view runs — on every route, API and web alike:

- JSON bodies are parsed strictly: no ``NaN``/``Infinity`` (nor numbers that overflow to them), integers
  within 64 bits, nesting at most ``MAX_JSON_DEPTH``, no lone surrogates, no NUL → 422;
- NUL characters in the path, query or form fields → 422;
- integer path parameters outside 64 bits → 404 (no such object can exist); integer-looking query values
  outside 64 bits → 422.
"""
from __future__ import annotations

import json
import math
import re
import secrets

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import BadRequest

from engine.config import MIN_SECRET_KEY_LENGTH, Settings, demo_secret_key
from engine.errors import NotFound, ValidationFailed

MAX_JSON_DEPTH = 32
INT64 = 2**63
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


class MissingSecretKey(RuntimeError):
    """The server refuses to start without ZHIFA_SECRET_KEY (outside the embedded demo)."""


def secret_key(settings: Settings, *, demo: bool, testing: bool) -> str:
    key = settings.secret_key
    if key:
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise MissingSecretKey(f"ZHIFA_SECRET_KEY is too short ({len(key)} < {MIN_SECRET_KEY_LENGTH} "
                                   "characters); generate one with: python -c 'import secrets; "
                                   "print(secrets.token_urlsafe(48))'")
        return key
    if demo:
        return demo_secret_key()
    if testing:
        return secrets.token_urlsafe(48)
    raise MissingSecretKey("ZHIFA_SECRET_KEY is not set: the server will not start without a session key "
                           "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')")


# ---------------------------------------------------------------- strict JSON

def _refuse(message: str):
    raise ValidationFailed(message, {"body": [message]})


def _constant(name: str):
    _refuse(f"JSON 中不允许 {name}（只接受有限数值）；non-finite number {name} is not allowed")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _refuse(f"数值超出范围：{text[:40]}；number out of range")
    return value


def _int(text: str) -> int:
    if len(text) > 20:
        _refuse(f"整数超出范围：{text[:40]}…；integer out of range")
    value = int(text)
    if not -INT64 <= value < INT64:
        _refuse(f"整数超出范围：{text}；integer out of range")
    return value


def _check_depth(text: str) -> None:
    depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            _refuse(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层；nesting deeper than {MAX_JSON_DEPTH} levels")


def _check_strings(value) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                _refuse("文本含有无效的 Unicode 代理字符；text contains a lone surrogate (invalid Unicode)")
            if "\x00" in item:
                _refuse("文本中不允许 NUL 字符；NUL characters (\\u0000) are not allowed")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def strict_loads(data):
    text = data.decode("utf-8", errors="strict") if isinstance(data, (bytes, bytearray)) else data
    _check_depth(text)
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except ValueError as exc:  # malformed JSON stays a 400, as before
        raise BadRequest(f"JSON 格式错误；invalid JSON: {exc}") from None
    _check_strings(value)
    return value


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        return strict_loads(s)


def check_json_body() -> None:
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw.strip():
        return
    try:
        g.zhifa_json = strict_loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("请求体不是有效的 UTF-8；body is not valid UTF-8") from None


# ---------------------------------------------------------------- NUL and integer bounds

def _has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def reject_nul_and_huge_numbers() -> None:
    where = None
    if "\x00" in request.path:
        where = "path"
    elif any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        where = "query"
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and \
            any(_has_nul(k) or _has_nul(v) for k, v in request.form.items(multi=True)):
        where = "form"
    if where:
        raise ValidationFailed(f"不允许 NUL 字符（{where}）；NUL characters are not allowed in the {where}",
                               {where: ["contains NUL (\\u0000)"]})
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not -INT64 <= value < INT64:
            raise NotFound(f"没有编号为 {value} 的对象；no {name} {value}")
    for name, value in request.args.items(multi=True):
        if _INTEGER.match(value.strip()) and not -INT64 <= int(value.strip()[:25]) < INT64:
            raise ValidationFailed(f"参数 {name} 超出范围；parameter {name} is out of range",
                                   {name: ["数值超出范围；out of range"]})


# ---------------------------------------------------------------- cookies and headers

class SessionInterface(SecureCookieSessionInterface):
    """``Secure`` on the session cookie whenever the request came over HTTPS (or when configured)."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",   # bpmn-js and form-js set inline styles on the elements they draw
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def csp_nonce() -> str:
    if "zhifa_csp_nonce" not in g:
        g.zhifa_csp_nonce = secrets.token_urlsafe(16)
    return g.zhifa_csp_nonce


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask, settings: Settings, *, demo: bool) -> None:
    app.config["SECRET_KEY"] = secret_key(settings, demo=demo, testing=bool(app.config.get("TESTING")))
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.session_interface = SessionInterface()
    app.json = StrictJSONProvider(app)
    app.before_request(reject_nul_and_huge_numbers)
    app.before_request(check_json_body)
    app.after_request(security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
