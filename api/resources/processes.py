"""Deployed procedures: list, versions, BPMN download, and deployment of new versions by designers."""
from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.processes import DeployArgs, DeploymentSchema, ProcessSchema, VersionSchema
from engine import deploy
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.statuses import Role

blp = Blueprint("processes", __name__, url_prefix="/api/v1/processes",
                description="Deployed procedures (process definitions) and their versions")
blp.before_request(require_auth)

XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")
MAX_FILES = 50
DEPLOY_BODY = {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["files"], "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    "application/xml": {"schema": {"type": "string"}},
}}


def _grouped() -> list[dict]:
    by_key: dict[str, dict] = {}
    for v in deploy.list_versions(session()):
        entry = by_key.setdefault(v.process_key, {"key": v.process_key, "versions": []})
        entry["versions"].append(v)
        entry["name"], entry["latest_version"] = v.name, v.version
    return list(by_key.values())


@blp.route("")
@blp.response(200, ProcessSchema(many=True))
def list_processes():
    """Every deployed procedure with all its versions (latest last)."""
    return _grouped()


@blp.route("/<string:key>")
@blp.response(200, ProcessSchema)
def get_process(key):
    """One procedure with its versions."""
    for entry in _grouped():
        if entry["key"] == key:
            return entry
    raise NotFound(f"no deployed procedure {key!r}")


@blp.route("/<string:key>/versions/<int(max=2147483647):version>")
@blp.response(200, VersionSchema)
def get_version(key, version):
    """One version's metadata."""
    return deploy.get_version(session(), key, version)


@blp.route("/<string:key>/versions/<int(max=2147483647):version>/bpmn")
@blp.response(200, {"type": "string"}, content_type="application/xml",
              description="the BPMN 2.0 XML as deployed")
def get_bpmn(key, version):
    """Download a version's BPMN XML."""
    found = deploy.get_version(session(), key, version)
    return Response(found.bpmn_xml, mimetype="application/xml")


def _uploaded(name: str) -> tuple[dict, dict, dict | None, dict | None]:
    if request.mimetype == "multipart/form-data":
        files = [(f.filename or "upload", f.read()) for f in request.files.getlist("files")]
    elif request.mimetype in XML_TYPES:
        files = [(name, request.get_data())]
    else:
        raise ValidationFailed("send multipart/form-data (field 'files') or an XML body",
                               {"files": ["no BPMN/DMN files in the request"]})
    if not files or len(files) > MAX_FILES:
        raise ValidationFailed("no files", {"files": [f"send 1 to {MAX_FILES} .bpmn/.dmn files"]})
    bpmn_files, dmn_files, forms, documents = {}, {}, {}, {}
    for fname, content in files:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{fname} is not UTF-8", {"files": [f"{fname}: not UTF-8 text"]}) from None
        if fname.endswith(".bpmn"):
            bpmn_files[fname] = content
        elif fname.endswith(".dmn"):
            dmn_files[fname] = content
        elif fname.endswith(".form"):
            forms[fname[:-len(".form")]] = content
        elif fname.endswith(".html"):
            documents[fname] = content
        else:
            raise ValidationFailed(f"{fname} is not .bpmn, .dmn, .form or .html",
                                   {"files": [f"{fname}: unknown type"]})
    # forms/templates not uploaded come from forms/ (as with zhifa deploy)
    return bpmn_files, dmn_files, forms or None, documents or None


@blp.route("/deployments", methods=["POST"])
@blp.arguments(DeployArgs, location="query")
@blp.doc(requestBody=DEPLOY_BODY)
@blp.response(201, DeploymentSchema)
@writes
def create_deployment(args):
    """Deploy BPMN/DMN (+ .form, .html) files as bundles (designers). Invalid → 422 with every problem; nothing stored.

    Forms and document templates not uploaded are taken from the server's forms/ directory.
    """
    actor = current_actor()
    if not actor.units_with(Role.DESIGNER, Role.ADMIN):
        raise Forbidden("deploying procedures needs the designer role")
    bpmn_files, dmn_files, forms, documents = _uploaded(args["name"])
    results = deploy.deploy(session(), bpmn_files, dmn_files, deployed_by=actor.username, forms=forms,
                            documents=documents, note=args.get("note"))
    return {"deployed": [{"key": r.key, "version": r.version, "created": r.created} for r in results]}
