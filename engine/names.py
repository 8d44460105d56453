"""Name keys for matching organisations and persons written differently: full-width/half-width forms, spaces,
brackets, Latin case, and 有限责任公司 written as 有限公司. Pure functions (models, migrations and matching)."""
from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")",
                           "［": "(", "］": ")", "｛": "(", "｝": ")", "{": "(", "}": ")", "〖": "(", "〗": ")"})
_DROP = re.compile(r"[\s·・•\.。,，、'\"“”‘’]+")
_SUFFIXES = (("有限责任公司", "有限公司"),)


def name_key(name: str | None) -> str | None:
    """The key two spellings of one name share: 杭州ＡＢＣ 餐饮有限责任公司（城南店） → 杭州ABC餐饮有限公司(城南店)."""
    if not name or not isinstance(name, str):
        return None
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    text = _DROP.sub("", text).upper()
    for long, short in _SUFFIXES:
        text = text.replace(long, short)
    return text[:200] or None
