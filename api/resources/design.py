"""Designers' workspace API: validate, deploy bundles with a note, versions, drafts (409 on stale saves),
retirement, version diffs. Designer (or administrator) role only; refusals store nothing."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.design import (BundleSchema, DeployRequestSchema, DeployResultSchema, DiffArgs, DiffSchema,
                                DraftCreateSchema, DraftDeploySchema, DraftFromVersionSchema, DraftInfoSchema,
                                DraftSaveSchema, DraftSchema, ProcedureSchema, RetireSchema, SourcesSchema,
                                ValidationResultSchema, VersionInfoSchema)
from engine import bundles, catalog, deploy, drafts, retire, versiondiff
from engine.errors import Forbidden
from engine.sources import Sources
from engine.statuses import Role
from engine.validation import validate

blp = Blueprint("design_api", __name__, url_prefix="/api/v1/design",
                description="Designers' workspace: validation, bundles, versions, drafts, deployment, diffs")
blp.before_request(require_auth)
INT = "int(max=2147483647)"


@blp.before_request
def designers_only():
    if not current_actor().units_with(Role.DESIGNER, Role.ADMIN):
        raise Forbidden("流程设计需要设计人员角色 (the designers' workspace needs the designer role)")


def _who() -> str:
    return current_actor().username


def _results(results, report=None) -> dict:
    return {"deployed": [{"key": r.key, "version": r.version, "created": r.created, "reactivated": r.reactivated,
                          "content_hash": r.content_hash} for r in results],
            "problems": [p for p in (report.as_list() if report else []) if p["severity"] == "warning"]}


@blp.route("/validate", methods=["POST"])
@blp.arguments(SourcesSchema)
@blp.response(200, ValidationResultSchema)
def validate_sources(sources):
    """Validate sources (nothing stored): every problem with file, element, name, Chinese and English message."""
    report = validate(Sources.from_dict(sources), roles=bundles.held_roles(session()))
    return {"ok": report.ok, "problems": report.as_list(), "processes": [p.key for p in report.parsed]}


@blp.route("/deployments", methods=["POST"])
@blp.arguments(DeployRequestSchema)
@blp.response(201, DeployResultSchema)
@writes
def deploy_sources(body):
    """Deploy sources as bundles with a change note. Any error → 422 with every problem; nothing stored."""
    sources = Sources.from_dict(body["sources"])
    report = deploy.check(session(), sources)
    results = deploy.deploy_sources(session(), sources, deployed_by=_who(), note=body["note"].strip())
    return _results(results, report)


@blp.route("/procedures")
@blp.response(200, ProcedureSchema(many=True))
def list_procedures():
    """Procedures with their versions (state, deployer, note, hash, running cases) and drafts."""
    return catalog.procedures(session())


@blp.route("/procedures/<string:key>")
@blp.response(200, ProcedureSchema)
def get_procedure(key):
    """One procedure."""
    return catalog.procedure(session(), key)


@blp.route(f"/procedures/<string:key>/versions/<{INT}:version>/bundle")
@blp.response(200, BundleSchema)
def get_bundle(key, version):
    """A version's bundle: its BPMN, DMN, forms, document templates and lane map exactly as deployed."""
    row = deploy.get_version(session(), key, version)
    sources = row.bundle or {"bpmn": {row.file_name: row.bpmn_xml}}
    return {"key": key, "version": version, "content_hash": row.content_hash, "sources": Sources.from_dict(sources).as_dict()}


@blp.route(f"/procedures/<string:key>/versions/<{INT}:version>/retire", methods=["POST"])
@blp.arguments(RetireSchema)
@blp.response(200, VersionInfoSchema)
@writes
def retire_version(body, key, version):
    """Retire a version: no new cases start on it; running cases continue."""
    row = retire.retire_version(session(), key, version, _who(), body["note"])
    row.running = catalog.running_counts(session()).get(row.id, 0)
    return row


@blp.route("/procedures/<string:key>/retire", methods=["POST"])
@blp.arguments(RetireSchema)
@blp.response(200, ProcedureSchema)
@writes
def retire_procedure(body, key):
    """Retire every version of a procedure: no new cases; running cases continue."""
    retire.retire_procedure(session(), key, _who(), body["note"])
    session().flush()
    return catalog.procedure(session(), key)


@blp.route("/procedures/<string:key>/diff")
@blp.arguments(DiffArgs, location="query")
@blp.response(200, DiffSchema)
def diff_versions(args, key):
    """Compare two versions (?from=1&to=2): elements and properties, decision rules, form fields, templates."""
    old = deploy.get_version(session(), key, args["base"])
    new = deploy.get_version(session(), key, args["other"])
    return versiondiff.compare(old.bundle or {"bpmn": {old.file_name: old.bpmn_xml}},
                               new.bundle or {"bpmn": {new.file_name: new.bpmn_xml}})


@blp.route("/drafts")
@blp.response(200, DraftInfoSchema(many=True))
def list_drafts():
    """Every draft, newest first per procedure."""
    return drafts.list_drafts(session())


@blp.route("/drafts", methods=["POST"])
@blp.arguments(DraftCreateSchema)
@blp.response(201, DraftSchema)
@writes
def create_draft(body):
    """Save a new draft (e.g. "save as copy")."""
    return drafts.create(session(), body["process_key"], body["title"], body["content"], _who())


@blp.route("/procedures/<string:key>/drafts", methods=["POST"])
@blp.arguments(DraftFromVersionSchema)
@blp.response(201, DraftSchema)
@writes
def draft_from_version(body, key):
    """Start a draft from a deployed version's bundle."""
    return drafts.from_version(session(), key, body["version"], _who())


@blp.route(f"/drafts/<{INT}:draft_id>")
@blp.response(200, DraftSchema)
def get_draft(draft_id):
    """A draft with its content and content hash."""
    return drafts.get(session(), draft_id)


@blp.route(f"/drafts/<{INT}:draft_id>", methods=["PUT"])
@blp.arguments(DraftSaveSchema)
@blp.response(200, DraftSchema)
@writes
def save_draft(body, draft_id):
    """Save a draft over the hash it was loaded with; a newer draft saved meanwhile → 409, nothing overwritten."""
    return drafts.save(session(), draft_id, body["content"], body["base_hash"], _who(), body.get("title"))


@blp.route(f"/drafts/<{INT}:draft_id>", methods=["DELETE"])
@blp.response(204)
@writes
def delete_draft(draft_id):
    """Discard a draft."""
    drafts.delete(session(), draft_id)


@blp.route(f"/drafts/<{INT}:draft_id>/deploy", methods=["POST"])
@blp.arguments(DraftDeploySchema)
@blp.response(201, DeployResultSchema)
@writes
def deploy_draft(body, draft_id):
    """Deploy a draft's procedure with a change note (422 with every problem if invalid; nothing stored)."""
    draft = drafts.get(session(), draft_id)
    report = deploy.check(session(), Sources.from_dict(draft.content))
    results = drafts.deploy_draft(session(), draft_id, body.get("base_hash"), _who(), body["note"])
    return _results(results, report)


__all__ = ["blp", "VersionInfoSchema"]
