"""Field labels for people (history, case-file export) come from the forms the case's version was deployed with."""
from __future__ import annotations

import json

from sqlalchemy import select

from engine import labels
from engine.db import transaction
from engine.models import ProcessVersion


def test_labels_follow_the_version_bundle_not_todays_forms(sessions, deployed):
    with transaction(sessions) as session:
        version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "simple_procedure")
                                 .order_by(ProcessVersion.version.desc()).limit(1))
        key = version.properties["startForm"]
        today = labels.for_version(version)
        assert today.fields["cause"] and key in today.forms
        bundle = dict(version.bundle)
        forms = dict(bundle["forms"])
        form = json.loads(forms[key])
        for comp in form["components"]:
            if comp.get("key") == "cause":
                comp["label"] = "案由（该版本的标签）"
        forms[key] = json.dumps(form, ensure_ascii=False)
        bundle["forms"] = forms
        version.bundle = bundle           # as if this version had been deployed with that label
        version.content_hash = "x" * 64   # a different bundle has a different hash (the parsed-forms cache key)
        session.flush()
        assert labels.for_version(version).fields["cause"] == "案由（该版本的标签）"
