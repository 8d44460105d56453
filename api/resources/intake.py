"""Intake administration and channels: the matter catalogue (import, edit, versions), channel API keys, lead
supervision per unit, and the channel endpoints where external systems (12345, grid app, cameras) send
leads with their ``X-Channel-Key`` and read back only their own leads' status."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import commit, session
from api.problems import Unauthorized
from api.resources.attachments import UPLOAD_DOC, _upload
from api.schemas.attachments import AttachmentSchema
from api.schemas.intake import (CatalogueSchema, ChannelInSchema, ChannelKeySchema, ChannelSchema, ImportCountSchema,
                                LeadInSchema, LeadStatusSchema, MatterEditSchema, PlaceSchema, UnitLeadStatsSchema)
from engine.errors import Forbidden, ValidationFailed
from engine.intake import catalogue, channels, files, handling, leads, places, supervision
from engine.org import SYSTEM
from engine.statuses import Role
from engine.models import Case

blp = Blueprint("intake_api", __name__, url_prefix="/api/v1/intake", description="Matter catalogue, lead supervision")
blp.before_request(require_auth)
channel_blp = Blueprint("intake_channel", __name__, url_prefix="/api/v1/channel",
                        description="External lead channels (X-Channel-Key)")


def _catalogue(version, with_matters: bool) -> dict:
    out = {"version": version.id, "note": version.note, "created_at": version.created_at,
           "matter_count": version.matter_count}
    if with_matters:
        out["matters"] = [catalogue.as_row(m) for m in catalogue.matters(session(), version.id)]
    return out


@blp.route("/catalogue")
@blp.response(200, CatalogueSchema)
def get_catalogue():
    """The current matter catalogue with every matter."""
    version = catalogue.current(session())
    if version is None:
        raise ValidationFailed("尚未导入执法事项目录 (no catalogue yet)", {})
    return _catalogue(version, True)


@blp.route("/catalogue/versions")
@blp.response(200, CatalogueSchema(many=True))
def catalogue_versions():
    """Catalogue versions, newest first (leads name the version they were routed with)."""
    return [_catalogue(v, False) for v in catalogue.versions(session())]


@blp.route("/catalogue", methods=["POST"])
@blp.response(201, CatalogueSchema)
@writes
def import_catalogue():
    """Import a whole catalogue (administrators): multipart ``file`` (CSV UTF-8 or XLSX) with the columns
    code, name, field, legal_basis, keywords, synonyms (a|b), levels (county|township), delegated (是/否),
    county_unit, procedure. Every row is checked; any error stores nothing. Optional form field ``note``."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("缺少文件 (multipart field 'file' is required)", {"file": ["必填"]})
    rows = catalogue.parse_rows(upload.read(), upload.filename or "")
    version = catalogue.create_version(session(), current_actor(), rows, request.form.get("note") or "导入")
    return _catalogue(version, False)


@blp.route("/catalogue/matters/<string(minlength=1, maxlength=40):code>", methods=["PUT"])
@blp.arguments(MatterEditSchema)
@blp.response(200, CatalogueSchema)
@writes
def edit_matter(body, code):
    """Change or add one matter (administrators): a new catalogue version."""
    note = body.pop("note", None)
    return _catalogue(catalogue.edit_matter(session(), current_actor(), code, body, note), False)


@blp.route("/places")
@blp.response(200, PlaceSchema(many=True))
def place_list():
    """The gazetteer: communities, roads, landmarks and grid cells and the township each lies in."""
    me = current_actor()
    if not (me.units_with(Role.ADMIN) or me.units_with(Role.DISPATCHER)):
        raise Forbidden("administrators and dispatchers only", zh="只有系统管理员和派单员可以查看地名表")
    return places.listing(session())


