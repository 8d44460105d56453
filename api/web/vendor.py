"""Front-end packages installed by ``npm ci --ignore-scripts`` (package.json), served from node_modules.

Only the listed distribution folders are reachable: /ui/vendor/<package path>.
"""
from __future__ import annotations

from flask import Flask, abort, send_from_directory

from engine.config import ROOT

NODE_MODULES = ROOT / "node_modules"
ALLOWED = ("bpmn-js/dist/", "@bpmn-io/form-js/dist/", "swagger-ui-dist/", "echarts/dist/",
           "@bpmn-io/form-js-editor/dist/assets/", "@bpmn-io/properties-panel/dist/assets/", "dmn-js/dist/",
           "flatpickr/dist/l10n/",  # the date picker inside form-js, in Chinese
           ".zhifa-build/")  # .zhifa-build: the design editor bundle built by .ci/setup (esbuild)


def serve(filename: str):
    if not filename.startswith(ALLOWED) or ".." in filename.split("/"):
        abort(404)
    response = send_from_directory(NODE_MODULES, filename, max_age=3600)
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/ui/vendor/<path:filename>", "web_vendor", serve)
