"""Known ways out of Python sandboxes: every one is refused, at compile time where the syntax shows it,
otherwise at run time by the guards — and nothing reaches the interpreter's internals."""
from __future__ import annotations

import pytest

from engine import sandbox
from engine.sandbox import ScriptRejected

# (name, source): each must be refused by check() (deploy time) — the syntax alone gives it away.
COMPILE_TIME = [
    ("match/format chain", 'match "":\n    case str(format=fmt):\n        pass\n'
                           'leak = fmt("{0.__class__.__mro__[1].__subclasses__}", "")'),
    ("match on anything", "match x:\n    case _:\n        pass"),
    ("__subclasses__", "k = ().__class__.__bases__[0].__subclasses__()"),
    ("__traceback__", "try:\n    1 / 0\nexcept Exception as e:\n    tb = e.__traceback__"),
    ("__globals__ of a lambda", "g = (lambda: 0).__globals__"),
    ("__code__", "c = (lambda: 0).__code__"),
    ("__builtins__", "b = __builtins__"),
    ("dunder in f-string field", 'leak = f"{x.__class__}"'),
    ("nested format spec", 'leak = f"{x:{w}}"'),
    ("huge f-string width", 'leak = f"{x:>1000000000}"'),
    ("decorator", "@f\ndef g():\n    pass"),
    ("def", "def g():\n    return 1"),
    ("class", "class A:\n    pass"),
    ("import", "import os"),
    ("from import", "from os import system"),
    ("global", "global x"),
    ("with", "with x:\n    pass"),
    ("yield / generator frames", "def g():\n    yield 1"),
    ("walrus", "y = [(z := 1)]"),
    ("starred", "y = [*x]"),
    ("double star", "y = dict(**x)"),
    ("bare except", "try:\n    pass\nexcept:\n    pass"),
    ("exec", "exec('1')"),
    ("eval", "eval('1')"),
    ("private name", "_x = 1"),
    ("fullwidth dunder (NFKC-normalised)", "k = x.\uff3f\uff3fclass\uff3f\uff3f"),
    ("comprehension reaching dunders", "k = [c.__class__ for c in [1]]"),
    ("dunder through a lambda in a comprehension", "k = [(lambda: y.__dict__)() for y in [1]]"),
    ("endless loop", "while True:\n    pass"),
    ("constant allocation bomb", "s = 'x' * 10**12"),
    ("constant power bomb", "n = 10 ** 10 ** 8"),
    ("syntax error", "x ="),
    ("NUL byte", "x = 1\0"),
    ("too long", "x = 1\n" * 5000),
]

# (name, source, context): compile fine, refused while running (a ScriptRejected or a NameError).
RUN_TIME = [
    ("str.format", '"{0.__class__}".format(1)', {}),
    ("format_map", '"{x.__globals__}".format_map({"x": len})', {}),
    ("fullwidth format (NFKC-normalised)", '"{0}".\uff46\uff4f\uff52\uff4d\uff41\uff54(1)', {}),
    ("str.format through the class", 'str.format("{0.__class__}", 1)', {}),
    ("str.format through map", 'list(map(str.format, ["{0.__class__}"], [1]))', {}),
    ("mro", "str.mro()", {}),
    ("generator gi_frame", "(i for i in [1]).gi_frame", {}),
    ("generator gi_code", "(i for i in [1]).gi_code", {}),
    ("generator send", "(i for i in [1]).send", {}),
    ("exception .obj", None, {}),
    ("exception .args", None, {}),
    ("lambda attributes", "(lambda: 0).func_globals", {}),
    ("class attribute of a data class", "date.today()", {}),
    ("datetime.now", "datetime.now()", {}),
    ("timedelta class internals", "timedelta.max", {}),
    ("dict.fromkeys", "dict.fromkeys([1])", {}),
    ("attribute of data", "x.real", {"x": 1}),
    ("item of a type", "str[0]", {}),
    ("setting attributes", None, {}),
    ("%-formatting", '"%s" % (1,)', {}),
    ("container in f-string", 'f"{[1, 2]}"', {}),
]
EXCEPTION_ATTRS = {
    "exception .obj": "try:\n    x.nope\nexcept Exception as e:\n    o = e.obj",
    "exception .args": "try:\n    x.nope\nexcept Exception as e:\n    o = e.args",
    "setting attributes": "d = {}\nd.y = 1\nx.y = 2",
}

MISSING_BUILTINS = ["getattr", "setattr", "type", "vars", "globals", "locals", "dir", "open", "__import__",
                    "compile", "breakpoint", "input", "help", "memoryview", "object", "super", "classmethod",
                    "property", "print", "repr", "format", "iter", "next", "id", "hash", "chr", "ord",
                    "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"]


