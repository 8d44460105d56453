"""The guards RestrictedPython's compiled code calls, and the few builtins a procedure script may use.

Everything is an allow-list: an attribute is readable only if its (exact) type lists it below; items are
readable on dicts, lists, tuples and strings; only dicts and lists may be written. Operators that can
allocate without bound (``*``, ``**``, ``<<``, ``+`` on sequences, the padding/replace/join string methods,
``range``) check the size of their result first and charge it to the run's budget; ``%`` on strings is
refused, as is formatting of containers in f-strings and ``str()`` of large containers.
"""
from __future__ import annotations

import builtins
import datetime as _dt
import decimal
import math
import operator
from collections.abc import Iterable

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from engine.sandbox.limits import charge
from engine.sandbox.policy import ScriptRejected

MAX_LEN = 1_000_000        # characters of one string / elements of one sequence made by a script
MAX_INT_BITS = 64_000      # ~19,000 decimal digits
MAX_RANGE = 1_000_000
MAX_DECIMAL_EXPONENT = 99


class ScriptError(ScriptRejected):
    """A sandboxed script did something the sandbox refuses (raised at run time inside the script)."""


def _refuse(message: str):
    raise ScriptError(message)


_SCALARS = (str, int, float, bool, type(None), decimal.Decimal, _dt.date, _dt.datetime, _dt.timedelta)
_CONTAINERS = (list, tuple, dict, set, frozenset)

_STR = {"capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust",
        "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
        "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title",
        "upper", "zfill"}
_SET_READ = {"copy", "difference", "intersection", "isdisjoint", "issubset", "issuperset",
             "symmetric_difference", "union"}
_DATE = {"year", "month", "day", "isoformat", "weekday", "isoweekday", "replace", "toordinal"}
ALLOWED_ATTRIBUTES: dict[type, set[str]] = {
    str: _STR,
    list: {"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"},
    dict: {"clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"},
    set: _SET_READ | {"add", "clear", "difference_update", "discard", "intersection_update", "pop", "remove",
                      "update"},
    frozenset: _SET_READ,
    tuple: {"count", "index"},
    float: {"is_integer"},
    decimal.Decimal: {"quantize", "is_finite"},
    _dt.date: _DATE,
    _dt.datetime: _DATE | {"hour", "minute", "second", "microsecond", "date"},
    _dt.timedelta: {"days", "seconds", "microseconds", "total_seconds"},
}
# Attributes of the classes themselves (``date.fromisoformat(...)``).
ALLOWED_CLASS_ATTRIBUTES: dict[object, set[str]] = {
    _dt.date: {"fromisoformat"}, _dt.datetime: {"fromisoformat"}, _dt.timezone: {"utc"},
}


# ---------------------------------------------------------------- size-checked methods

def _check_len(n: int, what: str) -> None:
    if n > MAX_LEN:
        _refuse(f"{what}结果过大（{n} > {MAX_LEN}）；result too large")
    charge(n)


def _pad(s: str, name: str):
    method = getattr(s, name)

    def padded(width, *args):
        if isinstance(width, int):
            _check_len(width, "字符串填充")
        return method(width, *args)
    return padded


def _replace(s: str):
    def replace(old, new, count=-1):
        if isinstance(old, str) and isinstance(new, str):
            hits = (len(s) + 1) if old == "" else s.count(old)
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            _check_len(len(s) + hits * max(0, len(new) - len(old)), "字符串替换")
        return s.replace(old, new, count)
    return replace


def _join(sep: str):
    def join(items):
        items = list(guarded_iter(items))
        _check_len(sum(len(x) for x in items if isinstance(x, str)) + len(sep) * max(0, len(items) - 1),
                   "字符串连接")
        return sep.join(items)
    return join


def _extend(lst: list):
    def extend(items):
        items = list(guarded_iter(items))
        _check_len(len(lst) + len(items), "列表扩展")
        lst.extend(items)
    return extend


