"""One validation service for procedures: ``zhifa deploy``, the API and the design page all call :func:`validate`.

It reports every problem at once, each with file, element id, element name and a message in Chinese (English
second). Errors block a deployment; warnings do not. The checks live in small modules by concept:

- :mod:`engine.validation.documents` — readable XML parse errors, BPMN/DMN root elements;
- :mod:`engine.validation.processes` — executable processes, user tasks (lane/role, form, deadline,
  properties), elements the platform cannot run, diagram layout (DI);
- :mod:`engine.validation.calls` — call activities: missing targets and every cycle;
- :mod:`engine.validation.expressions` — scripts, conditions and unit expressions refused by the restricted
  script environment, timer expressions that do not evaluate;
- :mod:`engine.validation.decisions` — DMN tables: used, and inputs some step provides.

Finally, when nothing above found an error, the SpiffWorkflow parser itself has the last word.
"""
from __future__ import annotations

from engine.validation.problems import ERROR, WARNING, Problem, Report
from engine.validation.service import validate

__all__ = ["Problem", "Report", "validate", "ERROR", "WARNING"]
