"""``zhifa serve``: the production server — gunicorn with N workers over :func:`api.create_app`.

The app is built once in the master before the workers fork (``preload_app``), so a missing
``ZHIFA_SECRET_KEY`` or a bad setting stops start-up with one clear message instead of N crashing workers;
each worker then drops the master's (unused) database connections and opens its own.
"""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


def _cpu_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 1) * 2))


def options_from_env(env=None) -> dict:
    env = os.environ if env is None else env
    return {
        "bind": env.get("ZHIFA_BIND") or f"127.0.0.1:{env.get('PORT', '8000')}",
        "workers": int(env.get("ZHIFA_WORKERS") or _cpu_workers()),
        "threads": int(env.get("ZHIFA_THREADS") or 1),
        "timeout": int(env.get("ZHIFA_WORKER_TIMEOUT") or 60),
        "max_requests": int(env.get("ZHIFA_MAX_REQUESTS") or 2000),
    }


class ZhifaServer(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def _post_fork(_server, _worker) -> None:
    _APP[0].extensions["zhifa.db"].kw["bind"].dispose(close=False)


_APP: list = [None]


def serve(options: dict) -> None:
    from api import create_app
    app = create_app()  # production: ZHIFA_SECRET_KEY required (api.security)
    _APP[0] = app
    cfg = dict(options, preload_app=True, post_fork=_post_fork, accesslog=None, errorlog="-",
               max_requests_jitter=max(1, options.get("max_requests", 0) // 10),
               proc_name="zhifa", graceful_timeout=30, forwarded_allow_ips=os.environ.get(
                   "FORWARDED_ALLOW_IPS", "127.0.0.1"))
    ZhifaServer(app, cfg).run()
