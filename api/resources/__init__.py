"""One flask-smorest blueprint per resource, all under /api/v1."""
from __future__ import annotations

from api.resources import audit, auth, cases, me, meta, processes, tasks
from api.resources import design  # designers' workspace (engine.validation, engine.bundles)
from api.resources import clocks, notifications  # deadlines (engine/deadlines)
from api.resources import intake, leads  # intake (engine/intake)
from api.resources import account, admin  # organisation administration (engine/orgadmin)
from api.resources import attachments, documents  # evidence files, 执法文书 (issue 12)
from api.resources import entities, performance, plans  # supervision (engine/entities, engine/performance)
from api.resources import migrations  # moving running cases to another version (engine/migration)

BLUEPRINTS = [meta.blp, auth.blp, me.blp, processes.blp, cases.blp, tasks.blp, audit.blp, clocks.blp, notifications.blp,
              leads.blp, intake.blp, intake.channel_blp, account.blp, admin.blp,
              attachments.blp,
              documents.blp,
              entities.blp, plans.blp, performance.blp,
              design.blp, migrations.blp]
