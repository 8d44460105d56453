"""What a BPMN script or expression may be written with: an allow-list of Python syntax, then RestrictedPython.

Compilation has three stages, all refusing with :class:`ScriptRejected` (a precise message naming the line):

1. an allow-list over the parsed syntax tree — statements: assignment, ``if``/``for``/``while``, ``try``
   with named exception types, ``raise``, ``del``, ``pass``/``break``/``continue``; expressions: literals,
   names, attribute and item access, calls without ``*``/``**`` unpacking, operators, comparisons,
   conditional expressions, comprehensions, lambdas and f-strings with plain fields. Everything else
   (``import``, ``def``/``class``/decorators, ``with``, ``match``, ``global``, ``yield``, ``async``,
   walrus, bare ``except``, starred unpacking, f-string format specs beyond simple number formats) is refused;
2. RestrictedPython's transformer: no name or attribute starting with ``_``, attribute access through
   ``_getattr_``, item access through ``_getitem_``, iteration through ``_getiter_``, writes through
   ``_write_``, augmented assignment through ``_inplacevar_``;
3. this module's additions: ``*``, ``**``, ``<<``, ``+``, ``%`` go through ``_binop_``, comparison operands
   through ``_cmp_``, f-string fields through ``_fmt_`` (see :mod:`engine.sandbox.guards`).

:func:`static_check` adds deploy-time checks that need no data: a ``while`` loop whose condition is a
true constant and that has no ``break`` never ends; constant operations the guards would refuse (e.g.
``'x' * 10**12``) are refused at deploy.
"""
from __future__ import annotations

import ast
import re
import operator
from functools import lru_cache

from RestrictedPython import compile_restricted
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from engine.sandbox.limits import SCRIPT_FILENAME

MAX_SOURCE = 20_000


class ScriptRejected(Exception):
    """A script uses a construct the sandbox forbids, or exceeded its run budget."""


_ALLOWED = (
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.For, ast.While, ast.Break,
    ast.Continue, ast.Pass, ast.Try, ast.ExceptHandler, ast.Raise, ast.Delete, ast.Assert,
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp, ast.Dict, ast.Set, ast.ListComp, ast.SetComp,
    ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.Compare, ast.Call, ast.keyword, ast.JoinedStr,
    ast.FormattedValue, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.Name, ast.List, ast.Tuple,
    ast.arguments, ast.arg,
    ast.Load, ast.Store, ast.Del, ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Pow, ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.Invert, ast.Not, ast.UAdd,
    ast.USub, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
)
_DESCRIBE = {
    ast.Import: "import", ast.ImportFrom: "import", ast.FunctionDef: "def", ast.ClassDef: "class",
    ast.With: "with", ast.Match: "match", ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Yield: "yield",
    ast.YieldFrom: "yield from", ast.Await: "await", ast.AsyncFunctionDef: "async def", ast.NamedExpr: ":=",
    ast.Starred: "* 解包 (starred unpacking)", ast.TryStar: "except*", ast.AnnAssign: "annotation",
}
# Simple number/alignment specs only: a width of at most three digits.
_FORMAT_SPEC = re.compile(r"[<>^=]?[+\- ]?#?0?\d{0,3}[,_]?(\.\d{1,2})?[bdefgnoxX%]?\Z")
_GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}
_PLAIN_OPS = {ast.Sub: operator.sub, ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
              ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
              ast.BitAnd: operator.and_, ast.MatMult: operator.matmul}


def _line(node) -> str:
    return f"第 {getattr(node, 'lineno', '?')} 行 (line {getattr(node, 'lineno', '?')})"


