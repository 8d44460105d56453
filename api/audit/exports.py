"""Building case-file downloads (PDF / ZIP) and recording who took them — shared by the API and the pages."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from engine import accesslog
from engine.archive import bundle, pdf, record
from engine.models import Case
from engine.org import Actor


def _disposition(stem: str, ascii_stem: str, ext: str) -> str:
    return f"attachment; filename=\"{ascii_stem}.{ext}\"; filename*=UTF-8''{quote(stem + '.' + ext)}"


def case_file(session, actor: Actor, case: Case, kind: str, exporter_name: str) -> Response:
    """``kind`` = pdf | zip. The access is logged in the same transaction (the caller commits)."""
    rec = record.load(session, case, exported_by=exporter_name)
    document = pdf.render(rec)
    detail = f"chain head {rec.chain_head}; verdict {rec.verdict.verdict}"
    if kind == "pdf":
        body, mimetype = document, "application/pdf"
        accesslog.record(session, actor, "export_pdf", case, detail)
    else:
        body, mimetype = bundle.build_zip(rec, document), "application/zip"
        accesslog.record(session, actor, "export_zip", case, detail)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = _disposition(f"{case.number}-卷宗", f"case-{case.id}", kind)
    response.headers["X-Chain-Head"] = rec.chain_head or ""
    response.headers["Cache-Control"] = "no-store"
    return response
