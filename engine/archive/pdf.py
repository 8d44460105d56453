"""The case file for people (卷宗 PDF), rendered by WeasyPrint with Debian's Noto CJK fonts."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from engine.archive import words
from engine.archive.record import CaseRecord, local_text

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def html(record: CaseRecord) -> str:
    return _env.get_template("casefile.html").render(
        r=record, c=record.case, words=words, exported=local_text(record.exported_at),
        verdict=words.verdict_text(record.verdict.verdict, record.verdict.step, record.verdict.reason))


def render(record: CaseRecord) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for
    return HTML(string=html(record), base_url=str(TEMPLATES)).write_pdf()
