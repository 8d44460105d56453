"""The ``zhifa`` command: db upgrade, deploy, seed-demo, run."""
from __future__ import annotations

import os
import sys

import click

from engine import deploy as deploy_mod
from engine import seed as seed_mod
from engine.config import Settings
from engine.db import make_engine, make_session_factory, transaction
from engine.errors import EngineError
from engine.schema import upgrade


def _factory(settings: Settings):
    return make_session_factory(make_engine(settings.database_url))


def _ensure_var(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite:///"):
        path = settings.database_url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


@click.group()
def main():
    """zhifa — BPMN process platform for comprehensive administrative enforcement."""


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply all migrations (alembic upgrade head)."""
    settings = Settings.from_env()
    _ensure_var(settings)
    upgrade(settings.database_url)
    click.echo("schema up to date")


def _lane_map(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            lane, sep, role = pair.partition("=")
            if not sep or not lane.strip() or not role.strip():
                raise click.BadParameter(f"{pair!r}: expected LANE=ROLE", param_hint="--lane-map")
            mapping[lane.strip()] = role.strip()
    return mapping


def _print_problems(problems: list[dict]) -> None:
    for p in problems:
        where = "/".join(x for x in (p.get("file"), p.get("element")) if x) or "-"
        name = f" 「{p['name']}」" if p.get("name") else ""
        label = "错误 error" if p["severity"] == "error" else "警告 warning"
        click.echo(f"  {label}: {where}{name}: {p['zh']} ({p['en']})", err=True)


@main.command()
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), default=None,
              help="directory with *.bpmn and *.dmn (default: processes/)")
@click.option("--forms-dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="form-js forms and documents/*.html templates (default: forms/)")
@click.option("--note", default=None, help="change note recorded with every new version")
@click.option("--lane-map", "lane_map", multiple=True, metavar="LANE=ROLE[,LANE=ROLE]",
              help="map lanes of a foreign diagram to roles (stored with the version)")
def deploy(directory, forms_dir, note, lane_map):
    """Validate and deploy procedures as bundles (BPMN + DMN + forms + templates); unchanged bundles are a no-op."""
    settings = Settings.from_env()
    from pathlib import Path
    from engine.errors import InvalidProcess
    try:
        with transaction(_factory(settings)) as session:
            results = deploy_mod.deploy_directory(
                session, Path(directory) if directory else settings.processes_dir, deployed_by="cli",
                forms_dir=Path(forms_dir) if forms_dir else None, note=note, lane_map=_lane_map(lane_map))
    except InvalidProcess as exc:
        click.echo(f"deploy failed: {exc.detail}", err=True)
        _print_problems(exc.problems)
        sys.exit(2)
    except EngineError as exc:
        click.echo(f"deploy failed: {exc}", err=True)
        sys.exit(2)
    for r in results:
        state = "deployed" if r.created else ("reactivated" if r.reactivated else "unchanged")
        click.echo(f"{r.key}: version {r.version} {state} ({r.content_hash[:12]})")


@main.command("seed-demo")
def seed_demo():
    """Create the demo organisation and users (password zhifa-demo)."""
    settings = Settings.from_env()
    try:
        with transaction(_factory(settings)) as session:
            n = seed_mod.seed_demo(session)
    except EngineError as exc:
        click.echo(f"seed failed: {exc}", err=True)
        sys.exit(2)
    click.echo(f"demo data ready ({n} users created)")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int)
@click.option("--no-setup", is_flag=True, help="skip migrate/deploy/seed")
@click.option("--demo/--no-demo", default=None,
              help="seed the demo organisation into an empty database (default: only for embedded SQLite)")
def run(host, port, no_setup, demo):
    """Run the platform for trying it out (Flask's server): migrate, deploy, and seed the demo organisation
    into an empty embedded database. For production use ``zhifa serve``."""
    settings = Settings.from_env()
    if not no_setup:
        _ensure_var(settings)
        upgrade(settings.database_url)
        with transaction(_factory(settings)) as session:
            deploy_mod.deploy_directory(session, settings.processes_dir, deployed_by="run")
            if demo if demo is not None else settings.database_url.startswith("sqlite"):
                created = seed_mod.seed_if_empty(session)
                click.echo("demo organisation seeded (password zhifa-demo)" if created else
                           "database holds real users: demo seed skipped" if created is None else
                           "demo organisation present")
    from api import create_app
    app = create_app(settings, demo=True)
    if settings.database_url.startswith("sqlite") and os.environ.get("ZHIFA_SCHEDULER", "on") != "off":
        from engine.deadlines.scheduler import start_background  # embedded default: sweeps in this process
        start_background(_factory(settings))
    app.run(host=host, port=port, threaded=True)


@main.command()
@click.option("--bind", default=None, help="host:port (ZHIFA_BIND; default 127.0.0.1:$PORT or :8000)")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="worker processes (ZHIFA_WORKERS; default 2 per CPU, 2–8)")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="threads per worker (ZHIFA_THREADS, 1)")
@click.option("--timeout", type=click.IntRange(5, 3600), default=None,
              help="seconds before a stuck worker is restarted (ZHIFA_WORKER_TIMEOUT, 60)")
def serve(bind, workers, threads, timeout):
    """Serve the platform in production: gunicorn, JSON logs with request ids. Run ``zhifa db upgrade``,
    ``zhifa deploy`` and ``zhifa org import`` first, and one or more ``zhifa scheduler`` beside it."""
    from api import observability
    from api.serve import options_from_env, serve as run_server
    from api.security import MissingSecretKey
    observability.configure_logging(os.environ.get("ZHIFA_LOG_FORMAT", "json"),
                                    os.environ.get("ZHIFA_LOG_LEVEL", "INFO"))
    options = options_from_env()
    for key, value in (("bind", bind), ("workers", workers), ("threads", threads), ("timeout", timeout)):
        if value is not None:
            options[key] = value
    try:
        run_server(options)
    except MissingSecretKey as exc:
        click.echo(f"zhifa serve: {exc}", err=True)
        sys.exit(2)


@main.group()
def org():
    """Organisation: units, users and roles."""


@org.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="report what would change, change nothing")
@click.option("--passwords-out", type=click.Path(dir_okay=False), default=None,
              help="write new users' temporary passwords to this CSV file (default: print them)")
def org_import(path, dry_run, passwords_out):
    """Bring units, users and roles in line with a YAML or CSV file (idempotent; reports what changed)."""
    import csv
    from pathlib import Path
    from engine.orgadmin import CLI, importer
    settings = Settings.from_env()
    fmt = Path(path).suffix.lower().lstrip(".")
    try:
        with transaction(_factory(settings)) as session:
            report = importer.apply(session, CLI.__class__(actor_id=None, name="cli:org-import"),
                                    importer.parse(Path(path).read_text(encoding="utf-8-sig"), fmt))
            if dry_run:
                session.rollback()
    except EngineError as exc:
        click.echo(f"import failed, nothing changed: {exc.detail}", err=True)
        for field, messages in (getattr(exc, "errors", None) or {}).items():
            click.echo(f"  {field}: {'; '.join(messages)}", err=True)
        sys.exit(2)
    except UnicodeDecodeError:
        click.echo("import failed: the file must be UTF-8", err=True)
        sys.exit(2)
    prefix = "would " if dry_run else ""
    if not report.changed:
        click.echo("no change: the database already matches the file")
    for name, value in vars(report).items():
        if name == "passwords" or not value:
            continue
        items = value if isinstance(value, list) else [f"{k} {v}" for k, v in value.items()]
        click.echo(f"{prefix}{name.replace('_', ' ')} ({len(items)}): {', '.join(map(str, items))}")
    if report.passwords and not dry_run:
        if passwords_out:
            with open(passwords_out, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["username", "temporary_password"])
                writer.writerows(sorted(report.passwords.items()))
            os.chmod(passwords_out, 0o600)
            click.echo(f"temporary passwords of {len(report.passwords)} new users: {passwords_out}")
        else:
            click.echo("temporary passwords (to be changed at first login):")
            for username, password in sorted(report.passwords.items()):
                click.echo(f"  {username}\t{password}")


@main.command()
@click.option("--interval", type=float, default=None, help="seconds between sweeps (ZHIFA_SCHEDULER_INTERVAL, 30)")
@click.option("--once", is_flag=True, help="sweep until nothing is due (or ZHIFA_SCHEDULER_BUDGET) and exit")
@click.option("--exit-when-idle", is_flag=True, help="exit once nothing is due (tests, batch runs)")
def scheduler(interval, once, exit_when_idle):
    """Run the deadline sweeps: fire due BPMN timers, advance clock colours, escalate (safe to run several)."""
    import json
    from api import observability
    from engine.deadlines import scheduler as sched_mod, sweeps
    observability.configure_logging(os.environ.get("ZHIFA_LOG_FORMAT", "text"),
                                    os.environ.get("ZHIFA_LOG_LEVEL", "INFO"))
    factory = _factory(Settings.from_env())
    if once:
        totals = sweeps.drain(factory)
    else:
        sched, job = sched_mod.build(factory, blocking=True, interval=interval, exit_when_idle=exit_when_idle)
        try:
            sched.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        totals = job.totals
    click.echo(json.dumps({name: vars(r) for name, r in totals.items()}))


@main.command()
@click.option("--all", "everyone", is_flag=True, help="every entity, not only yellow and red (after a new colour table)")
@click.option("--batch", type=click.IntRange(1, 10000), default=200, help="entities per transaction")
def recolour(everyone, batch):
    """三色赋码: recompute colours now as penalties and complaints leave their look-back windows (the scheduler
    does this nightly at ZHIFA_RECOLOUR_AT, 02:30). Each change is recorded with its cause in words."""
    import json
    from engine.entities.recolour import sweep as recolour_sweep
    result = recolour_sweep(_factory(Settings.from_env()), batch=batch, everyone=everyone)
    click.echo(json.dumps(vars(result)))
    sys.exit(1 if result.failed else 0)


@main.command("verify-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def verify_archive(file, as_json):
    """Check an exported case file (ZIP) offline: every member's SHA-256, the event hash chain, the process
    version, and a replay of the whole history on the bundled version. No database or server is used.
    Exit status 0 = intact, 1 = problems found."""
    import json
    from engine.archive.verify import verify_archive as check
    report = check(file)
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "case_number": report.case_number, "chain_head": report.chain_head,
                               "events": report.events, "members": report.members, "replay": report.replay,
                               "problems": [{"where": p.where, "what": p.what} for p in report.problems]},
                              ensure_ascii=False, indent=1))
    else:
        click.echo(f"卷宗 case file: {report.case_number or '?'}")
        click.echo(f"文件 members: {report.members} · 事件 events: {report.events}")
        click.echo(f"链头 chain head: {report.chain_head or '-'}")
        if report.replay:
            click.echo(f"重演 replay: {report.replay}")
        for problem in report.problems:
            click.echo(f"✗ {problem}", err=True)
        click.echo("✓ 校验通过 (intact)" if report.ok else f"✗ 校验未通过：{len(report.problems)} 处问题 (altered)")
    sys.exit(0 if report.ok else 1)


@main.command("verify-cases")
@click.option("--limit", type=int, default=1000, help="cases to check in this run (oldest check first)")
def verify_cases(limit):
    """Re-verify cases now (hash chain + replay) and record their verdicts (the scheduler does this hourly)."""
    import json
    from engine.integrity import sweep
    counts = sweep(_factory(Settings.from_env()), limit=limit, min_age_seconds=0)
    click.echo(json.dumps(counts))


from api.cli_migrate import migrate as _migrate  # noqa: E402  (moving running cases: its own module)

main.add_command(_migrate)


if __name__ == "__main__":
    main()
