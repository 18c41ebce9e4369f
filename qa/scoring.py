"""Sentence scoring: the evidence that each sentence of the top passages answers a question, and its weighted sum.

Each eligible sentence is measured on its dense similarity to the question, the IDF-weighted
share of the question's terms it holds (with its passage, and with its neighbours), the rank of
its passage, and whether it holds the kind of fact asked for. Page furniture (short or
letter-poor lines) is not eligible; headline-like lines and sentences naming another year or
rank than the question's score lower. The weights are `AnswerSettings` fields.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import SettingsError
from .index import Store
from .language import UNDETERMINED
from .lexical import seams, terms, word_count, words
from .facts import find_facts, holds_kind
from .question import AnalysedQuestion, named_value
from .types import Hit


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """How sentences are scored and when the answer abstains."""

    min_confidence: float = 0.25  # below this the answer is "not in the documents" (models calibrated apart: Embedder.min_confidence)
    passages: int = 5  # how many of the top passages are read for answer sentences
    max_sentences: int = 2  # sentences chosen; a pronoun sentence's antecedent (see answer._with_antecedent) rides along
    extra_ratio: float = 0.92  # a further sentence must score at least this share of the best
    # ... or this share when the answer, with it, stays within `brief_words` words: a short best sentence often
    # answers only with its neighbour, and two short sentences are no longer to read than one long one.
    brief_ratio: float = 0.6
    brief_words: int = 30
    duplicate_similarity: float = 0.90  # cosine above which sentences of two files say the same thing
    duplicate_word_share: float = 0.75  # ... or the share of their terms they have in common (of all their terms)
    # Weights of the evidence (measured on the dev sets; see README "How it works").
    dense_weight: float = 1.0
    overlap_weight: float = 0.6
    context_weight: float = 0.3
    passage_dense_weight: float = 1.0  # the calibrated dense similarity of the sentence's passage to the question
    # Where the documents are in several languages, the dense similarity of each sentence and passage in another
    # language than the question is calibrated against its own language's background level (Store.language_offsets)
    even_languages: bool = True
    window_weight: float = 0.6
    bigram_weight: float = 0.3
    type_weight: float = 0.5  # holds the amount, number or date asked for (reliably seen: digits, months, currencies)
    name_type_weight: float = 0.2  # holds a name when a person or place is asked for (any capitalised word: weak)
    rank_weight: float = 0.0
    heading_penalty: float = 0.15
    conflict_penalty: float = 0.3  # a sentence naming another year or rank than the question's ranks lower
    # Credit of a question term found in a sentence other than as itself.
    partial_credit: float = 0.7  # matched only by a shared stem prefix ("chair" ~ "chairman")
    antecedent_credit: float = 0.7  # held by the sentence a pronoun opening points back to (0.3-1.0 all help; 0.7 most)
    context_term_weight: float = 0.3  # a term carried over from the conversation counts this much of one asked now
    # A sentence in another language holds none of the question's words; its word evidence is its calibrated dense
    # similarity divided by this (capped at 1): the similarity at which it counts as holding all of them. 0.5 left
    # cross-lingual containment as it was (0.60 never abstaining, English over Chinese) and made questions of
    # another corpus in another language pass for answerable (XQuAD-en's PIAF questions refused 0.10, not 0.74);
    # 0.85 does so only together with `foreign_agreement` (docs/evaluation.md, "Answers in another language").
    foreign_match_similarity: float = 0.85
    # An answer in another language than the question is judged by vectors alone: its confidence is multiplied by
    # how far the passage and the sentence searches agree on its passage (`Hit.agreement`; 1 when both put it first).
    foreign_agreement: bool = True
    # ... and when none of the names the question writes is written, even nearly, in the passages read (any language
    # in the names' script), it keeps `unnamed_name_factor` of its confidence (docs/evaluation.md, "Answers in
    # another language").
    foreign_names: bool = True
    # The short answer where the rules for names, amounts and dates find none (not for "why" or "how"): the span the
    # reader (qa.reader) gives in the first quote, when it gives it at least `reader_min_probability`.
    reader: bool = True
    # (start x end probability) The spans it gives 0.1-0.2 on PIAF's held-out answer sentences score 0.47 token F1,
    # those at 0.05-0.1, 0.32: the lowest band kept is the lowest as good as the lowest the heads before it kept (0.37
    # at 0.1-0.2; docs/evaluation.md, "The tuned reader").
    reader_min_probability: float = 0.1
    # Where the rules find several facts of the asked kind in a quote ("Tom Hale", "Jane Morrow" for "Who played the
    # detective's sister?"), the one the reader gives most probability is the short answer, when it gives one at least
    # qa.span.CHOOSE_PROBABILITY (XQuAD-en span F1 0.493 -> 0.510, docs/evaluation.md, "The reader chooses among facts").
    reader_chooses: bool = True
    # The short answer is looked for from the first quote on, but a leading quote the reader finds no answer in by more
    # than this margin (log-odds) beyond another quote is passed over: "Who founded the festival?" over "The festival
    # takes place in the town of Miren. [1] It was founded by local farmers. [2]" is not answered "Miren" (the
    # sentence a pronoun points to leads its quotes). The no-answer margin's own value (None: never passed over).
    reader_skip_margin: float | None = 6.7
    # The reader also reads every quote for whether it answers at all: when it prefers "no answer here" to its best
    # span by more than this margin (log-odds) in every quote, the answer keeps this share of its confidence
    # (not for "why" or "how"; docs/evaluation.md, "Near-topic questions"). 6.4 % of PIAF's held-out answer sentences
    # exceed it, as they exceeded 8 with the heads before the reader was tuned (5.6 after 2 epochs, 6.7 after 3).
    no_answer_margin: float = 6.7
    no_answer_factor: float = 0.7
    # ... and, in every language and across languages, the least no-answer margin among the quotes moves the
    # confidence by `reading_weight` × (`reading_margin` − that margin): up where the reader is sure a quote answers,
    # down where it prefers "no answer" (0: not at all). Across languages it is the only evidence that reads the
    # question and the sentence together: French questions of another corpus over English articles were answered
    # 0.159 of the time, 0.099 with it (docs/evaluation.md, "The reader's reading weighs in the confidence").
    reading_weight: float = 0.01
    reading_margin: float = 1.0
    # Before the quotes are chosen, the reader reads the best `reader_rerank` sentences, and each loses
    # `reader_rerank_weight` × its no-answer margin from its score: the sentence it finds an answer in moves up.
    # Offline on the sentences of 250-624 questions a set, the best sentence held the gold 2-5 points more often
    # (n 3-5 and weights 0.02-0.06 alike; docs/evaluation.md, "The reader chooses among the best sentences"). 0.04
    # then; the tuned reader's margins (3 epochs) spread 0.92 times as wide (their standard deviation on PIAF's
    # held-out answer sentences and texts that do not answer: 6.65 against the heads' 7.26), so 0.04 still.
    reader_rerank: int = 3
    reader_rerank_weight: float = 0.04
    # Sentences in another language than the question are re-read too; the confidence is then the best sentence's
    # before the reading (qa.answer.compose_answer), so across languages it changes which sentence is quoted only.
    reader_rerank_foreign: bool = True
    # The sentence after the best one in its file is read together with it; when the reader's span lies in that
    # next sentence and it prefers the span to "no answer" by more than this (log-odds: -2 is odds of 7 to 1), the
    # next sentence is quoted right after the best ("What did the popularity of Luther's translation contribute to?"
    # over "...a popular and influential Bible translation." + "As such, it made a significant contribution to the
    # evolution of the German language and literature."). None: never. Offline over 400 questions a set, the best
    # sentence or its joined next held the gold 1.5-2.2 points more often than the best alone, -4 and 0 less or at
    # more length (docs/evaluation.md, "The next sentence").
    reader_next_margin: float | None = -2.0
    # ... or where it prefers the span there to "no answer" by this much more than it does in the best sentence read
    # alone (None: never) ...
    reader_next_gain: float | None = 8.0
    # ... and the sentence before the best is read with it the same way, and quoted right before it
    reader_previous: bool = True
    # The question's terms that the sentences before the best one in its passage hold count this much in the overlap
    # of its confidence, where the reader, reading the best after them, finds the answer in it by more than
    # `context_margin` (log-odds): a sentence names its topic through the ones before it ("The building was completed in
    # 1911...", "Tiene una longitud de 340 kilómetros." after "El Velna es un río..."). None: never.
    context_credit: float | None = 0.7
    context_margin: float = 0.0
    # Confidence of the best sentence: a mix of its dense similarity and its term coverage ...
    confidence_dense_weight: float = 0.5
    confidence_overlap_weight: float = 0.5
    # ... and the share of it kept when the sentence misses something the question asks for.
    unmatched_count_factor: float = 0.75  # confidence kept when a "how many X" answer never names X
    missing_type_factor: float = 0.75  # confidence kept when an amount/number/date question's answer holds none
    conflict_factor: float = 0.6  # confidence kept when the question names a year or rank and the answer another
    unnamed_name_factor: float = 0.6  # confidence kept when a name, year or rank the question writes is in none of the passages read
    unstated_fact_factor: float = 0.5  # confidence kept when an amount, number or time-of-day question's quotes state none

    def __post_init__(self) -> None:
        if not 1 <= self.max_sentences <= 10:
            raise SettingsError(f"max_sentences must be between 1 and 10, got {self.max_sentences}")
        if self.passages < 1:
            raise SettingsError(f"passages must be at least 1, got {self.passages}")
        if self.brief_words < 0:
            raise SettingsError(f"brief_words must be at least 0, got {self.brief_words}")
        if self.reader_skip_margin is not None and self.reader_skip_margin < 0:
            raise SettingsError(f"reader_skip_margin must be at least 0 or None, got {self.reader_skip_margin}")
        if self.reader_next_gain is not None and self.reader_next_gain < 0:
            raise SettingsError(f"reader_next_gain must be at least 0 or None, got {self.reader_next_gain}")
        if self.context_credit is not None and not 0 <= self.context_credit <= 1:
            raise SettingsError(f"context_credit must be between 0 and 1 or None, got {self.context_credit}")
        if self.reading_weight < 0:
            raise SettingsError(f"reading_weight must be at least 0, got {self.reading_weight}")
        if self.reader_rerank < 0 or self.reader_rerank_weight < 0:
            raise SettingsError(f"reader_rerank and reader_rerank_weight must be at least 0, got {self.reader_rerank}, {self.reader_rerank_weight}")
        shares = (
            "brief_ratio", "duplicate_word_share", "partial_credit", "antecedent_credit", "context_term_weight",
            "confidence_dense_weight", "confidence_overlap_weight", "unstated_fact_factor", "unnamed_name_factor",
            "no_answer_factor",
        )
        if not 0 < self.foreign_match_similarity <= 1:
            raise SettingsError(f"foreign_match_similarity must be above 0 and at most 1, got {self.foreign_match_similarity}")
        for name in shares:
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise SettingsError(f"{name} must be between 0 and 1, got {value}")


_CLOSED = re.compile(r"[.!?:;…。！？：；][\"'»”’)\]」』）]*\s*$")
# A sentence opening with a pronoun points back to the one before it (English, French, German, Spanish, Italian,
# Portuguese, Russian; Chinese and Japanese pronouns need no word boundary).
_PRONOUN_START = re.compile(
    r"\W*((he|she|it|they|this|these|his|her|its|their|il|elle|ils|elles|celui-ci|celle-ci|ce|cette|ces|son|sa|ses|leur|leurs"
    r"|er|sie|es|dies|diese|dieser|dieses|sein|seine|ihr|ihre|el|ella|ellos|ellas|este|esta|su|sus|lui|lei|loro|ele|ela|eles"
    r"|он|она|оно|они|это|этот|эта|его|её|ее|их)\b|他们|她们|它们|他|她|它|这|该|其|彼|彼女)",
    re.IGNORECASE,
)
# ... and in languages whose pronouns are words of other languages ("to" is "it" in Polish and Czech, "se" in Finnish),
# only in a file of that language.
_PRONOUN_START_OF = {lang: re.compile(rf"\W*({words})\b", re.IGNORECASE) for lang, words in {
    "uk": "він|вона|воно|вони|його|її|їх|їхній|це|цей|ця|ці",
    "be": "ён|яна|яно|яны|яго|яе|іх|гэта|гэты|гэтая",
    "bg": "той|тя|то|те|неговият|нейният|техният|това|този|тази|тези",
    "pl": "on|ona|ono|oni|one|jego|jej|ich|to|ten|ta|te|tego",
    "cs": "on|ona|ono|oni|ony|jeho|její|jejich|to|ten|ta|ty|tento|tato|toto",
    "sk": "on|ona|ono|oni|ony|jeho|jej|ich|to|ten|tá|tie|tento|táto|toto",
    "fi": "hän|he|se|ne|sen|sitä|niiden|tämä|nämä|sillä",
    "hu": "ő|ők|ez|ezt|ennek",  # not "az": also the article
    "ro": "el|ea|ei|ele|acesta|aceasta|aceștia|acestea",
    "el": "αυτός|αυτή|αυτό|αυτοί|αυτές|αυτά",  # not "ο", "η", "το": also the articles
    "tr": "o|onu|onun|onlar|onların|bu|bunlar|bunun",
    "id": "ia|dia|mereka|ini|itu",
    "ms": "ia|dia|mereka|ini|itu",
}.items()}
_PREFIX = 5  # letters two terms must share to match partially


_NUMBER_RUN = re.compile(r"\d+(?:[.,:]\d+)*")


def is_content(text: str) -> bool:
    """Whether a sentence can be an answer: enough words and letters to be prose, not page furniture.

    Letters must be 0.6 of what is visible, a number counting as one character whatever its digits ("特斯拉于 1943 年
    1 月 7 日去世。", where a character is a word, is prose; "19:09 / 16.12.2024" is not); a letter's combining marks
    count as letters (Devanagari's vowel signs are a third of its prose).

    Three words at least, where a number counts as one in a sentence that ends as one: a fact is often told in two
    words and a number where words take their endings ("Panjangnya 340 kilometer.", "Uzunluğu 340 kilometredir.",
    "길이는 340킬로미터이다.": the river's length in Indonesian, Turkish and Korean), not where it opens with the number
    ("2 verbrannt wird.", the tail of a sentence cut after "Stufe")."""
    words = word_count(text)
    if words < 2 or (words == 2 and not (_NUMBER_RUN.search(text) and _CLOSED.search(text) and text.lstrip()[:1].isalpha())):
        return False
    visible = [c for c in _NUMBER_RUN.sub("0", text) if not c.isspace()]
    return sum(c.isalpha() or unicodedata.category(c).startswith("M") for c in visible) >= 0.6 * len(visible)


def is_heading(text: str) -> bool:
    """A short line that does not end a sentence (closing quotes aside): a title, a headline, a menu entry."""
    return not _CLOSED.search(text) and word_count(text) < 14


def is_prose(text: str) -> bool:
    """Whether a passage is mostly sentences, not page furniture (a menu, a list of headlines, a table of links)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    prose = sum(len(line) for line in lines if is_content(line) and not is_heading(line))
    return prose >= 0.5 * sum(len(line) for line in lines) if lines else False


def type_match(kind: str | None, text: str, question_words: set[str] | frozenset[str], lang: str | None = None) -> float:
    """1.0 when the sentence holds a fact of the asked-for kind that the question does not already name
    (`qa.facts`, by the rules of the sentence's language `lang`), 0.5 for a near kind (a bare number for a date)."""
    if kind is None:
        return 0.0
    if kind in ("person", "place") and not has_case(text):
        return 0.0  # Chinese, Arabic, Thai...: a name has no capital to be seen by (a stray Latin acronym is not one)
    return holds_kind(kind, find_facts(text, lang), question_words)


def has_case(text: str) -> bool:
    """Whether most of a text's letters belong to a script with capitals (Latin, Cyrillic, Greek, Armenian...)."""
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() or c.islower() for c in letters) >= 0.5 * len(letters) if letters else False


def conflicting_value(question: AnalysedQuestion, text: str) -> bool:
    """Whether the question names a year or a rank that the sentence lacks while naming another of that kind.

    A year just after "before", "prior to", "since", "avant"... bounds a period rather than naming
    it, so it is not compared (see question.analyse_question).
    """
    if not question.asked_values:
        return False
    said = {v for t in words(text) if (v := named_value(t))}
    return any(v not in said and any(kind == v[0] for kind, _ in said) for v in question.asked_values)


def idf_weights(store: Store, question_terms: list[str] | tuple[str, ...]) -> dict[str, float]:
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


def question_terms(
    store: Store, question: AnalysedQuestion, context: str | None, settings: AnswerSettings, lang: str | None = None
) -> dict[str, float]:
    """IDF weights of the question's terms by the rules of `lang` (its own language when None), with the
    conversation's terms (if any) at a lower weight."""
    lang = lang or question.language
    weights = idf_weights(store, _without_seams(store, question.terms_in(lang)))
    if context:
        for t, w in idf_weights(store, _without_seams(store, terms(context, rules_of(lang)))).items():
            weights.setdefault(t, settings.context_term_weight * w)
    return weights


def _without_seams(store: Store, term_list: list[str] | tuple[str, ...]) -> list[str]:
    """The terms less the bigrams that straddle two words of a script written without spaces (`lexical.seams`):
    no sentence can hold them, and they would count against every sentence of that script alike."""
    straddling = seams(term_list, store.bm25.vocab_dict)
    return [t for t in term_list if t not in straddling] if straddling else list(term_list)


def partial_match(term: str, text_terms: set[str]) -> bool:
    """Whether a text term shares the term's stem prefix and one starts with the other ("chair" ~ "chairman")."""
    if len(term) < _PREFIX:
        return False
    head = term[:_PREFIX]
    return any(t.startswith(head) and (t.startswith(term) or term.startswith(t)) for t in text_terms if len(t) >= _PREFIX)


def overlap(
    qterms: dict[str, float],
    text_terms: set[str],
    partial_credit: float,
    borrowed: set[str] = frozenset(),
    borrowed_credit: float = 1.0,
) -> tuple[float, frozenset[str]]:
    """IDF-weighted share of the question's terms found in a text, and which terms were found.

    A term matched only by a shared stem prefix counts `partial_credit` of a full match;
    `borrowed` terms (an antecedent's) count `borrowed_credit` of a term of the text itself.
    """
    total = sum(qterms.values())
    if not total:
        return 0.0, frozenset()
    covered = set()
    weight = 0.0
    for t, w in qterms.items():
        if t in text_terms:
            covered.add(t)
            weight += w
        elif partial_match(t, text_terms):
            covered.add(t)
            weight += partial_credit * w
        elif t in borrowed or partial_match(t, borrowed):
            covered.add(t)
            weight += borrowed_credit * (1.0 if t in borrowed else partial_credit) * w
    return weight / total, frozenset(covered)


def _pairs(term_list: list[str]) -> set[tuple[str, str]]:
    return set(zip(term_list, term_list[1:]))


def _pair_share(question_terms: list[str], text_terms: list[str]) -> float:
    """The share of the question's adjacent term pairs found adjacent in the text."""
    qpairs = _pairs(question_terms)
    return len(qpairs & _pairs(text_terms)) / len(qpairs) if qpairs else 0.0


def pronoun_antecedent(store: Store, sid: int) -> int | None:
    """For a sentence opening with a pronoun ("He was speaking..."), the sentence before it in its file."""
    s = store.sentences[sid]
    if sid == 0 or store.sentences[sid - 1].source != s.source:
        return None
    if _PRONOUN_START.match(s.text):
        return sid - 1
    own = _PRONOUN_START_OF.get(store.language_of(s.source))
    return sid - 1 if own is not None and own.match(s.text) else None


def window_terms(store: Store, sid: int, terms_of: Callable[[int], list[str]]) -> set[str]:
    """Terms of a sentence together with its neighbours in the same file."""
    source = store.sentences[sid].source
    around: set[str] = set()
    for nb in (sid - 1, sid, sid + 1):
        if 0 <= nb < len(store.sentences) and store.sentences[nb].source == source:
            around.update(terms_of(nb))
    return around


@dataclass(frozen=True, slots=True)
class Candidates:
    """The eligible sentences of the top passages with the evidence for each (arrays in sid order)."""

    sids: list[int]
    dense: np.ndarray  # cosine of sentence and question vectors, calibrated (0 = the question's background level)
    overlap: np.ndarray  # IDF-weighted share of question terms in the sentence
    context: np.ndarray  # the same share for the sentence's passage
    passage_dense: np.ndarray  # calibrated cosine of the sentence's passage vector and the question's
    typed: np.ndarray  # holds the kind of fact asked for (1), partly (0.5), not (0)
    prior: np.ndarray  # 1 / rank of the passage it was found in
    heading: np.ndarray  # 1 for a headline-like line
    bigram: np.ndarray  # share of the question's adjacent term pairs found adjacent in the sentence
    window: np.ndarray  # term share of the sentence with its neighbours (the answer often sits beside the match)
    covered: list[frozenset[str]]  # which question terms each sentence holds
    conflict: np.ndarray  # 1 where the sentence names another year or rank than the question
    foreign: np.ndarray  # True where the sentence is in another language than the question (words cannot meet)


def rules_of(lang: str) -> str | None:
    """The analysis rules of a language: its own, or the historical ones when it is undetermined."""
    return None if lang == UNDETERMINED else lang


def dense_background(store: Store, qvec: np.ndarray) -> float:
    """The question's mean cosine to the documents' sentences at large: what 'unrelated' means for this model."""
    sample = store.background_sample
    return float(np.mean(sample @ qvec)) if len(sample) else 0.0


def calibrated(cosines: np.ndarray, background: float | np.ndarray) -> np.ndarray:
    """Cosines rescaled so that the background level is 0 and identity 1: comparable across models, whose
    cosines sit in bands of their own (all-MiniLM-L6-v2 near 0, multilingual-e5 near 0.8). `background` is one level
    for all, or one per cosine."""
    return np.clip((cosines - background) / np.maximum(1e-6, 1.0 - background), 0.0, 1.0).astype(np.float32)


def _gather(
    store: Store, qterms_of: Callable[[str], dict[str, float]], hits: list[Hit], settings: AnswerSettings
) -> tuple[list[int], dict[int, float], dict[int, float], dict[int, int]]:
    """The content sentences of the first `settings.passages` hits, each with its passage's rank prior, term share
    and id."""
    sids: list[int] = []
    prior: dict[int, float] = {}
    passage_share: dict[int, float] = {}
    passage_of: dict[int, int] = {}
    edges: set[int] = set()  # the sentences just outside each passage: neighbours read by window_terms
    for rank, hit in enumerate(hits[: settings.passages]):
        first, last = store.ranges[hit.passage_id]
        edges.update(i for i in (int(first) - 1, int(last)) if 0 <= i < len(store.sentences))
        lang = store.language_of(hit.source)
        share, _ = overlap(qterms_of(lang), set(terms(hit.text, rules_of(lang))), settings.partial_credit)
        for sid in range(int(first), int(last)):
            if sid not in prior:
                sids.append(sid)
                prior[sid] = 1.0 / (rank + 1)
                passage_share[sid] = share
                passage_of[sid] = hit.passage_id
    read = sids + sorted(edges - prior.keys())
    sentences = dict(zip(read, store.sentences_at(read)))  # one read where the store fetches records
    sids = [sid for sid in sids if is_content(sentences[sid].text)]
    return sids, prior, passage_share, passage_of


def candidates(
    store: Store, question: AnalysedQuestion, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings,
    context: str | None = None,
) -> Candidates:
    """Gather the eligible sentences of the first `settings.passages` hits and measure each one's evidence.

    Each sentence is analysed by its file's language and meets the question's terms analysed by the same
    rules. A sentence in another language than a surely identified question shares no words with it: when the
    model reads many languages, its word evidence (overlap, window, passage share, pairs) is its calibrated
    dense similarity instead, on the scale of word evidence (`foreign_match_similarity`).
    """
    by_lang: dict[str, dict[str, float]] = {}

    def qterms_of(lang: str) -> dict[str, float]:
        if lang not in by_lang:
            by_lang[lang] = question_terms(store, question, context, settings, lang)
        return by_lang[lang]

    sids, prior, passage_share, passage_of = _gather(store, qterms_of, hits, settings)
    texts = [store.sentences[sid].text for sid in sids]
    langs = [store.language_of(store.sentences[sid].source) for sid in sids]
    cache: dict[int, list[str]] = {}

    def terms_of(sid: int) -> list[str]:
        if sid not in cache:
            cache[sid] = terms(store.sentences[sid].text, rules_of(store.language_of(store.sentences[sid].source)))
        return cache[sid]

    def antecedent_terms(sid: int) -> set[str]:
        before = pronoun_antecedent(store, sid)
        return set(terms_of(before)) if before is not None else set()

    credit = settings.partial_credit
    term_lists = [terms_of(sid) for sid in sids]
    overlaps = [
        overlap(qterms_of(lang), set(tl), credit, antecedent_terms(sid), settings.antecedent_credit)
        for sid, tl, lang in zip(sids, term_lists, langs)
    ]
    bigrams = [_pair_share(list(qterms_of(lang)), tl) for tl, lang in zip(term_lists, langs)]
    windows = [overlap(qterms_of(lang), window_terms(store, sid, terms_of), credit)[0] for sid, lang in zip(sids, langs)]
    background = dense_background(store, qvec)
    # Where the documents are in several languages, each sentence in another language than the question is measured
    # against its own language's background level: the question sits nearer to text in a language near its own,
    # whatever the text says (Store.language_offsets). Sentences in the question's language keep the documents' level.
    offsets = store.language_offsets(qvec) if settings.even_languages and question.language_sure else {}
    offsets.pop(question.language, None)
    cosines = np.asarray(store.sentence_vectors[sids]) @ qvec if sids else np.zeros(0, np.float32)
    dense = calibrated(cosines, np.array([background + offsets.get(lang, 0.0) for lang in langs], dtype=np.float32))
    # The passage, read whole by the model, tells which part of the documents the question is about; its
    # sentences share that evidence (the answering sentence often names the topic only through its passage).
    pids = sorted({passage_of[sid] for sid in sids})
    levels = np.array([background + offsets.get(store.passage_language(pid), 0.0) for pid in pids], dtype=np.float32)
    by_passage = dict(zip(pids, calibrated(np.asarray(store.passage_vectors[pids]) @ qvec, levels))) if pids else {}
    foreign = np.array(
        [store.multilingual and question.language_sure and lang not in (question.language, UNDETERMINED) for lang in langs],
        dtype=bool,
    )

    as_words = np.minimum(1.0, dense / settings.foreign_match_similarity)
    asked_kind = "clock" if question.clock else question.kind  # a time of day: a date alone is the near kind

    def words_or_dense(values) -> np.ndarray:
        return np.where(foreign, as_words, np.asarray(values, dtype=np.float32)).astype(np.float32)

    return Candidates(
        sids=sids,
        dense=dense,
        overlap=words_or_dense([o for o, _ in overlaps]),
        context=words_or_dense([passage_share[sid] for sid in sids]),
        passage_dense=np.array([by_passage[passage_of[sid]] for sid in sids], dtype=np.float32),
        typed=np.array([type_match(asked_kind, t, question.words, rules_of(lang)) for t, lang in zip(texts, langs)], dtype=np.float32),
        prior=np.array([prior[sid] for sid in sids], dtype=np.float32),
        heading=np.array([is_heading(t) for t in texts], dtype=np.float32),
        bigram=words_or_dense(bigrams),
        window=words_or_dense(windows),
        covered=[c for _, c in overlaps],
        conflict=np.array([conflicting_value(question, t) for t in texts], dtype=np.float32),
        foreign=foreign,
    )


def combine(c: Candidates, question: AnalysedQuestion, settings: AnswerSettings) -> np.ndarray:
    """One score per candidate: the weighted sum of its evidence."""
    return (
        settings.dense_weight * c.dense
        + settings.overlap_weight * c.overlap
        + settings.context_weight * c.context
        + settings.passage_dense_weight * c.passage_dense
        + (settings.type_weight if question.asks_fact else settings.name_type_weight) * c.typed
        + settings.rank_weight * c.prior
        + settings.bigram_weight * c.bigram
        + settings.window_weight * c.window
        - settings.heading_penalty * c.heading
        - settings.conflict_penalty * c.conflict
    )


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate sentence with its score and the evidence later steps read again."""

    sid: int
    score: float
    dense: float
    overlap: float
    covered: frozenset[str]
    typed: float
    foreign: bool = False  # in another language than the question: its words say nothing of what it adds


def score_sentences(
    store: Store, question: AnalysedQuestion, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings,
    context: str | None = None,
) -> list[Scored]:
    """Every eligible sentence of the top passages, scored, best first."""
    c = candidates(store, question, qvec, hits, settings, context)
    scores = combine(c, question, settings)
    scored = [
        Scored(sid, float(sc), float(d), float(o), cov, float(t), bool(f))
        for sid, sc, d, o, cov, t, f in zip(c.sids, scores, c.dense, c.overlap, c.covered, c.typed, c.foreign)
    ]
    scored.sort(key=lambda s: (-s.score, s.sid))
    return scored