@blp.route("/places", methods=["POST"])
@blp.response(201, ImportCountSchema)
@writes
def place_import():
    """Import places (administrators): multipart ``file`` (CSV UTF-8 or XLSX) with the columns name, kind
    (township, community, road, landmark, grid), unit (a township unit), aliases (a|b). Existing (name, unit)
    pairs are updated; any error imports nothing."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("缺少文件 (multipart field 'file' is required)", {"file": ["必填"]})
    return {"imported": places.import_file(session(), current_actor(), upload.read(), upload.filename or "")}


@blp.route("/channels")
@blp.response(200, ChannelSchema(many=True))
def channel_list():
    """Lead channels with their key's state: issued when, last used when (administrators)."""
    channels.check_admin(current_actor())
    return channels.all_channels(session())


@blp.route("/channels", methods=["POST"])
@blp.arguments(ChannelInSchema)
@blp.response(201, ChannelSchema)
@writes
def channel_create_(body):
    """Add a lead channel (administrators); issue its key with ``POST …/channels/{id}/key``."""
    return channels.create(session(), current_actor(), body["id"], body["name"])


@blp.route("/channels/<string(maxlength=32):channel_id>/key", methods=["POST"])
@blp.response(201, ChannelKeySchema)
@writes
def channel_key(channel_id):
    """Issue a new API key for a channel (administrators); the previous key stops working. Shown once."""
    return {"channel": channel_id, "key": channels.issue_key(session(), channel_id, current_actor())}


@blp.route("/channels/<string(maxlength=32):channel_id>/key", methods=["DELETE"])
@blp.response(200, ChannelSchema)
@writes
def channel_revoke(channel_id):
    """Revoke the channel's key (administrators): it stops working at once; the channel's leads stay."""
    return channels.revoke_key(session(), current_actor(), channel_id)


@blp.route("/supervision")
@blp.response(200, UnitLeadStatsSchema(many=True))
def lead_supervision():
    """Per unit: leads received, open, returned, accepted, closed, overdue 核查, average time to dispatch
    (minutes) and to accept (hours)."""
    return supervision.unit_stats(session(), current_actor())


def _channel():
    channel = channels.by_key(session(), request.headers.get("X-Channel-Key"))
    if channel is None:
        raise Unauthorized("渠道密钥缺失或无效 (missing or unknown X-Channel-Key)")
    channels.touch(channel)
    return channel


def _status(lead) -> dict:
    case = session().get(Case, lead.case_id) if lead.case_id else None
    return {"id": lead.id, "number": lead.number, "status": lead.status, "received_at": lead.received_at,
            "external_ref": lead.external_ref, "case_number": case.number if case else None}


@channel_blp.route("/leads", methods=["POST"])
@channel_blp.arguments(LeadInSchema)
@channel_blp.response(201, LeadStatusSchema)
def channel_create(body):
    """Send a lead (header ``X-Channel-Key``). It is routed at once; the answer is its number and status."""
    channel = _channel()
    lead = leads.create(session(), channel.id, body)
    session().flush()
    out = _status(lead)
    commit()
    return out


@channel_blp.route("/leads/<int(max=2147483647):lead_id>/attachments", methods=["POST"])
@channel_blp.doc(**UPLOAD_DOC)
@channel_blp.response(201, AttachmentSchema)
def channel_upload(lead_id):
    """Add a photo or file to one of this channel's leads while it is open (header ``X-Channel-Key``; body as
    for case files: raw with ``?filename=`` or multipart ``file``). Others' leads answer 404."""
    channel_id = _channel().id
    row = _upload(lambda _actor: files.target_for_channel(session(), channel_id, lead_id), files.record,
                  actor=SYSTEM)
    commit()
    return row


@channel_blp.route("/leads/<int(max=2147483647):lead_id>")
@channel_blp.response(200, LeadStatusSchema)
def channel_get(lead_id):
    """The status of one of this channel's leads (others answer 404)."""
    out = _status(handling.for_channel(session(), _channel().id, lead_id))
    commit()   # the key's last use
    return out
