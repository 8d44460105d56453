"""Translation catalogs compiled at start-up (api/web/i18n.compile_catalogs): several processes or threads
starting at once on a fresh install each compile, and none of them fails or leaves a half-written catalog."""
from __future__ import annotations

import os
import shutil
import threading
import time

from babel.messages.mofile import read_mo

from api.web.i18n import TRANSLATIONS, compile_catalogs


def test_catalogs_compiled_side_by_side_all_succeed(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo", "*.tmp"))
    errors, barrier = [], threading.Barrier(8)

    def compile_now():
        try:
            barrier.wait()
            compile_catalogs(copy)
        except Exception as exc:  # noqa: BLE001 — collected and reported below
            errors.append(exc)

    workers = [threading.Thread(target=compile_now) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    mo = copy / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as f:
        catalog = read_mo(f)
    assert len(catalog) > 100 and catalog.get("Cases moved").string   # a workspace fragment merged in
    assert not list(mo.parent.glob("*.tmp"))
    # up to date: a second start compiles nothing
    os.utime(mo, (time.time() + 5, time.time() + 5))
    assert compile_catalogs(copy) == []
