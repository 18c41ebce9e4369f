"""Question + retrieved passages -> an extractive Answer with numbered citations, or an abstention.

Every sentence of the best passages is scored on four kinds of evidence: its dense similarity
to the question (sentence vectors are computed at index time), the IDF-weighted share of the
question's terms it holds (and that its passage holds), the rank of its passage, and whether it
holds what the question asks for ("how many" -> a number, "who" -> a name, "when" -> a date).
Page furniture (short or letter-poor lines, unpunctuated headline lists) is not eligible.
The best sentence is the answer; at most two more join it when they score nearly as well
and add question terms or the asked-for kind of fact. A sentence told again in other files
(near-identical vectors or words) is cited once with all of its files.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import SettingsError
from .index import Store
from .lexical import fold, terms, words
from .types import Answer, Citation, Hit, Sentence

_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand million "
    "billion dozen un une deux trois quatre cinq six sept huit neuf dix onze douze vingt trente quarante cinquante "
    "cent cents mille million millions milliard milliards".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()
)
_QTYPES = (
    ("number", re.compile(r"\b(how (many|much|long|old|far|large|big|tall|high)|what (percentage|number|amount|proportion)|combien|quel(le)?s? (est|sont|etait) (le|la) (nombre|pourcentage|montant)|quel(le)? (nombre|pourcentage|montant))\b")),
    ("date", re.compile(r"\b(when|what (year|date|day|month|century|decade)|which (year|century|decade)|in what year|quand|en quelle annee|quelle (annee|date)|quel (jour|mois|siecle)|depuis quand|a quelle (date|epoque))\b")),
    ("person", re.compile(r"\b(who|whom|whose|qui (a|est|etait|sont|fut|ont|avait|dirige|preside)|^qui\b|par qui|quel est le nom)\b")),
    ("place", re.compile(r"\b(where|in which (country|city|region|state|town)|^ou\b|dans quel(le)? (pays|ville|region))\b")),
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-ÖØ-Þ][\w'’-]+")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DIGITS = re.compile(r"\d")
_END_PUNCT = tuple('.!?:;"\'»”’)…')


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """How sentences are scored and when the answer abstains."""

    min_confidence: float = 0.30  # below this the answer is "not in the documents"
    passages: int = 5  # how many of the top passages are read for answer sentences
    max_sentences: int = 3
    extra_ratio: float = 0.85  # a further sentence must score at least this share of the best
    duplicate_similarity: float = 0.90  # cosine above which sentences of two files say the same thing
    dense_weight: float = 1.0
    overlap_weight: float = 0.6
    context_weight: float = 0.15
    type_weight: float = 0.15
    rank_weight: float = 0.1
    heading_penalty: float = 0.15

    def __post_init__(self) -> None:
        if not 1 <= self.max_sentences <= 10:
            raise SettingsError(f"max_sentences must be between 1 and 10, got {self.max_sentences}")
        if self.passages < 1:
            raise SettingsError(f"passages must be at least 1, got {self.passages}")


def question_type(question: str) -> str | None:
    """'number', 'date', 'person', 'place' or None, from the question's wording (English or French)."""
    q = fold(question).strip()
    for name, pattern in _QTYPES:
        if pattern.search(q):
            return name
    return None


def is_content(text: str) -> bool:
    """Whether a sentence can be an answer: enough words and letters to be prose, not page furniture."""
    alpha_words = re.findall(r"[^\W\d_]{2,}", text)
    if len(alpha_words) < 3:
        return False
    visible = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in visible) >= 0.6 * len(visible)


def is_heading(text: str) -> bool:
    """A short line without closing punctuation: a title, a headline, a menu entry."""
    return not text.rstrip().endswith(_END_PUNCT) and len(text.split()) < 14


def type_match(qtype: str | None, text: str, question_words: set[str]) -> float:
    """1.0 when the sentence holds a fact of the asked-for kind that the question does not already name."""
    if qtype is None:
        return 0.0
    toks = set(words(text)) - question_words
    if qtype == "number":
        return 1.0 if any(_DIGITS.search(t) or t in _NUMBER_WORDS for t in toks) else 0.0
    if qtype == "date":
        if any(_YEAR.fullmatch(t) or t in _MONTHS for t in toks):
            return 1.0
        return 0.5 if any(_DIGITS.search(t) for t in toks) else 0.0
    names = {fold(m.group()) for m in _CAPITALISED.finditer(text)} - question_words
    return 1.0 if names else 0.0


def idf_weights(store: Store, question_terms: list[str]) -> dict[str, float]:
    """BM25-style IDF of each question term over the passages; a term no passage holds weighs most."""
    vocab = store.bm25.vocab_dict
    ids = [vocab.get(t) for t in question_terms]
    known = [i for i in ids if i is not None]
    df_known = dict(zip(known, store.document_frequency(known)))
    n = len(store.passages)
    out = {}
    for t, i in zip(question_terms, ids):
        df = df_known.get(i, 0) if i is not None else 0
        out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return out


