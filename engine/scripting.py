"""SpiffWorkflow's script environment, backed by the sandbox (:mod:`engine.sandbox`).

SpiffWorkflow's default environment runs plain ``eval``/``exec`` with full builtins. Every script, gateway
condition, DMN expression and engine-rule expression runs here instead: compiled under the sandbox's
allow-list with RestrictedPython, with guarded access and operators and a run budget.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine import sandbox
from engine.sandbox import ScriptLimitExceeded, ScriptRejected

check_source = sandbox.check


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts against task data, in the sandbox."""

    def evaluate(self, expression, context, external_context=None):
        return sandbox.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        sandbox.run(script, context, external_context)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRejected("service tasks are not available")


def make_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())


def evaluate(expression: str, data: dict):
    """Evaluate an expression against ``data`` in the sandbox (for engine-side rules)."""
    return sandbox.evaluate(expression, dict(data))


__all__ = ["RestrictedEnvironment", "ScriptRejected", "ScriptLimitExceeded", "check_source", "evaluate",
           "make_script_engine"]