def _allow_list(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            what = _DESCRIBE.get(type(node), type(node).__name__)
            raise ScriptRejected(f"{_line(node)}: 脚本中不允许使用 {what}；'{what}' is not allowed in scripts")
        if isinstance(node, ast.ExceptHandler) and node.type is None:
            raise ScriptRejected(f"{_line(node)}: except 须写明异常类型（如 except Exception）；bare except")
        if isinstance(node, ast.keyword) and node.arg is None:
            raise ScriptRejected(f"{_line(node)}: 不允许 ** 解包；'**' unpacking is not allowed")
        if isinstance(node, ast.Dict) and any(key is None for key in node.keys):
            raise ScriptRejected(f"{_line(node)}: 不允许 ** 解包；'**' unpacking is not allowed")
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = node.format_spec
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
            if not all(isinstance(p, ast.Constant) for p in parts) or not _FORMAT_SPEC.match(text):
                raise ScriptRejected(f"{_line(node)}: 不支持的格式说明 {text!r}；format spec not allowed")


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus guarded operators, comparisons and f-string fields."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(op), node.left, node.right],
                        keywords=[])
        copy_locations(call, node)
        return call

    def visit_Compare(self, node):
        node = self.node_contents_visit(node)
        node.left = self._wrap("_cmp_", node.left)
        node.comparators = [self._wrap("_cmp_", c) for c in node.comparators]
        return node

    def visit_FormattedValue(self, node):
        node = self.node_contents_visit(node)
        node.value = self._wrap("_fmt_", node.value)
        return node

    @staticmethod
    def _wrap(guard: str, expr):
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[expr], keywords=[])
        copy_locations(call, expr)
        return call


def parse(source: str, mode: str) -> ast.AST:
    if not isinstance(source, str):
        raise ScriptRejected("脚本必须是文本；script must be text")
    if len(source) > MAX_SOURCE:
        raise ScriptRejected(f"脚本过长（{len(source)} > {MAX_SOURCE} 字符）；script too long")
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRejected(f"第 {exc.lineno} 行语法错误 (syntax error, line {exc.lineno}): {exc.msg}") from None
    except ValueError as exc:  # NUL bytes
        raise ScriptRejected(f"脚本无法解析；cannot parse script: {exc}") from None
    _allow_list(tree)
    return tree


@lru_cache(maxsize=4096)
def compile_script(source: str, mode: str):
    """Compile ``source`` (mode ``exec`` or ``eval``) for the sandbox; raises :class:`ScriptRejected`."""
    tree = parse(source, mode)
    try:
        return compile_restricted(tree, filename=SCRIPT_FILENAME, mode=mode, policy=_Policy)
    except SyntaxError as exc:  # RestrictedPython reports its refusals as one SyntaxError
        raise ScriptRejected(_restricted_message(exc)) from None


def check(source: str, mode: str) -> None:
    """Deploy-time check: compiles under the policy and runs :func:`static_check`."""
    compile_script(source, mode)
    static_check(parse(source, mode))


def _restricted_message(exc: SyntaxError) -> str:
    lines = [m for m in (exc.msg if isinstance(exc.msg, (list, tuple)) else str(exc.msg).split("\n")) if m]
    return "脚本不安全，已拒绝 (script refused): " + "; ".join(lines)


def static_check(tree: ast.AST) -> None:
    from engine.sandbox.guards import ScriptError, guarded_binop  # noqa: PLC0415 - avoid an import cycle

    for node in ast.walk(tree):
        if isinstance(node, ast.While) and _constant_true(node.test) and not _has_break(node):
            raise ScriptRejected(f"{_line(node)}: 循环永不结束（while 条件恒真且没有 break）；endless loop")
        if isinstance(node, ast.BinOp) and type(node.op) in _GUARDED_OPS and _constant(node):
            try:
                _fold(node, guarded_binop)
            except ScriptError as exc:
                raise ScriptRejected(f"{_line(node)}: {exc}") from None
            except Exception:  # noqa: BLE001 - ordinary arithmetic errors are the script's business at run time
                pass


def _constant(node) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp):
        return _constant(node.left) and _constant(node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _constant(node.operand)
    return False


def _fold(node, binop):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        return -_fold(node.operand, binop)
    left, right = _fold(node.left, binop), _fold(node.right, binop)
    op = _GUARDED_OPS.get(type(node.op))
    if op is None:
        return _PLAIN_OPS[type(node.op)](left, right)
    return binop(op, left, right)


def _constant_true(test) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _has_break(loop: ast.While) -> bool:
    stack = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.While, ast.For)):
            continue  # a break in an inner loop ends that loop only
        stack.extend(ast.iter_child_nodes(node))
    return False
