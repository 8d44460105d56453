"""``zhifa migrate``: move running cases of one procedure version to another (dry run first)."""
from __future__ import annotations

import sys

import click
from sqlalchemy import select

from engine import migration
from engine.config import Settings
from engine.db import make_engine, make_session_factory, transaction
from engine.errors import EngineError, ValidationFailed
from engine.models import Case, User
from engine.org import SYSTEM, actor_for


def _source(value: str) -> tuple[str, int]:
    key, sep, number = value.rpartition(":")
    if not sep or not key or not number.isdigit():
        raise click.BadParameter(f"{value!r}: expected PROCEDURE:VERSION, e.g. ordinary_procedure:1",
                                 param_hint="--from")
    return key, int(number)


@click.command("migrate")
@click.option("--from", "source", required=True, metavar="PROCEDURE:VERSION", help="e.g. ordinary_procedure:1")
@click.option("--to", "target", required=True, type=int, metavar="VERSION", help="the target version number")
@click.option("--map", "mapping", multiple=True, metavar="SOURCE=TARGET",
              help="map a source element id to a target element id (renamed steps); repeatable")
@click.option("--dry-run", is_flag=True, help="only judge every running case; change nothing")
@click.option("--case", "numbers", multiple=True, metavar="CASE_NUMBER", help="only these cases (repeatable)")
@click.option("--keep-open-tasks", is_flag=True,
              help="open tasks keep their title, form, templates and deadline (default: follow the target)")
@click.option("--reason", default="命令行迁移（zhifa migrate）", show_default=True, help="recorded in every case's log")
@click.option("--by", "username", default=None, help="the designer or administrator recorded as the actor")
@click.option("--batch", type=click.IntRange(1, 5000), default=200, show_default=True, help="cases per batch")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="batches moved side by side, each on its own database connection")
def migrate(source, target, mapping, dry_run, numbers, keep_open_tasks, reason, username, batch, workers):
    """Move running cases of PROCEDURE:VERSION to version --to: safe cases move, each under its case lock."""
    key, from_version = _source(source)
    factory = make_session_factory(make_engine(Settings.from_env().database_url))
    try:
        with transaction(factory) as session:
            actor = SYSTEM
            if username:
                user = session.scalar(select(User).where(User.username == username))
                if user is None:
                    raise ValidationFailed(f"no user {username!r}", {"by": ["unknown user"]})
                actor = actor_for(session, user)
            plan = migration.create_plan(session, actor, key, from_version, target, list(mapping),
                                         not keep_open_tasks, reason, by_name=username or "cli")
            plan_id = plan.id
            ids = None
            if numbers:
                found = dict(session.execute(select(Case.number, Case.id).where(Case.number.in_(numbers))).all())
                unknown = [n for n in numbers if n not in found]
                if unknown:
                    raise ValidationFailed(f"unknown case numbers: {', '.join(unknown)}", {"case": unknown})
                ids = [found[n] for n in numbers]
            if dry_run:
                verdicts = migration.dry_run(session, plan, ids)
    except EngineError as exc:
        click.echo(f"migrate failed: {exc.zh or exc.detail} ({exc.detail})", err=True)
        for field, messages in (getattr(exc, "errors", None) or {}).items():
            click.echo(f"  {field}: {'; '.join(map(str, messages))}", err=True)
        sys.exit(2)
    if dry_run:
        for v in verdicts:
            zh, en = migration.VERDICT_WORDS[v.level]
            first = next((r for r in v.reasons if r["level"] == v.level), None)
            why = f" — {first['zh']}" if first and v.level != migration.SAFE else ""
            click.echo(f"{v.number}\t{zh} ({en}){why}")
        counts = migration.summary(verdicts)
        click.echo(f"试运行 dry run (plan {plan_id}): {len(verdicts)} 件在办案件 running cases — "
                   f"可以迁移 safe {counts['safe']}, 需要映射 needs mapping {counts['needs_mapping']}, "
                   f"不能迁移 unsafe {counts['unsafe']}")
        return
    with factory() as session:
        actor = actor if actor is SYSTEM else actor_for(session, session.get(User, actor.user_id))
    results = migration.run_plan(factory, actor, plan_id, ids, batch=batch, workers=workers)
    counts = {migration.MIGRATED: 0, migration.REFUSED: 0, migration.FAILED: 0}
    for r in results:
        counts[r.outcome] += 1
        if r.outcome != migration.MIGRATED:
            click.echo(f"{r.number}\t未迁移 not moved — {r.reasons[0]['zh'] if r.reasons else ''}")
    click.echo(f"迁移 moved (plan {plan_id}): {counts['migrated']} 件已迁移 migrated, {counts['refused']} 件未迁移 "
               f"refused, {counts['failed']} 件失败 failed")
    sys.exit(1 if counts[migration.FAILED] else 0)