@pytest.mark.parametrize("name,source", COMPILE_TIME, ids=[c[0] for c in COMPILE_TIME])
def test_refused_at_deploy(name, source):
    with pytest.raises(ScriptRejected):
        sandbox.check(source, "exec")
    with pytest.raises(ScriptRejected):  # and never runs either
        sandbox.run(source, {"x": 1, "f": 1, "w": 10})


@pytest.mark.parametrize("name,source,context", RUN_TIME, ids=[c[0] for c in RUN_TIME])
def test_refused_at_run_time(name, source, context):
    source = source or EXCEPTION_ATTRS[name]
    mode = "exec" if "\n" in source or "=" in source.split("(")[0] else "eval"
    with pytest.raises(ScriptRejected) as caught:
        if mode == "eval":
            sandbox.evaluate(source, {"x": object(), **context})
        else:
            sandbox.run(source, {"x": 1, **context})
    assert "attribute" in str(caught.value) or "不" in str(caught.value)


@pytest.mark.parametrize("name", MISSING_BUILTINS)
def test_dangerous_builtins_do_not_exist(name):
    if name.startswith("_") or name == "breakpoint":  # refused by name at compile time
        with pytest.raises(ScriptRejected):
            sandbox.evaluate(f"{name}", {})
        return
    with pytest.raises(NameError):
        sandbox.evaluate(f"{name}", {})


def test_issue_chain_never_reaches_popen(tmp_path):
    """The exploit reported in issue 9, end to end: refused, and its side effect never happens."""
    marker = tmp_path / "pwned"
    chain = ('match "":\n    case str(format=fmt):\n        pass\n'
             'cls = fmt("{0.__class__.__base__.__subclasses__}", "")\n'
             f'popen("touch {marker}")')
    with pytest.raises(ScriptRejected, match="[Mm]atch"):
        sandbox.run(chain, {})
    assert not marker.exists()


def test_exceptions_raised_in_scripts_carry_their_message_only():
    with pytest.raises(ValueError, match="至少需要一个参检部门"):
        sandbox.run('raise ValueError("至少需要一个参检部门")', {})


def test_only_plain_data_is_written_back():
    ctx = {"fine": 1200, "days_late": 40}
    sandbox.run("surcharge = min(fine, round(fine * 0.03 * days_late))\n"
                "helper = lambda v: v\n"
                "gen = (i for i in [1])\n"
                "due = (date(2026, 10, 9) + timedelta(days=15)).isoformat()\n"
                "del days_late\n", ctx)
    assert ctx == {"fine": 1200, "surcharge": 1200, "due": "2026-10-24"}


@pytest.mark.parametrize("expression,expected", [
    ("sum(x for x in items if x > 1)", 5),
    ("sorted(items, key=lambda v: -v)[0]", 3),
    ("isinstance(name, str) and name.strip().upper()", "AB"),
    ('f"{fine:.2f}元"', "1200.00元"),
    ('"-".join(str(i) for i in items)', "1-2-3"),
    ("date.fromisoformat('2026-10-09').weekday()", 4),
    ("{k: v for k, v in {'a': 1}.items()}", {"a": 1}),
    ("[a for a, b in [(1, 2)]]", [1]),
    ("Decimal('12.345').quantize(Decimal('0.01'))", __import__("decimal").Decimal("12.34")),
    ("'x' * 3 + 'y'", "xxxy"),
    ("2 ** 10", 1024),
    ("10 % 3", 1),
    ("dict(party, found_by='a')['found_by']", "a"),
    ("party.get('name', '')[:1]", "张"),
])
def test_what_procedures_use_still_works(expression, expected):
    data = {"items": [1, 2, 3], "name": " ab ", "fine": 1200, "party": {"name": "张三"}}
    assert sandbox.evaluate(expression, data) == expected


def test_loops_lists_and_dicts_in_scripts():
    ctx = {"findings": {"b": {"result": "correct"}, "a": {"result": "no_problem"}}}
    sandbox.run("passed = sorted(k for k in findings if findings[k]['result'] == 'no_problem')\n"
                "rechecks = {}\n"
                "for k in sorted(findings):\n"
                "    if findings[k]['result'] == 'correct':\n"
                "        rechecks[k] = {'agency': k}\n"
                "total = 0\n"
                "for i in range(5):\n"
                "    total += i\n"
                "names = []\n"
                "names += ['x']\n"
                "names.extend(['y'])\n", ctx)
    assert ctx["passed"] == ["a"] and ctx["rechecks"] == {"b": {"agency": "b"}}
    assert ctx["total"] == 10 and ctx["names"] == ["x", "y"]
