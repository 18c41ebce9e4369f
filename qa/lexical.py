"""Lexical analysis shared by BM25 retrieval and answer scoring: folding, stop words, stemming, segmentation.

Without a language (`lang=None`) the analysis is the historical English+French one: folded `\\w+`
tokens, English and French stop words, the English Snowball stemmer for everything. With an ISO 639-1
code it is that language's: its Snowball stemmer where PyStemmer has one (none otherwise), its stop
words where bm25s lists them, and runs of scripts written without spaces cut into
overlapping character bigrams (Chinese, Japanese, Thai, Lao, Khmer, Burmese: measured better than a
word segmenter for Chinese retrieval, see `segment`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Sequence
from functools import lru_cache

# Languages PyStemmer has a Snowball stemmer for, by ISO 639-1 code.
SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}

# bm25s's stop-word lists, by ISO 639-1 code (English and French as the historical analysis had them).
_BM25S_STOPWORDS = {
    "en": "STOPWORDS_EN_PLUS", "fr": "STOPWORDS_FRENCH", "de": "STOPWORDS_GERMAN", "es": "STOPWORDS_SPANISH",
    "it": "STOPWORDS_ITALIAN", "pt": "STOPWORDS_PORTUGUESE", "nl": "STOPWORDS_DUTCH", "da": "STOPWORDS_DANISH",
    "no": "STOPWORDS_NORWEGIAN", "nb": "STOPWORDS_NORWEGIAN", "nn": "STOPWORDS_NORWEGIAN",
    "sv": "STOPWORDS_SWEDISH", "ru": "STOPWORDS_RUSSIAN", "tr": "STOPWORDS_TURKISH", "zh": "STOPWORDS_CHINESE",
    "ko": "STOPWORDS_KOREAN",
}
# French elisions and auxiliaries the bm25s list lacks (folded).
_FRENCH_EXTRA = "l d qu n s c j m t y jusqu lorsqu puisqu est ete etait sont ont a"

_KEEP_MARKS = frozenset({"vi"})

# Scripts written without spaces between words: a run of them is one `\w+` token until cut.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_KANA = r"\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_SOUTHEAST = r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Burmese, Khmer
_SPACELESS = re.compile(f"[{_HAN}{_KANA}{_SOUTHEAST}]+")


def in_spaceless_script(char: str) -> bool:
    """Whether a character is of a script written without spaces between words (Chinese, Japanese, Thai...)."""
    return bool(_SPACELESS.match(char))


def fold(text: str) -> str:
    """Case- and accent-folded text: 'Délégations' -> 'delegations'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_for(text: str) -> str:
    """Case-folded text with accents dropped from Latin and Greek letters only, recomposed (NFC).

    The same as `fold` on Latin text; other scripts keep their marks (Devanagari viramas, Thai tone
    marks, Cyrillic й) and Hangul stays in syllables, since there the marks are part of the word.
    """
    if text.isascii():
        return text.casefold()
    out: list[str] = []
    strip = False
    for c in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(c):
            if not strip:
                out.append(c)
            continue
        strip = _drops_marks(c)
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=4096)
def _drops_marks(c: str) -> bool:
    """Whether accents on this base character are dropped (Latin and Greek letters, ASCII)."""
    name = unicodedata.name(c, "")
    return c.isascii() or "LATIN" in name or "GREEK" in name


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English and French stop words, folded (the corpora we serve mix both)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

    return frozenset(fold(w) for w in (*STOPWORDS_EN_PLUS, *STOPWORDS_FRENCH, *_FRENCH_EXTRA.split()))


@lru_cache(maxsize=None)
def stopwords_for(lang: str) -> frozenset[str]:
    """One language's stop words, folded as its text is; empty where bm25s has no list."""
    import bm25s.stopwords

    name = _BM25S_STOPWORDS.get(lang)
    if name is None:
        return frozenset()
    listed = list(getattr(bm25s.stopwords, name))
    if lang == "fr":
        listed += _FRENCH_EXTRA.split()
    return frozenset(fold_for(w) for w in listed)