_WRAPPED = {
    (str, "center"): lambda s: _pad(s, "center"), (str, "ljust"): lambda s: _pad(s, "ljust"),
    (str, "rjust"): lambda s: _pad(s, "rjust"), (str, "zfill"): lambda s: _pad(s, "zfill"),
    (str, "replace"): _replace, (str, "join"): _join, (list, "extend"): _extend,
}


# ---------------------------------------------------------------- RestrictedPython hooks

def guarded_getattr(obj, name):
    if not isinstance(name, str) or name.startswith("_"):
        _refuse(f"不允许访问属性 {name!r}；attribute not allowed")
    kind = type(obj)
    if kind is bool:
        kind = int
    if isinstance(obj, type):
        if name in ALLOWED_CLASS_ATTRIBUTES.get(obj, ()):
            return getattr(obj, name)
    elif name in ALLOWED_ATTRIBUTES.get(kind, ()):
        wrap = _WRAPPED.get((kind, name))
        return wrap(obj) if wrap else getattr(obj, name)
    _refuse(f"不允许访问属性 {name!r}（{_type_label(obj)}）；attribute not allowed")


def _type_label(obj) -> str:
    return "类" if isinstance(obj, type) else type(obj).__name__


def guarded_getitem(obj, key):
    if type(obj) in (dict, list, tuple, str):
        return obj[key]
    _refuse(f"不允许对 {_type_label(obj)} 取下标；item access not allowed")


def guarded_iter(obj):
    return iter(obj)


class _ItemWriter:
    """What ``_write_`` hands back: item assignment and deletion only, never attributes."""

    __slots__ = ("target",)

    def __init__(self, target):
        object.__setattr__(self, "target", target)

    def __setitem__(self, key, value):
        self.target[key] = value

    def __delitem__(self, key):
        del self.target[key]

    def __setattr__(self, name, value):
        _refuse(f"不允许设置属性 {name!r}；setting attributes is not allowed")

    __delattr__ = __setattr__


def guarded_write(obj):
    if type(obj) in (dict, list):
        return _ItemWriter(obj)
    _refuse(f"不允许修改 {_type_label(obj)}；only dicts and lists can be changed")


def _int_bits(x) -> int:
    return abs(x).bit_length() if isinstance(x, int) else 0


def _seq_times(seq, n):
    if n > 0 and isinstance(seq, (list, tuple)) and any(isinstance(x, _CONTAINERS) for x in seq):
        _refuse("不允许重复含有容器的列表（请用推导式）；repeating a list of containers is not allowed")
    _check_len(len(seq) * max(n, 0), "重复")


def guarded_binop(op: str, a, b):
    if op == "*":
        if isinstance(a, int) and isinstance(b, (str, bytes, list, tuple)):
            _seq_times(b, a)
        elif isinstance(b, int) and isinstance(a, (str, bytes, list, tuple)):
            _seq_times(a, b)
        elif isinstance(a, int) and isinstance(b, int) and _int_bits(a) + _int_bits(b) > MAX_INT_BITS:
            _refuse("整数乘积过大；integer result too large")
        return a * b
    if op == "**":
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 \
                and _int_bits(a) * b > MAX_INT_BITS:
            _refuse("幂运算结果过大；power result too large")
        return a ** b
    if op == "<<":
        if isinstance(a, int) and isinstance(b, int) and a and _int_bits(a) + b > MAX_INT_BITS:
            _refuse("移位结果过大；shift result too large")
        return a << b
    if op == "+":
        if isinstance(a, (str, bytes, list, tuple)) and isinstance(b, (str, bytes, list, tuple)):
            _check_len(len(a) + len(b), "连接")
        return a + b
    if op == "%":
        if isinstance(a, (str, bytes)):
            _refuse("不支持 % 字符串格式化（请用 + 和 str()）；%-formatting is not allowed")
        return a % b
    raise ScriptError(f"unknown operator {op}")  # pragma: no cover - the compiler emits only the above


_INPLACE = {"+=": "+", "*=": "*", "**=": "**", "<<=": "<<", "%=": "%"}
_OTHER_INPLACE = {"-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv, ">>=": operator.rshift,
                  "&=": operator.and_, "|=": operator.or_, "^=": operator.xor, "@=": operator.matmul}


