"""Answer text against gold answers: SQuAD/DrQA normalisation, containment, exact match and token F1.

The normalisation (lower case, no punctuation, no articles, white space collapsed) is widened
to Unicode punctuation and, for French questions, to French articles and elision.
"""
from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from typing import Callable, Iterable

_ARTICLES = {"en": re.compile(r"\b(a|an|the)\b"), "fr": re.compile(r"\b(a|an|the|le|la|les|l|un|une|des)\b")}
_CITATION = re.compile(r"\[\d+\]")
_ASCII_PUNCT = frozenset(string.punctuation)


def _is_punct(c: str) -> bool:
    return c in _ASCII_PUNCT or unicodedata.category(c).startswith("P")


# Letters of scripts written without spaces (Han, kana, Hangul syllables are spaced; Thai, Lao, Khmer, Burmese):
# text holding them is compared character by character, as MLQA and CMRC evaluate Chinese.
_SPACELESS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def _tokens(normalised: str) -> list[str]:
    """Words of normalised text, MLQA's mixed segmentation: each character of a spaceless script is a word of its
    own, and a run of other characters beside it is one word ("308分" -> "308", "分")."""
    return _SPACELESS.sub(r" \g<0> ", normalised).split()


def normalize_answer(text: str, lang: str | None = "en", split_punctuation: bool = False) -> str:
    """SQuAD normalisation: lower case, punctuation (ASCII and Unicode) and articles removed, white space collapsed.

    With lang "fr" apostrophes become spaces first (l'homme -> l homme) and le/la/les/l/un/une/des
    are removed too. With `split_punctuation` punctuation becomes a space instead of vanishing
    ("24-yard" -> "24 yard"), as DrQA's tokenizer splits words for its has-answer test.
    """
    text = text.lower()
    french = (lang or "").lower().startswith("fr")
    if french:
        text = text.replace("'", " ").replace("’", " ")
    gap = " " if split_punctuation else ""
    text = "".join(gap if _is_punct(c) else c for c in text)
    text = _ARTICLES["fr" if french else "en"].sub(" ", text)
    return " ".join(text.split())


def strip_citations(text: str) -> str:
    """The answer text without its citation markers ([1], [2][3])."""
    return " ".join(_CITATION.sub(" ", text).split())


def contains_answer(text: str, golds: Iterable[str], lang: str | None = "en") -> bool:
    """Whether a normalised gold answer occurs as a whole-word sequence in the normalised text.

    Punctuation separates words here (DrQA's has-answer test): "Manning's" holds "Manning",
    "Six-time" holds "Six", "24-yard" holds "24".
    Words are those of MLQA's mixed segmentation (`_tokens`): in a spaceless script each character is a word, so a
    gold answer in Chinese ("136 次") is looked for character by character, white space ignored ("136次" holds
    it), and a number or Latin name beside Chinese characters is a word there ("308分" holds "308").
    """
    hay = f" {' '.join(_tokens(normalize_answer(strip_citations(text), lang, split_punctuation=True)))} "
    for gold in golds:
        g = " ".join(_tokens(normalize_answer(gold, lang, split_punctuation=True)))
        if g and f" {g} " in hay:
            return True
    return False


def exact_match(prediction: str, gold: str, lang: str | None = "en") -> float:
    """1.0 when the normalised texts are equal (white space aside in a spaceless script)."""
    return float(_tokens(normalize_answer(prediction, lang)) == _tokens(normalize_answer(gold, lang)))


def f1_score(prediction: str, gold: str, lang: str | None = "en") -> float:
    """SQuAD token F1 between the normalised texts (a character of a spaceless script is a token)."""
    pred = _tokens(normalize_answer(prediction, lang))
    ref = _tokens(normalize_answer(gold, lang))
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric: Callable[[str, str, str | None], float], prediction: str, golds: Iterable[str], lang: str | None = "en") -> float:
    """The metric against the gold answer that suits the prediction best."""
    return max((metric(prediction, g, lang) for g in golds), default=0.0)


def count_words(text: str) -> int:
    """Words of an answer, citation markers left out; in a spaceless script two characters count as a word."""
    words = strip_citations(text).split()
    spaced = [w for w in words if not _SPACELESS.search(w)]
    chars = sum(len(_SPACELESS.findall(w)) for w in words if _SPACELESS.search(w))
    return len(spaced) + (chars + 1) // 2