@lru_cache(maxsize=None)
def _stemmer(algorithm: str = "english"):
    import Stemmer

    return Stemmer.Stemmer(algorithm)


def has_stemmer(lang: str) -> bool:
    """Whether PyStemmer has a Snowball stemmer for this ISO 639-1 language."""
    return lang in SNOWBALL


@lru_cache(maxsize=1)
def _marks() -> str:
    """Every combining mark of the Basic Multilingual Plane (Unicode category M) as ranges for a regex class: `\\w`
    alone cuts words at them (Devanagari's vowel signs "नदी" -> "नद", Thai's vowels, a decomposed "é")."""
    marks, start = [], None
    for cp in range(0x300, 0x10000):
        is_mark = unicodedata.category(chr(cp)).startswith("M")
        if is_mark and start is None:
            start = cp
        elif not is_mark and start is not None:
            marks.append(f"\\u{start:04x}-\\u{cp - 1:04x}")
            start = None
    return "".join(marks)


@lru_cache(maxsize=None)
def with_marks(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled with `{M}` inside a character class standing for every combining mark."""
    return re.compile(pattern.replace("{M}", _marks()))


def _word_with_marks() -> re.Pattern[str]:
    """`\\w+` that also takes combining marks (Thai vowels, Devanagari matras: `\\w` alone cuts words there) and the
    zero-width (non-)joiner inside a word (Persian "می‌ریزد" is one word, not "می" and "ریزد")."""
    return with_marks(r"[\w{M}]+(?:[\u200c\u200d][\w{M}]+)*")


def _characters(run: str) -> list[str]:
    """A run's characters, each with its combining marks."""
    chars: list[str] = []
    for c in run:
        if chars and unicodedata.category(c).startswith("M"):
            chars[-1] += c
        else:
            chars.append(c)
    return chars


def _bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a run's characters, each with its combining marks (the run itself when one)."""
    chars = _characters(run)
    return ["".join(chars)] if len(chars) < 2 else [chars[i] + chars[i + 1] for i in range(len(chars) - 1)]


def written_parts(word: str) -> list[tuple[str, bool]]:
    """A written word cut where runs of a script without spaces begin and end, each part with whether it is one
    ("iPhone手机" -> ("iPhone", False), ("手机", True))."""
    parts: list[tuple[str, bool]] = []
    last = 0
    for m in _SPACELESS.finditer(word):
        if m.start() > last:
            parts.append((word[last : m.start()], False))
        parts.append((m.group(), True))
        last = m.end()
    if last < len(word):
        parts.append((word[last:], False))
    return parts


def stretches(word: str, longest: int = 12) -> set[str]:
    """Every stretch of up to `longest` characters of the runs of a script written without spaces in a word: the
    words such a run may hold, since no space marks where they end ("第33届" holds 第, 届, ...)."""
    out: set[str] = set()
    for part, spaceless in written_parts(word):
        if spaceless:
            chars = _characters(part)
            out.update("".join(chars[i:j]) for i in range(len(chars)) for j in range(i + 1, min(len(chars), i + longest) + 1))
    return out


def covered_stretches(run: str, covered: Container[str]) -> list[str]:
    """The stretches of a run of a script written without spaces whose every bigram is in `covered`, as written:
    "東京タワー" of "東京タワーの入場料はいくらですか" when 東京, 京タ, タワ and ワー are."""
    chars = _characters(run)
    if len(chars) < 2:
        return [run] if run in covered else []
    out: list[str] = []
    start = None
    for i in range(len(chars) - 1):
        if chars[i] + chars[i + 1] in covered:
            start = i if start is None else start
        elif start is not None:
            out.append("".join(chars[start : i + 1]))
            start = None
    if start is not None:
        out.append("".join(chars[start:]))
    return out


def seams(term_list: Sequence[str], known: Container[str]) -> set[str]:
    """The bigrams of a text's terms (in their order) that most likely straddle two words of a script written
    without spaces: no passage holds them (not in `known`), and a bigram beside them that passages hold shares
    their first or last character. "黑豹队的防守丢了多少分" gives 防守, 守丢, 丢了: 守丢 is the seam of 防守 and 丢了.

    Such a bigram can never be found in a sentence: counted among a question's terms, it lowered the share of
    them a Chinese sentence can cover (38 % of XQuAD-zh questions' term weight was in bigrams no passage
    holds, against 5 % in English). An unknown word stays: its bigrams and their neighbours are all unknown.
    """
    out: set[str] = set()
    for i, t in enumerate(term_list):
        if t in known or not _SPACELESS.fullmatch(t):
            continue
        chars = _characters(t)
        if len(chars) != 2:
            continue
        before = term_list[i - 1] if i > 0 else ""
        after = term_list[i + 1] if i + 1 < len(term_list) else ""
        if (before in known and _characters(before)[-1:] == chars[:1]) or (after in known and _characters(after)[:1] == chars[1:]):
            out.add(t)
    return out


def segment(run: str, lang: str | None = None) -> list[str]:
    """Words of a run of a script written without spaces: overlapping character bigrams.

    Measured on XQuAD-zh dev (BM25 over paragraphs, benchmarks/lexical_languages.py): bigrams put the
    gold answer in the top 5 for 0.987 of questions and the gold file first for 0.981, against 0.984 /
    0.968 with the jieba segmenter (and 0.196 / 0.159 with whole `\\w+` runs); no dictionary to ship.
    """
    return _bigrams(run)


def _split_token(token: str, lang: str | None) -> list[str]:
    """A `\\w+` token cut where it holds spaceless-script runs (e.g. 'iphone手机' -> 'iphone', '手机')."""
    if not _SPACELESS.search(token):
        return [token]
    return [w for part, spaceless in written_parts(token) for w in (segment(part, lang) if spaceless else [part])]


def written_word() -> re.Pattern[str]:
    """A word as written, unfolded: it starts with a letter and keeps its marks, apostrophes and hyphens ("l’hôtel",
    "Tesla's", "नदी")."""
    return with_marks(r"[^\W\d_](?:[\w'’{M}-]|[\u200c\u200d](?=\w))*")


def word_count(text: str) -> int:
    """Words of two letters or more (a letter's combining marks count with it); in a script written without spaces,
    every two letters count as one."""
    spaceless = sum(len(run) for run in _SPACELESS.findall(text))
    return len(with_marks(r"[^\W\d_](?:[^\W\d_]|[{M}]|[\u200c\u200d](?=[^\W\d_]))+").findall(_SPACELESS.sub(" ", text))) + spaceless // 2


def words(text: str, lang: str | None = None) -> list[str]:
    """Folded word tokens, stop words kept (for overlap and type cues); `lang` segments spaceless scripts."""
    if lang is None:
        return _word_with_marks().findall(fold(text))
    # Vietnamese tone marks tell words apart: only its case is folded.
    folded = unicodedata.normalize("NFC", text.casefold()) if lang in _KEEP_MARKS else fold_for(text)
    return [w for token in _word_with_marks().findall(folded) for w in _split_token(token, lang)]


def _keep(word: str, stop: frozenset[str]) -> bool:
    """A content word: not a stop word, and not a lone letter (a lone digit or ideograph is kept)."""
    return word not in stop and (len(word) > 1 or word.isdigit() or bool(_SPACELESS.match(word)))


def terms(text: str, lang: str | None = None) -> list[str]:
    """Folded, stemmed content terms: what BM25 indexes and what overlap is measured on.

    `lang=None` keeps the historical analysis (English+French stop words, English stemmer for all);
    with a language, its own stop words and stemmer (none where PyStemmer has none).
    """
    if lang is None:
        stop = stopwords()
        kept = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
        return _stemmer().stemWords(kept) if kept else []
    stop = stopwords_for(lang)
    kept = [w for w in words(text, lang) if _keep(w, stop)]
    algorithm = SNOWBALL.get(lang)
    return _stemmer(algorithm).stemWords(kept) if kept and algorithm else kept