def guarded_inplace(op: str, x, y):
    if op == "+=" and type(x) is list:
        _extend(x)(y)
        return x
    if op in _INPLACE:
        return guarded_binop(_INPLACE[op], x, y)
    return _OTHER_INPLACE[op](x, y)


def guarded_format_value(value):
    """The value of an f-string field: plain values only (a container's text could be huge)."""
    if isinstance(value, _SCALARS):
        return value
    _refuse(f"f-字符串只能格式化简单值，不能格式化 {_type_label(value)}；only plain values can be formatted")


# ---------------------------------------------------------------- builtins

def _bounded_nodes(value, limit: int) -> bool:
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return False
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return True


class _GuardedType(type):
    """A metaclass so ``isinstance(x, str)`` still works when ``str`` is the guarded constructor."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.real)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.real)


class SafeStr(metaclass=_GuardedType):
    real = str

    def __new__(cls, value="", *args):
        if args:
            _refuse("str() 只接受一个参数；str() takes one argument here")
        if isinstance(value, _CONTAINERS) and not _bounded_nodes(value, 10_000):
            _refuse("不能把过大的容器转为字符串；container too large to convert to text")
        text = str(value)
        charge(len(text))
        return text


class SafeDecimal(metaclass=_GuardedType):
    real = decimal.Decimal

    def __new__(cls, value="0"):
        with decimal.localcontext(_DECIMAL_CONTEXT):
            number = decimal.Decimal(value)
        if number.is_finite() and abs(number.adjusted()) > MAX_DECIMAL_EXPONENT:
            _refuse("数值超出范围；number out of range")
        return number


_DECIMAL_CONTEXT = decimal.Context(prec=34, Emax=MAX_DECIMAL_EXPONENT, Emin=-MAX_DECIMAL_EXPONENT,
                                   traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero])


def safe_range(*args):
    r = range(*args)
    if len(r) > MAX_RANGE:
        _refuse(f"range 过大（{len(r)} > {MAX_RANGE}）；range too large")
    return r


def safe_round(number, ndigits=None):
    if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > 100:
        _refuse("round() 的位数超出范围；ndigits out of range")
    return round(number) if ndigits is None else round(number, ndigits)


def guarded_compare_operand(value):
    """An operand of ==, <, in …: a container is compared element by element, so bound and charge it."""
    if isinstance(value, _CONTAINERS):
        if not _bounded_nodes(value, 100_000):
            _refuse("比较的容器过大；container too large to compare")
        charge(len(value))
    return value


def safe_sum(items: Iterable, start=0):
    if not isinstance(start, (int, float, decimal.Decimal)):
        _refuse("sum() 只能对数值求和；sum() adds numbers only")
    return sum(guarded_iter(items), start)


_PLAIN = ("abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "int", "isinstance",
          "len", "list", "map", "max", "min", "reversed", "set", "sorted", "tuple", "zip", "frozenset",
          "True", "False", "None", "Exception", "ValueError", "KeyError", "TypeError", "IndexError",
          "ArithmeticError", "ZeroDivisionError", "LookupError", "NameError")
SAFE_BUILTINS = {name: getattr(builtins, name) for name in _PLAIN}
SAFE_BUILTINS.update({"str": SafeStr, "range": safe_range, "sum": safe_sum, "round": safe_round})

SAFE_GLOBALS = {
    "date": _dt.date, "datetime": _dt.datetime, "timedelta": _dt.timedelta, "timezone": _dt.timezone,
    "Decimal": SafeDecimal, "ceil": math.ceil, "floor": math.floor,
    # RestrictedPython's rewritten code calls these:
    "_getattr_": guarded_getattr, "_getitem_": guarded_getitem, "_getiter_": guarded_iter,
    "_write_": guarded_write, "_inplacevar_": guarded_inplace, "_binop_": guarded_binop,
    "_fmt_": guarded_format_value, "_cmp_": guarded_compare_operand, "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
}
