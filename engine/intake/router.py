"""Matter identification (职责关键词识别): jieba segmentation with the catalogue's words as its user dictionary,
then keyword and synonym scoring against the catalogue.

Scoring, per matter: every catalogue word found in the text adds its weight once —
- a keyword 1.0, a synonym 0.6;
- × specificity: words shared by many matters count less (1/√matters sharing it), longer words more;
- × how it was found: a whole jieba token 1.0, inside a token (n-gram lookup) 0.7, one character off
  (a typo such as 占到经营 for 占道经营, words of ≥ 4 characters) 0.5.
Confidence = top / (top + runner-up), damped when the top score is weak; the caller decides what is
confident enough to dispatch without the dispatcher.

The router is built once per catalogue version (``for_version``) and is pure after that: no database.
"""
from __future__ import annotations

import logging
import math
import threading
import unicodedata
from dataclasses import dataclass, field

import jieba

jieba.setLogLevel(logging.WARNING)

KEYWORD, SYNONYM = 1.0, 0.6
TOKEN, INSIDE, TYPO = 1.0, 0.7, 0.5
MAX_GRAM = 8
TYPO_MIN = 4
STRONG = 1.2   # a top score below this lowers the confidence proportionally
_DICT_LOCK = threading.Lock()


@dataclass
class MatterEntry:
    code: str
    name: str
    words: dict[str, float]   # word → base weight (keyword / synonym)


@dataclass
class Candidate:
    code: str
    name: str
    score: float
    words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "score": round(self.score, 3), "words": self.words}


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, no whitespace (hotline texts mix all of these)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if not ch.isspace())


class Router:
    def __init__(self, matters: list[MatterEntry]):
        self.matters = matters
        df: dict[str, int] = {}
        for m in matters:
            for w in m.words:
                df[w] = df.get(w, 0) + 1
        # word → [(matter index, weight)]
        self.index: dict[str, list[tuple[int, float]]] = {}
        for i, m in enumerate(matters):
            for w, base in m.words.items():
                weight = base / math.sqrt(df[w]) * (1 + 0.15 * max(0, len(w) - 2))
                self.index.setdefault(w, []).append((i, weight))
        # one-character-off variants of words of ≥ 4 characters: "占?经营" → {"占道经营"}
        self.fuzzy: dict[str, set[str]] = {}
        for w in self.index:
            if len(w) >= TYPO_MIN:
                for k in range(len(w)):
                    self.fuzzy.setdefault(w[:k] + "\0" + w[k + 1:], set()).add(w)
        self.tokenizer = _tokenizer()
        for w in self.index:
            self.tokenizer.add_word(w, freq=max(2000, 400 * len(w)))

    def segment(self, text: str) -> list[str]:
        return [t for t in self.tokenizer.cut(normalise(text), HMM=False) if t.strip()]

    def rank(self, text: str, top: int = 3) -> list[Candidate]:
        norm = normalise(text)
        tokens = self.segment(norm)
        found: dict[str, float] = {}   # word → how it was found (best factor)

        def hit(word: str, factor: float) -> None:
            if found.get(word, 0) < factor:
                found[word] = factor

        for tok in tokens:
            if tok in self.index:
                hit(tok, TOKEN)
        n = len(norm)
        for i in range(n):
            for L in range(2, min(MAX_GRAM, n - i) + 1):
                gram = norm[i:i + L]
                if gram in self.index:
                    hit(gram, INSIDE)
                if L >= TYPO_MIN and gram not in self.index:
                    for k in range(L):
                        for word in self.fuzzy.get(gram[:k] + "\0" + gram[k + 1:], ()):
                            hit(word, TYPO)
        scores: dict[int, float] = {}
        words: dict[int, list[str]] = {}
        for word, factor in found.items():
            for idx, weight in self.index[word]:
                scores[idx] = scores.get(idx, 0.0) + weight * factor
                words.setdefault(idx, []).append(word)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], self.matters[kv[0]].code))[:top]
        return [Candidate(self.matters[i].code, self.matters[i].name, s,
                          sorted(words[i], key=lambda w: (-len(w), w))) for i, s in best]


def confidence(candidates: list[Candidate]) -> float:
    if not candidates or candidates[0].score <= 0:
        return 0.0
    top = candidates[0].score
    second = candidates[1].score if len(candidates) > 1 else 0.0
    return round(top / (top + second) * min(1.0, top / STRONG), 3)


_base: jieba.Tokenizer | None = None


def _tokenizer() -> jieba.Tokenizer:
    """A tokenizer with jieba's general dictionary, read once per process (seconds) and copied per router."""
    global _base
    with _DICT_LOCK:
        if _base is None:
            base = jieba.Tokenizer()
            base.initialize()
            _base = base
        tok = jieba.Tokenizer()
        tok.FREQ, tok.total, tok.initialized = dict(_base.FREQ), _base.total, True
        return tok


_cache: dict[int, Router] = {}
_cache_lock = threading.Lock()


def for_version(version_id: int, loader) -> Router:
    """The router of a catalogue version, built once (``loader()`` → [MatterEntry]) and kept (last 3)."""
    router = _cache.get(version_id)
    if router is None:
        with _cache_lock:
            router = _cache.get(version_id)
            if router is None:
                router = Router(loader())
                if len(_cache) >= 3:
                    _cache.pop(next(iter(_cache)))
                _cache[version_id] = router
    return router
