"""schemathesis's coverage phase over every operation (boundary values, wrong types, missing and unexpected
fields, out-of-range numbers, hostile strings in every parameter): never a 5xx.

schemathesis 3.x builds the coverage cases in ``_iter_coverage_cases`` (its ``add_coverage`` hook turns them
into Hypothesis examples); they are replayed here directly, capped per operation to bound the run time.
"""
from __future__ import annotations

from collections import Counter

import schemathesis
from schemathesis import DataGenerationMethod
from schemathesis._hypothesis import _iter_coverage_cases

PER_OPERATION = 60
SKIPPED = {("POST", "/api/v1/auth/logout")}  # would revoke the fuzzing user's own token; tested in test_auth


def test_coverage_phase_finds_no_server_error(app, auth, start):
    start("cn_officer1", "chengnan")
    headers = auth("cn_officer1")
    schema = schemathesis.from_wsgi("/api/openapi.json", app)
    statuses: Counter = Counter()
    failures = []
    methods = [DataGenerationMethod.positive, DataGenerationMethod.negative]
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for n, case in enumerate(_iter_coverage_cases(operation, methods)):
            if n >= PER_OPERATION:
                break
            try:
                response = case.call(headers={**headers, **(case.headers or {})})
            except (AttributeError, TypeError, ValueError):  # a shape werkzeug's test client cannot encode
                statuses["unsendable"] += 1
                continue
            statuses[response.status_code // 100] += 1
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} {case.query} "
                                f"{case.body!r:.200}")
    assert not failures, "\n".join(failures[:20])
    assert statuses[4] > 500 and statuses[2] >= 10, statuses  # both refusals and successes were exercised