@dataclass(frozen=True, slots=True)
class _Scored:
    sid: int
    score: float
    dense: float
    overlap: float
    covered: frozenset[str]
    typed: float


def _overlap(qterms: dict[str, float], text_terms: set[str]) -> tuple[float, frozenset[str]]:
    total = sum(qterms.values())
    covered = frozenset(t for t in qterms if t in text_terms)
    return (sum(qterms[t] for t in covered) / total if total else 0.0), covered


def score_sentences(
    store: Store, question: str, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings
) -> list[_Scored]:
    """Every eligible sentence of the top passages, scored, best first."""
    qterms = idf_weights(store, terms(question))
    qwords = set(words(question))
    qtype = question_type(question)

    sids: list[int] = []
    prior: dict[int, float] = {}
    context: dict[int, float] = {}
    for rank, hit in enumerate(hits[: settings.passages]):
        first, last = store.ranges[hit.passage_id]
        ctx, _ = _overlap(qterms, set(terms(hit.text)))
        for sid in range(int(first), int(last)):
            if sid not in prior:
                sids.append(sid)
                prior[sid] = 1.0 / (rank + 1)
                context[sid] = ctx
    sids = [sid for sid in sids if is_content(store.sentences[sid].text)]
    if not sids:
        return []
    dense = np.asarray(store.sentence_vectors[sids]) @ qvec
    scored = []
    for sid, d in zip(sids, dense.tolist()):
        text = store.sentences[sid].text
        overlap, covered = _overlap(qterms, set(terms(text)))
        typed = type_match(qtype, text, qwords)
        score = (
            settings.dense_weight * d
            + settings.overlap_weight * overlap
            + settings.context_weight * context[sid]
            + settings.type_weight * typed
            + settings.rank_weight * prior[sid]
            - (settings.heading_penalty if is_heading(text) else 0.0)
        )
        scored.append(_Scored(sid, score, d, overlap, covered, typed))
    scored.sort(key=lambda s: (-s.score, s.sid))
    return scored


def confidence(best: _Scored) -> float:
    """How well the best sentence answers, in [0, 1]: its dense similarity and term coverage together."""
    return max(0.0, min(1.0, 0.5 * best.dense + 0.5 * best.overlap))


def _same_statement(store: Store, a: int, b: int, threshold: float) -> bool:
    va = np.asarray(store.sentence_vectors[a])
    vb = np.asarray(store.sentence_vectors[b])
    if float(va @ vb) >= threshold:
        return True
    wa, wb = set(terms(store.sentences[a].text)), set(terms(store.sentences[b].text))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.75


def _pick(store: Store, scored: list[_Scored], qtype_wanted: bool, settings: AnswerSettings) -> list[_Scored]:
    best = scored[0]
    chosen = [best]
    covered = set(best.covered)
    has_type = best.typed >= 1.0
    for cand in scored[1:]:
        if len(chosen) >= settings.max_sentences or cand.score < settings.extra_ratio * best.score:
            break
        if any(_same_statement(store, cand.sid, c.sid, settings.duplicate_similarity) for c in chosen):
            continue
        adds_terms = bool(cand.covered - covered)
        adds_type = qtype_wanted and not has_type and cand.typed >= 1.0
        if adds_terms or adds_type:
            chosen.append(cand)
            covered |= cand.covered
            has_type = has_type or cand.typed >= 1.0
    return chosen


def _witnesses(store: Store, chosen: _Scored, pool: list[int], threshold: float) -> list[Sentence]:
    """The chosen sentence and the sentences of other files in the pool that say the same thing."""
    main = store.sentences[chosen.sid]
    found = [main]
    seen = {main.source}
    for sid in pool:
        s = store.sentences[sid]
        if s.source in seen:
            continue
        if _same_statement(store, chosen.sid, sid, threshold):
            found.append(s)
            seen.add(s.source)
    return found


def compose_answer(
    store: Store, question: str, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings = AnswerSettings(),
    note: str | None = None,
) -> Answer:
    """An Answer quoting the best sentences of the hits with numbered citations, or an abstention."""
    scored = score_sentences(store, question, qvec, hits, settings)
    if not scored:
        return Answer(question, None, [], hits, 0.0, _join(note, "no readable sentence in the retrieved passages"))
    conf = confidence(scored[0])
    if conf < settings.min_confidence:
        reason = f"the documents do not seem to answer this (confidence {conf:.2f} < {settings.min_confidence:.2f})"
        return Answer(question, None, [], hits, conf, _join(note, reason))

    chosen = _pick(store, scored, question_type(question) is not None, settings)
    pool = [s.sid for s in scored]
    citations: list[Citation] = []
    parts = []
    for c in chosen:
        markers = ""
        for s in _witnesses(store, c, pool, settings.duplicate_similarity):
            citations.append(Citation(len(citations) + 1, s.source, s.start, s.end, s.line, s.text))
            markers += f"[{len(citations)}]"
        parts.append(store.sentences[c.sid].text + " " + markers)
    return Answer(question, " ".join(parts), citations, hits, conf, note)


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b
