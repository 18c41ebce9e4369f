"""Language identification of documents and questions: ISO 639-1 codes from py3langid, scripts as fallback.

py3langid ships its model in the package (no download); it is loaded on the first call (about 3 s).
Measured on one-line questions (benchmarks/language_id.py) it beat lingua, pycld2 and the rest; its
few confusions are fixed here: regional and historical varieties map to the modern language
(Wu and Cantonese -> zh, Egyptian and Moroccan Arabic -> ar), and labels no document of ours is
written in (Latin, Ancient Greek, Volapük...) are never answered.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

UNDETERMINED = "und"

# Varieties the model tells apart that the analysers treat as one language.
_VARIETY = {"wuu": "zh", "yue": "zh", "arz": "ar", "ary": "ar", "uzs": "uz", "nn": "no", "nb": "no"}
# Labels never given: dead or constructed languages that steal short modern questions, and no-language.
_NEVER = frozenset({"la", "grc", "hbo", "vo", "zxx", "sa"})

# A script that, dominating a text, tells its language without a model (or is the best guess).
_SCRIPT_LANGUAGE = {
    "HANGUL": "ko", "HIRAGANA": "ja", "KATAKANA": "ja", "THAI": "th", "LAO": "lo", "KHMER": "km",
    "MYANMAR": "my", "GREEK": "el", "HEBREW": "he", "GEORGIAN": "ka", "ARMENIAN": "hy", "CJK": "zh",
    "ARABIC": "ar", "DEVANAGARI": "hi", "CYRILLIC": "ru", "BENGALI": "bn", "TAMIL": "ta", "TELUGU": "te",
    "GUJARATI": "gu", "GURMUKHI": "pa", "KANNADA": "kn", "MALAYALAM": "ml", "SINHALA": "si",
    "ETHIOPIC": "am", "TIBETAN": "bo",
}
# Scripts used by one language only: the model is not asked (it sometimes says 'wuu' for Chinese).
_UNAMBIGUOUS = frozenset({"HANGUL", "HIRAGANA", "KATAKANA", "THAI", "GREEK", "HEBREW", "GEORGIAN", "ARMENIAN"})
# Scripts several languages share: the model chooses among them, and falls back on the first.
_SHARED_SCRIPT = {
    "CJK": ("zh", "ja"),
    "CYRILLIC": ("ru", "uk", "bg", "be", "mk", "sr", "kk", "ky", "mn", "tg", "tt", "ba"),
    "ARABIC": ("ar", "fa", "ur", "ps", "ug", "ku", "sd"),
    "DEVANAGARI": ("hi", "mr", "ne"),
}
# Languages written without spaces between words (their text is segmented by `qa.lexical`).
SPACELESS = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})

# Japanese writes its particles and endings in kana (a third of the letters or more); a French article quoting
# one Japanese name holds a few: kana decide only from this share of the letters.
KANA_SHARE = 0.1
MIN_LETTERS = 2  # fewer letters than this: the script's usual language, or undetermined
# Below this probability the model is guessing (one or two Latin words: 'Paris' -> Serbian at 0.015);
# the benchmark's one-line questions keep their accuracy with it (0.993 dev sets, 0.983 short ones).
MIN_CONFIDENCE = 0.05


@lru_cache(maxsize=4096)
def _script_of(c: str) -> str:
    """The script of one letter, as the first word of its Unicode name ('LATIN', 'CJK', 'HIRAGANA'...)."""
    name = unicodedata.name(c, "")
    return name.split(" ", 1)[0] if name else ""


def scripts(text: str) -> dict[str, int]:
    """How many letters of each script the text holds, most frequent first."""
    counts: dict[str, int] = {}
    for c in text:
        if c.isalpha():
            s = _script_of(c)
            counts[s] = counts.get(s, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def is_spaceless(lang: str) -> bool:
    """Whether the language is written without spaces between words (zh, ja, th, ...)."""
    return lang in SPACELESS


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([lang for lang in identifier.labels if lang not in _NEVER])
    return identifier


def _by_script(counts: dict[str, int]) -> str | None:
    """The language a text's scripts decide alone, if they do (kana among its letters means Japanese)."""
    kana = counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0)
    if kana and kana >= KANA_SHARE * sum(counts.values()):
        return "ja"
    top = next(iter(counts))
    return _SCRIPT_LANGUAGE[top] if top in _UNAMBIGUOUS else None


