"""Lexical analysis shared by BM25 retrieval and answer scoring: folding, stop words, stemming."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Case- and accent-folded text: 'Délégations' -> 'delegations'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English and French stop words, folded (the corpora we serve mix both)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

    extra = "l d qu n s c j m t y jusqu lorsqu puisqu est ete etait sont ont a"
    return frozenset(fold(w) for w in (*STOPWORDS_EN_PLUS, *STOPWORDS_FRENCH, *extra.split()))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    # One stemmer for every language: what matters for matching is that question and
    # documents are reduced the same way, and English Snowball also merges French plurals.
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Folded word tokens, stop words kept (for overlap and type cues)."""
    return _WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    """Folded, stemmed content terms: what BM25 indexes and what overlap is measured on."""
    stop = stopwords()
    kept = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept) if kept else []
