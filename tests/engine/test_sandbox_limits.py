"""Scripts that loop or allocate without bound are stopped with a clear error, and cannot swallow the stop."""
from __future__ import annotations

import pytest

from engine import sandbox
from engine.sandbox import ScriptLimitExceeded, ScriptRejected

RUNAWAYS = [
    ("endless loop", "n = 0\nwhile n >= 0:\n    n += 1", "步数"),
    ("loop that swallows errors", "n = 0\nwhile n >= 0:\n    try:\n        n += 1\n    except Exception:\n"
                                  "        pass", "步数"),
    ("loop in a comprehension", "y = [i for i in range(1000000) for j in range(1000000)]", "步数"),
    ("recursion through a lambda", "f = lambda n: f(n + 1)\nf(0)", "调用层次"),
    ("allocation in a loop", "keep = []\nfor i in range(1000):\n    keep.append('x' * 900000)", "内存"),
    ("huge repetition", "s = 'x' * n", "过大"),
    ("huge power", "p = 7 ** n", "过大"),
    ("huge shift", "p = 1 << n", "过大"),
    ("doubling by concatenation", "s = 'ab'\nfor i in range(64):\n    s = s + s", "过大"),
    ("doubling in place", "s = ['ab']\nfor i in range(64):\n    s += s", "过大"),
    ("doubling by extend", "s = [1]\nfor i in range(64):\n    s.extend(s)", "过大"),
    ("replace amplification", "s = 'x' * 1000\nfor i in range(64):\n    s = s.replace('x', 'xx')", "过大"),
    ("join amplification", "s = 'x' * 1000\nfor i in range(64):\n    s = s.join([s, s, s])", "过大"),
    ("padding", "s = 'x'.ljust(n)", "过大"),
    ("zero fill", "s = 'x'.zfill(n)", "过大"),
    ("huge range", "r = list(range(n))", "range"),
    ("repeat a container", "s = [[1]] * 1000", "容器"),
    ("str of a huge structure", "a = list(range(100000))\ns = str([a, a])", "过大"),
    ("round to huge precision", "r = round(5, -n)", "位数"),
    ("huge decimal", "d = Decimal('1e999999')", "范围"),
    ("compare huge shared structures", "a = list(range(1000))\nb = [a for i in range(1000)]\n"
                                       "c = [b for i in range(200)]\nd = [b for i in range(200)]\nq = c == d", "比较"),
    ("result too large to store", "a = list(range(1000))\nb = [a for i in range(1000)]", "过大"),
    ("sum of lists (quadratic)", "s = sum([[1], [2]], [])", "sum"),
]


@pytest.mark.parametrize("name,source,words", RUNAWAYS, ids=[r[0] for r in RUNAWAYS])
def test_runaway_scripts_are_stopped(name, source, words):
    ctx = {"n": 10**12}
    with pytest.raises(ScriptRejected) as caught:
        sandbox.run(source, ctx)
    assert words in str(caught.value)
    assert set(ctx) == {"n"}  # nothing the script made was written back


def test_a_stopped_script_stays_stopped_whatever_it_catches():
    script = ("n = 0\n"
              "while n >= 0:\n"
              "    try:\n"
              "        while n >= 0:\n"
              "            n += 1\n"
              "    except Exception:\n"
              "        n = 0\n"
              "    except ValueError:\n"
              "        n = 0\n")
    with pytest.raises(ScriptLimitExceeded, match="步数"):
        sandbox.run(script, {})


def test_conditions_are_bounded_too():
    with pytest.raises(ScriptRejected):
        sandbox.evaluate("len('x' * n) > 0", {"n": 10**12})
    with pytest.raises(ScriptLimitExceeded):
        sandbox.evaluate("all(i >= 0 for i in range(1000000) for j in range(1000000))", {})


def test_budget_is_per_run_not_per_process():
    for _ in range(3):
        ctx = {}
        sandbox.run("total = 0\nfor i in range(20000):\n    total += i", ctx)
        assert ctx["total"] == sum(range(20000))


def test_tracer_of_the_caller_is_restored():
    import sys

    def outer(frame, event, arg):
        return None
    sys.settrace(outer)
    try:
        sandbox.evaluate("1 + 1", {})
        assert sys.gettrace() is outer
    finally:
        sys.settrace(None)