# How much likelier a language the documents are written in is, a priori, for a question asked of them:
# a short question the model finds ambiguous ("DELEGATIONS etaient": Basque 0.15, French 0.09) goes to it.
CORPUS_PRIOR = 5.0
# From this probability on an identification is sure enough to treat a text in another language as foreign
# (one-line questions in the benchmark: most full questions reach it, two-word keyword queries do not).
SURE = 0.5


def _probabilities(text: str) -> dict[str, float]:
    """The model's probability of each language, its varieties' added in ('wuu' 0.50 + 'zh' 0.47 + 'yue' 0.03 is
    Chinese at 1.00: the model splitting Chinese between its varieties is not doubt about the language)."""
    merged: dict[str, float] = {}
    for label, p in _identifier().rank(text):
        lang = _VARIETY.get(label, label)
        merged[lang] = merged.get(lang, 0.0) + p
    return merged


def _preferred(probabilities: dict[str, float], label: str, prefer: Collection[str]) -> str:
    """The model's label, or the likeliest preferred language when its prior weight makes it likelier."""
    best = max(prefer, key=lambda lang: probabilities.get(lang, 0.0))
    return best if CORPUS_PRIOR * probabilities.get(best, 0.0) >= probabilities.get(label, 0.0) else label


@dataclass(frozen=True, slots=True)
class Identified:
    """A text's language and how sure the identification is (1.0 when its script alone decides)."""

    language: str
    confidence: float

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


def detect_language(text: str, prefer: Collection[str] = ()) -> str:
    """ISO 639-1 code of the text's language; the script's usual language, or 'und', when unsure (see `identify`)."""
    return identify(text, prefer).language


def identify(text: str, prefer: Collection[str] = ()) -> Identified:
    """The text's language (ISO 639-1) with the identifier's confidence.

    No letters: 'und'. Scripts of one language (Hangul, kana, Thai, Greek,
    Hebrew...) decide without the model. Otherwise py3langid decides, a language's varieties counted as one
    (`_VARIETY`); when its answer is not written
    in the text's main script (Han, Cyrillic, Arabic, Devanagari), that script's usual language wins;
    when the model is unsure (one letter, or a probability under MIN_CONFIDENCE), the script's usual
    language, or 'und' for Latin script (a name or an acronym tells no language). Languages in `prefer`
    (those of the documents a question is asked of) weigh CORPUS_PRIOR times their probability.
    """
    counts = scripts(text)
    if not counts:
        return Identified(UNDETERMINED, 0.0)
    decided = _by_script(counts)
    if decided:
        return Identified(decided, 1.0)
    top = next(iter(counts))
    if sum(counts.values()) < MIN_LETTERS:  # one letter: a Han character is a word, a Latin one is not
        return Identified(_SCRIPT_LANGUAGE.get(top, UNDETERMINED), 0.0)
    probabilities = _probabilities(text)
    lang = max(probabilities, key=probabilities.__getitem__)
    confidence = probabilities[lang]
    if confidence < MIN_CONFIDENCE:
        return Identified(_SCRIPT_LANGUAGE.get(top, UNDETERMINED), confidence)
    if prefer and lang not in prefer:
        lang = _preferred(probabilities, lang, prefer)
    if top in _SHARED_SCRIPT and lang not in _SHARED_SCRIPT[top]:
        return Identified(_SCRIPT_LANGUAGE[top], confidence)
    return Identified(lang if len(lang) == 2 else UNDETERMINED, confidence)
