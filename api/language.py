"""Which language an answer speaks: the web UI's chosen language, else ``Accept-Language``; Chinese first."""
from __future__ import annotations

import re

from flask import g, has_request_context, request, session


def wants_english() -> bool:
    """Web pages (session cookie) speak the UI's language; API clients (bearer token) their Accept-Language."""
    if not has_request_context():
        return False
    if "lang" in session or g.get("zhifa_auth_via") == "cookie" or request.blueprint == "web":
        return session.get("lang") == "en"
    if request.headers.get("Accept-Language"):
        for value, _quality in request.accept_languages:  # sorted by quality
            tag = value.lower()
            if tag.startswith("zh"):
                return False
            if tag.startswith("en"):
                return True
    return False


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_TRAILING_EN = re.compile(r"^(?P<zh>.*\S)\s*\((?P<en>[^()]+)\)$", re.S)
_SEPARATORS = (" / ", "；", "; ")


def _is_en(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text)) and not _CJK.search(text)


def one_language(message: str, english: bool) -> str:
    """Engine messages written in both languages, '必填 (required)', '中文 / English' or '中文；English', are
    cut to the caller's language; any other message is returned as it is."""
    if not isinstance(message, str) or not _CJK.search(message):
        return message
    match = _TRAILING_EN.match(message)
    if match and _is_en(match.group("en")) and _CJK.search(match.group("zh")):
        return match.group("en").strip() if english else match.group("zh").strip()
    for sep in _SEPARATORS:
        zh, found, en = message.rpartition(sep)
        if found and _is_en(en) and _CJK.search(zh):
            return en.strip() if english else zh.strip()
    return message


def pick(exc) -> tuple[str, dict | None]:
    """(detail, field errors) of an engine error in the caller's language: its ``zh`` text for Chinese, its
    ``detail`` for English; a detail written in both languages is cut to one."""
    english = wants_english()
    zh = getattr(exc, "zh", None)
    detail = one_language(zh if zh and not english else exc.detail, english)
    errors = getattr(exc, "errors", None)
    if not english and getattr(exc, "errors_zh", None):
        errors = exc.errors_zh
    if isinstance(errors, dict):
        errors = {k: [one_language(m, english) for m in v] if isinstance(v, list) else v for k, v in errors.items()}
    return detail, errors


# marshmallow's own messages (request bodies and query strings checked by the API's schemas), in Chinese
_SCHEMA_ZH = [
    (r"Missing data for required field\.", "必填"),
    (r"Field may not be null\.", "不能为空"),
    (r"Unknown field\.", "未知字段"),
    (r"Not a valid integer\.", "应为整数"),
    (r"Not a valid number\.", "应为数字"),
    (r"Not a valid boolean\.", "应为 true 或 false"),
    (r"Not a valid string\.", "应为文本"),
    (r"Not a valid date\.", "日期无效（应为 YYYY-MM-DD）"),
    (r"Not a valid datetime\.", "日期时间无效"),
    (r"Not a valid list\.", "应为列表"),
    (r"Not a valid mapping type\.", "应为对象"),
    (r"Invalid input type\.", "类型不正确"),
    (r"Invalid value\.", "取值无效"),
    (r"Number too large\.", "数值过大"),
    (r"Shorter than minimum length (\d+)\.", r"至少 \1 个字符"),
    (r"Longer than maximum length (\d+)\.", r"最多 \1 个字符"),
    (r"Length must be between (\d+) and (\d+)\.", r"长度应为 \1–\2"),
    (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.", r"应在 \1 到 \2 之间"),
    (r"Must be greater than or equal to (\S+)\.", r"不能小于 \1"),
    (r"Must be less than or equal to (\S+)\.", r"不能大于 \1"),
    (r"Must be one of: (.*)\.", r"只能是以下之一：\1"),
    (r"String does not match expected pattern\.", "格式不正确"),
]
_SCHEMA_ZH = [(re.compile(f"^{pattern}$"), text) for pattern, text in _SCHEMA_ZH]


def schema_errors(errors: dict) -> tuple[str, dict]:
    """(detail, field errors) of a request the API's schemas refused, in the caller's language."""
    english = wants_english()
    if english:
        return "the request has invalid fields", {k: [one_language(m, True) for m in v] for k, v in errors.items()}

    def zh(message: str) -> str:
        for pattern, text in _SCHEMA_ZH:
            if pattern.match(message):
                return pattern.sub(text, message)
        return one_language(message, False)
    return "请求中有字段不正确", {k: [zh(m) for m in v] for k, v in errors.items()}
