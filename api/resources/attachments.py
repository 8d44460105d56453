"""Evidence attachments: upload on a task or a case (streamed), list, download and thumbnail within scope.

Upload body: the raw file (``Content-Type`` anything, e.g. ``application/octet-stream``) with
``?filename=现场照片.jpg`` — streamed to disk as it arrives — or ``multipart/form-data`` with a ``file``
part (for HTML forms and ``curl -F``). Optional ``note`` and ``replaces`` (the id of the file this one
corrects) as query or form fields.
"""
from __future__ import annotations

from flask import request, send_file
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.attachments import AttachmentSchema
from engine import attachments, blobs, cases, tasks
from engine.errors import NotFound, ValidationFailed

blp = Blueprint("attachments", __name__, url_prefix="/api/v1", description="Evidence files (attachments)")
blp.before_request(require_auth)

UPLOAD_DOC = {
    "parameters": [
        {"in": "query", "name": "filename", "schema": {"type": "string", "maxLength": 200},
         "description": "the file's name (raw body uploads)"},
        {"in": "query", "name": "note", "schema": {"type": "string", "maxLength": 300}},
        {"in": "query", "name": "replaces", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}},
    ],
    "requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "note": {"type": "string"},
            "replaces": {"type": "integer"}}}}}},
}


def _int_param(name: str) -> int | None:
    raw = request.args.get(name) or (request.form.get(name) if request.mimetype == "multipart/form-data" else None)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 2147483647:
        raise ValidationFailed(f"{name} must be an attachment id", {name: ["must be a positive integer"]},
                               zh="参数有误", errors_zh={name: ["应为文件编号"]})
    return value


def _upload(target_of, record=attachments.record, actor=None):
    """Check the right first (read-only), end that transaction, stream the body, then record (``record``: the
    owner's recorder, e.g. engine.intake.files.record; ``actor``: who sends it, default the signed-in user)."""
    actor = actor if actor is not None else current_actor()
    multipart = request.mimetype == "multipart/form-data"
    if not multipart:
        filename = blobs.check_filename(request.args.get("filename") or request.headers.get("X-Filename"))
    target = target_of(actor)
    replaces = _int_param("replaces")
    session().rollback()  # no database lock is held while the bytes arrive
    if multipart:
        part = request.files.get("file")
        if part is None:
            raise ValidationFailed("a 'file' part is required", {"file": ["missing"]},
                                   zh="缺少文件", errors_zh={"file": ["请选择文件"]})
        filename = blobs.check_filename(part.filename)
        note = request.form.get("note") or request.args.get("note")
        received = blobs.receive(part.stream, filename)
    else:
        note = request.args.get("note")
        received = blobs.receive(request.stream, filename, request.content_length)
    try:
        row = record(session(), actor.user_id, target, received, note=note, replaces_id=replaces, actor=actor)
    finally:
        received.discard()
    return row


@blp.route("/tasks/<string(maxlength=36):task_id>/attachments", methods=["POST"])
@blp.doc(**UPLOAD_DOC)
@blp.response(201, AttachmentSchema)
@writes
def upload_to_task(task_id):
    """Add a file to an open task (its assignee or a holder of its role); recorded in the case's log."""
    return _upload(lambda actor: attachments.target_for_task(session(), actor, task_id))


@blp.route("/cases/<int(max=2147483647):case_id>/attachments", methods=["POST"])
@blp.doc(**UPLOAD_DOC)
@blp.response(201, AttachmentSchema)
@writes
def upload_to_case(case_id):
    """Add a file to a running case (its handling unit or someone with an open task on it)."""
    return _upload(lambda actor: attachments.target_for_case(session(), actor, case_id))


@blp.route("/cases/<int(max=2147483647):case_id>/attachments")
@blp.response(200, AttachmentSchema(many=True))
def case_files(case_id):
    """Every file of the case (on the case and on its tasks), oldest first."""
    case = cases.get_case(session(), current_actor(), case_id)
    return attachments.for_case(session(), case.id)


@blp.route("/tasks/<string(maxlength=36):task_id>/attachments")
@blp.response(200, AttachmentSchema(many=True))
def task_files(task_id):
    """The files added on this task."""
    task = tasks.get_task(session(), current_actor(), task_id)
    return attachments.for_owner(session(), "task", task.id)


@blp.route("/attachments/<int(max=2147483647):attachment_id>")
@blp.response(200, AttachmentSchema)
def meta(attachment_id):
    """A file's record (name, type, size, SHA-256, who added it when)."""
    return attachments.get(session(), current_actor(), attachment_id)


@blp.route("/attachments/<int(max=2147483647):attachment_id>/content")
@blp.doc(responses={"200": {"description": "the file", "content": {"application/octet-stream": {}}}})
def content(attachment_id):
    """Download the file (as stored; ``?inline=1`` to show it in the browser)."""
    row = attachments.get(session(), current_actor(), attachment_id)
    path = blobs.object_path(row.sha256)
    if not path.is_file():
        raise NotFound("the file is missing from the store", zh="文件在存储中缺失，请联系管理员")
    inline = request.args.get("inline") in ("1", "true")
    response = send_file(path, mimetype=row.media_type, as_attachment=not inline, download_name=row.filename,
                         conditional=True, etag=row.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.route("/attachments/<int(max=2147483647):attachment_id>/thumbnail")
@blp.doc(responses={"200": {"description": "JPEG preview", "content": {"image/jpeg": {}}}})
def thumbnail(attachment_id):
    """A JPEG preview of a photo (404 for other files)."""
    row = attachments.get(session(), current_actor(), attachment_id)
    if row.category != "image" or not attachments.make_thumbnail(row.sha256):
        raise NotFound("this file has no preview", zh="此文件没有预览图")
    response = send_file(blobs.thumbnail_path(row.sha256), mimetype="image/jpeg", conditional=True,
                         etag=row.sha256 + "-t", max_age=0)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
