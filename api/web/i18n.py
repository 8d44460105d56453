"""Languages: zh-CN (default) and English via Flask-Babel; catalogs compiled from .po at start-up.

Babel resolves ``zh_CN`` to the CLDR locale ``zh_Hans_CN``, so the Chinese catalog lives in
``translations/zh_Hans_CN``. Message ids are English; the ``en`` catalog is empty (ids are shown).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, session
from flask_babel import Babel

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT = "zh_CN"
SESSION_KEY = "lang"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """po → mo per language, when the .mo is missing or older than one of its .po (binary .mo are not committed).

    A language's catalog is ``messages.po`` merged with every other ``*.po`` beside it — one per workspace
    (``officer.po``, ``design.po``, ``audit.po``, …) so that features keep their messages apart.
    """
    done = []
    for lc_dir in sorted(p for p in directory.glob("*/LC_MESSAGES") if p.is_dir()):
        sources = sorted(lc_dir.glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))
        if not sources:
            continue
        mo = lc_dir / "messages.mo"
        if mo.is_file() and all(mo.stat().st_mtime >= po.stat().st_mtime for po in sources):
            continue
        locale = lc_dir.parent.name
        catalog = None
        for po in sources:
            with po.open("rb") as src:
                part = read_po(src, locale=locale)
            if catalog is None:
                catalog = part
                continue
            for message in part:
                if message.id and message.string:
                    catalog[message.id] = message
        # a temporary file of this process's own: several processes starting at once (test workers, gunicorn
        # workers on a fresh install) each compile and the last atomic rename wins, never a half-written catalog
        tmp = mo.with_name(f"messages.mo.{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo)
        done.append(mo)
    return done


def current_language() -> str:
    lang = session.get(SESSION_KEY)
    return lang if lang in LANGUAGES else DEFAULT


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=current_language)
