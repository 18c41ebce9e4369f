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

from .chunking import guess_language
from .errors import SettingsError
from .index import Store
from .lexical import fold, stopwords, terms, words
from .types import Answer, Citation, Hit, Quote, Sentence, quotes_text

_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand million "
    "billion dozen un une deux trois quatre cinq six sept huit neuf dix onze douze vingt trente quarante cinquante "
    "cent cents mille million millions milliard milliards".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()
)
_WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche".split()
)
# What a quantity question asks for when it has no "how many": "what is the population of ...".
_QUANTITY_NOUNS = (
    "population|area|size|length|height|width|depth|weight|distance|speed|"
    "temperature|capacity|rate|percentage|amount|total|age|duration|superficie|taille|longueur|hauteur|poids|"
    "vitesse|capacite|taux|duree"
)
# ... and an amount of money ("what was the budget of ..."): the answer should name a currency.
_MONEY_NOUNS = "budget|cost|costs|price|salary|revenue|income|fee|fees|value|worth|prix|cout|salaire|revenu|montant|valeur"
# The asked-for kind of fact, from the question's wording (folded, English or French). When a
# question has several cues ("Who spoke when the event opened?"), the first one wins.
_QTYPES = (
    ("money", re.compile(
        r"\bhow much (\w+ ){0,6}(cost|costs|pay|paid|spend|spent|earn|earned|charge|charged|sell|sold|raise|raised|worth)\b"
        rf"|\b(what|which) (is|was|are|were) the ({_MONEY_NOUNS})\b|\bquel(le)? (est|etait) (le |la |l )?({_MONEY_NOUNS})\b"
        r"|\bcombien (coute|coutent|coutait|a coute|ont coute|gagne|a paye|vaut)\b"
    )),
    ("number", re.compile(
        r"\b(how (many|much|long|old|far|large|big|tall|high)|what (percentage|number|amount|proportion)|combien"
        r"|quel(le)?s? (est|sont|etait) (le|la) (nombre|pourcentage|montant)|quel(le)? (nombre|pourcentage|montant)"
        rf"|(what|which) (is|was|are|were) the ({_QUANTITY_NOUNS})|quel(le)? (est|etait) (le |la |l )?({_QUANTITY_NOUNS}))\b"
    )),
    ("date", re.compile(
        r"\b(when|(what|which) ((day|days) of the (week|month)|years?|dates?|days?|months?|century|decade|period|time)"
        r"|in what year|quand|en quelle annee|quelle (annee|date|periode)|quel (jour de la semaine|jour|mois|siecle)"
        r"|quels (jours|mois)|depuis quand"
        r"|a quelle (date|epoque|periode|heure))\b"
    )),
    ("person", re.compile(r"\b(who|whom|whose|qui (a|est|etait|sont|fut|ont|avait|dirige|preside)|^qui\b|par qui|quel est le nom)\b")),
    ("place", re.compile(
        r"\b(where|(what|which) (country|city|region|state|town|province|village|island|continent)"
        r"|^ou\b|(dans )?quel(le)? (pays|ville|region|province|ile|continent))\b"
    )),
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-ÖØ-Þ][\w'’-]+")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DIGITS = re.compile(r"\d")
_CURRENCY = re.compile(
    r"[$€£¥₽]|\b(dollars?|euros?|pounds?|sterling|yen|yuan|rubles?|roubles?|francs?|rupees?|soums?|sums?|pesos?|usd|eur|gbp)\b",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th|e|er|eme|re|ere)")  # "17th", "4e": a rank, not a date


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """How sentences are scored and when the answer abstains."""

    min_confidence: float = 0.33  # below this the answer is "not in the documents"
    passages: int = 5  # how many of the top passages are read for answer sentences
    max_sentences: int = 2  # sentences chosen; a pronoun sentence's antecedent (see _antecedent) rides along
    extra_ratio: float = 0.88  # a further sentence must score at least this share of the best
    duplicate_similarity: float = 0.90  # cosine above which sentences of two files say the same thing
    # Weights of the evidence (measured on the dev sets; see README "How it works").
    dense_weight: float = 1.0
    overlap_weight: float = 0.6
    context_weight: float = 0.3
    window_weight: float = 0.6
    bigram_weight: float = 0.3
    type_weight: float = 0.5  # holds the amount, number or date asked for (reliably seen: digits, months, currencies)
    name_type_weight: float = 0.2  # holds a name when a person or place is asked for (any capitalised word: weak)
    rank_weight: float = 0.0
    heading_penalty: float = 0.15
    conflict_penalty: float = 0.3  # a sentence naming another year or rank than the question's ranks lower
    unmatched_count_factor: float = 0.75  # confidence kept when a "how many X" answer never names X
    missing_type_factor: float = 0.75  # confidence kept when an amount/number/date question's answer holds none
    conflict_factor: float = 0.6  # confidence kept when the question names a year or rank and the answer another

    def __post_init__(self) -> None:
        if not 1 <= self.max_sentences <= 10:
            raise SettingsError(f"max_sentences must be between 1 and 10, got {self.max_sentences}")
        if self.passages < 1:
            raise SettingsError(f"passages must be at least 1, got {self.passages}")


FACT_TYPES = ("money", "number", "date")  # kinds of answer that can be told apart reliably


def _type_cue(question: str) -> tuple[str | None, str]:
    q = fold(question).strip()
    found = [(m.start(), i, name, m.group()) for i, (name, pattern) in enumerate(_QTYPES) if (m := pattern.search(q))]
    if not found:
        return None, ""
    _, _, name, cue = min(found)
    return name, cue


def question_type(question: str) -> str | None:
    """'money', 'number', 'date', 'person', 'place' or None, from the question's wording (English or French)."""
    return _type_cue(question)[0]


# Words that name the kind of answer ("which city", "what year", "day of the week"): the answer
# holds a city or a year, not these words, so they are not terms a sentence should match.
_FOCUS_WORDS = frozenset(
    "year years date dates day days week month months century decade period time city country region state town "
    "province village island continent percentage number amount proportion annee jour jours semaine mois siecle "
    "periode epoque heure pays ville province ile nombre pourcentage montant".split()
)
# Words that only say how precise the answer should be ("roughly how many", "how many altogether").
_HEDGES = frozenset(
    "roughly approximately exactly precisely altogether overall nearly almost approximativement environ exactement "
    "precisement".split()
)


# Interrogatives the stop-word lists miss (French ones above all): the question's form, not its content.
_INTERROGATIVES = frozenset(
    "combien quel quelle quels quelles lequel laquelle lesquels lesquelles pourquoi comment quand quoi whose".split()
)


def ignored_words(question: str) -> set[str]:
    """The question's words that no answer sentence is expected to hold: interrogatives, answer-kind words, hedges."""
    _, cue = _type_cue(question)
    asked = set(words(question))
    return (set(words(cue)) & _FOCUS_WORDS) | (asked & _HEDGES) | (asked & _INTERROGATIVES)


_COUNTED = re.compile(r"\b(?:how many|how much|combien d(?:e|es|u)?)\s+(.*)")


def counted_terms(question: str) -> set[str]:
    """What a "how many X" / "combien de X" question counts: the term of X's first word."""
    m = _COUNTED.search(fold(question))
    if not m:
        return set()
    following = [w for w in words(m.group(1))[:2] if w not in stopwords()]
    return set(terms(following[0])) if following else set()


def is_content(text: str) -> bool:
    """Whether a sentence can be an answer: enough words and letters to be prose, not page furniture."""
    alpha_words = re.findall(r"[^\W\d_]{2,}", text)
    if len(alpha_words) < 3:
        return False
    visible = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in visible) >= 0.6 * len(visible)


_CLOSED = re.compile(r"[.!?:;…][\"'»”’)\]]*\s*$")


def is_heading(text: str) -> bool:
    """A short line that does not end a sentence (closing quotes aside): a title, a headline, a menu entry."""
    return not _CLOSED.search(text) and len(text.split()) < 14


def type_match(qtype: str | None, text: str, question_words: set[str]) -> float:
    """1.0 when the sentence holds a fact of the asked-for kind that the question does not already name."""
    if qtype is None:
        return 0.0
    all_words = words(text)
    toks = set(all_words) - question_words
    if qtype in ("number", "money"):
        number = any(_DIGITS.search(t) or t in _NUMBER_WORDS for t in toks)
        if qtype == "number" or not number:
            return 1.0 if number else 0.0
        return 1.0 if _CURRENCY.search(text) else 0.5  # an amount without a currency may be a count or a year
    if qtype == "date":
        if any(_YEAR.fullmatch(t) or t in _MONTHS or t in _WEEKDAYS for t in toks):
            return 1.0
        for i, w in enumerate(all_words):  # a day beside a month the question names: "on September 4-5"
            if w in _MONTHS and any(_DIGITS.search(x) and x not in question_words for x in all_words[max(0, i - 3) : i + 3]):
                return 1.0
        return 0.5 if any(_DIGITS.search(t) and not _ORDINAL.fullmatch(t) for t in toks) else 0.0
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
class Candidates:
    """The eligible sentences of the top passages with the evidence for each (arrays in sid order)."""

    sids: list[int]
    dense: np.ndarray  # cosine of sentence and question vectors
    overlap: np.ndarray  # IDF-weighted share of question terms in the sentence
    context: np.ndarray  # the same share for the sentence's passage
    typed: np.ndarray  # holds the kind of fact asked for (1), partly (0.5), not (0)
    prior: np.ndarray  # 1 / rank of the passage it was found in
    heading: np.ndarray  # 1 for a headline-like line
    bigram: np.ndarray  # share of the question's adjacent term pairs found adjacent in the sentence
    window: np.ndarray  # term share of the sentence with its neighbours (the answer often sits beside the match)
    covered: list[frozenset[str]]  # which question terms each sentence holds
    conflict: np.ndarray  # 1 where the sentence names another year or rank than the question
    qtype: str | None  # the kind of fact asked for (see question_type)


@dataclass(frozen=True, slots=True)
class _Scored:
    sid: int
    score: float
    dense: float
    overlap: float
    covered: frozenset[str]
    typed: float


PARTIAL_CREDIT = 0.7  # a term matched only by a shared stem prefix ("chair" ~ "chairman")
_PREFIX = 5


def _partial(term: str, text_terms: set[str]) -> bool:
    if len(term) < _PREFIX:
        return False
    head = term[:_PREFIX]
    return any(t.startswith(head) and (t.startswith(term) or term.startswith(t)) for t in text_terms if len(t) >= _PREFIX)


def _overlap(
    qterms: dict[str, float], text_terms: set[str], borrowed: set[str] = frozenset(), borrowed_credit: float = 1.0
) -> tuple[float, frozenset[str]]:
    """IDF-weighted share of the question's terms found in a text, and which terms were found.

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
        elif _partial(t, text_terms):
            covered.add(t)
            weight += PARTIAL_CREDIT * w
        elif t in borrowed or _partial(t, borrowed):
            covered.add(t)
            weight += borrowed_credit * (1.0 if t in borrowed else PARTIAL_CREDIT) * w
    return weight / total, frozenset(covered)


def _pairs(term_list: list[str]) -> set[tuple[str, str]]:
    return set(zip(term_list, term_list[1:]))


CONTEXT_TERM_WEIGHT = 0.3  # a term carried over from the conversation counts this much of one asked now


def question_terms(store: Store, question: str, context: str | None = None) -> dict[str, float]:
    """IDF weights of the question's terms, with the conversation's terms (if any) at a lower weight."""
    ignored = ignored_words(question)
    asked = " ".join(w for w in words(question) if w not in ignored)
    weights = idf_weights(store, terms(asked))
    if context:
        for t, w in idf_weights(store, terms(context)).items():
            weights.setdefault(t, CONTEXT_TERM_WEIGHT * w)
    return weights


def candidates(
    store: Store, question: str, qvec: np.ndarray, hits: list[Hit], passages: int, context: str | None = None
) -> Candidates:
    """Gather the eligible sentences of the first `passages` hits and measure each one's evidence."""
    qterms = question_terms(store, question, context)
    qwords = set(words(question))
    qtype = question_type(question)
    asked_values = _asked_values(question)  # years and ranks the question names (most name none)

    sids: list[int] = []
    prior: dict[int, float] = {}
    passage_share: dict[int, float] = {}
    for rank, hit in enumerate(hits[:passages]):
        first, last = store.ranges[hit.passage_id]
        share, _ = _overlap(qterms, set(terms(hit.text)))
        for sid in range(int(first), int(last)):
            if sid not in prior:
                sids.append(sid)
                prior[sid] = 1.0 / (rank + 1)
                passage_share[sid] = share
    sids = [sid for sid in sids if is_content(store.sentences[sid].text)]
    texts = [store.sentences[sid].text for sid in sids]
    cache: dict[int, list[str]] = {}

    def terms_of(sid: int) -> list[str]:
        if sid not in cache:
            cache[sid] = terms(store.sentences[sid].text)
        return cache[sid]

    term_lists = [terms_of(sid) for sid in sids]
    overlaps = [_overlap(qterms, set(tl), _antecedent_terms(store, sid, terms_of), ANTECEDENT_CREDIT) for sid, tl in zip(sids, term_lists)]
    qpairs = _pairs(list(qterms))
    windows = [_overlap(qterms, _window_terms(store, sid, terms_of))[0] for sid in sids]
    return Candidates(
        sids=sids,
        dense=np.asarray(store.sentence_vectors[sids]) @ qvec if sids else np.zeros(0, np.float32),
        overlap=np.array([o for o, _ in overlaps], dtype=np.float32),
        context=np.array([passage_share[sid] for sid in sids], dtype=np.float32),
        typed=np.array([type_match(qtype, t, qwords) for t in texts], dtype=np.float32),
        prior=np.array([prior[sid] for sid in sids], dtype=np.float32),
        heading=np.array([is_heading(t) for t in texts], dtype=np.float32),
        bigram=np.array([len(qpairs & _pairs(tl)) / len(qpairs) if qpairs else 0.0 for tl in term_lists], dtype=np.float32),
        window=np.array(windows, dtype=np.float32),
        covered=[c for _, c in overlaps],
        conflict=np.array([_conflicts(asked_values, t) for t in texts], dtype=np.float32),
        qtype=qtype,
    )


def combine(c: Candidates, settings: AnswerSettings) -> np.ndarray:
    """One score per candidate: the weighted sum of its evidence."""
    return (
        settings.dense_weight * c.dense
        + settings.overlap_weight * c.overlap
        + settings.context_weight * c.context
        + (settings.type_weight if c.qtype in FACT_TYPES else settings.name_type_weight) * c.typed
        + settings.rank_weight * c.prior
        + settings.bigram_weight * c.bigram
        + settings.window_weight * c.window
        - settings.heading_penalty * c.heading
        - settings.conflict_penalty * c.conflict
    )


def score_sentences(
    store: Store, question: str, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings, context: str | None = None
) -> list[_Scored]:
    """Every eligible sentence of the top passages, scored, best first."""
    c = candidates(store, question, qvec, hits, settings.passages, context)
    scores = combine(c, settings)
    scored = [
        _Scored(sid, float(sc), float(d), float(o), cov, float(t))
        for sid, sc, d, o, cov, t in zip(c.sids, scores, c.dense, c.overlap, c.covered, c.typed)
    ]
    scored.sort(key=lambda s: (-s.score, s.sid))
    return scored


def confidence(best: _Scored) -> float:
    """How well the best sentence answers, in [0, 1]: its dense similarity and term coverage together."""
    return max(0.0, min(1.0, 0.5 * best.dense + 0.5 * best.overlap))


_ANCHOR = re.compile(r"\d+(?:[.,]\d+)?|\b[A-Z][A-Za-z]*[A-Z]\w*|\b[A-Z]\w{2,}")


def anchors(text: str) -> set[str]:
    """Numbers, acronyms and capitalised words: what survives translation of a factual sentence."""
    found = {fold(m.group()).replace(",", ".") for m in _ANCHOR.finditer(text)}
    first = re.match(r"\W*(\w+)", text)
    if first:
        found.discard(fold(first.group(1)))  # a sentence's first word is capitalised anyway
    return found


def same_statement(store: Store, a: int, b: int, threshold: float) -> bool:
    """Whether sentences a and b say the same thing: near-identical vectors or words, or the same facts."""
    va = np.asarray(store.sentence_vectors[a])
    vb = np.asarray(store.sentence_vectors[b])
    if float(va @ vb) >= threshold:
        return True
    ta, tb = store.sentences[a].text, store.sentences[b].text
    wa, wb = set(terms(ta)), set(terms(tb))
    if wa and wb and len(wa & wb) / len(wa | wb) >= 0.75:
        return True
    # Across languages words differ but numbers and names stay: several shared numbers and a
    # large share of shared anchors mean the same fact told twice.
    aa, ab = anchors(ta), anchors(tb)
    shared = aa & ab
    numbers = [x for x in shared if x[0].isdigit()]
    return len(numbers) >= 2 and len(shared) >= 3 and len(shared) >= 0.3 * min(len(aa), len(ab))


def _pick(store: Store, scored: list[_Scored], settings: AnswerSettings) -> list[_Scored]:
    """The best sentence, and up to max_sentences - 1 more that score nearly as well and add a fact."""
    best = scored[0]
    chosen = [best]
    covered = set(best.covered)
    known = anchors(store.sentences[best.sid].text)
    for cand in scored[1:]:
        if len(chosen) >= settings.max_sentences or cand.score < settings.extra_ratio * best.score:
            break
        if any(same_statement(store, cand.sid, c.sid, settings.duplicate_similarity) for c in chosen):
            continue
        new_anchors = anchors(store.sentences[cand.sid].text) - known
        if cand.covered - covered or cand.typed >= 1.0 or new_anchors:
            chosen.append(cand)
            covered |= cand.covered
            known |= new_anchors
    return chosen


def _witnesses(store: Store, chosen: _Scored, pool: list[int], threshold: float, language: str) -> list[int]:
    """The chosen sentence and the sentences of other files in the pool that say the same thing.

    The first one returned is the one to quote: the chosen sentence, unless it is in another
    language than the question and a witness is in the question's.
    """
    main = store.sentences[chosen.sid]
    found = [chosen.sid]
    seen = {main.source}
    for sid in pool:
        s = store.sentences[sid]
        if s.source in seen:
            continue
        if same_statement(store, chosen.sid, sid, threshold):
            found.append(sid)
            seen.add(s.source)
    if len(found) > 1 and guess_language(main.text) != language:
        for i, sid in enumerate(found[1:], 1):
            if guess_language(store.sentences[sid].text) == language:
                found.insert(0, found.pop(i))
                break
    return found


def compose_answer(
    store: Store, question: str, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings = AnswerSettings(),
    note: str | None = None, context: str | None = None,
) -> Answer:
    """An Answer quoting the best sentences of the hits with numbered citations, or an abstention.

    `context` holds terms of the conversation a follow-up leans on: they guide the search at a
    lower weight than the question's own terms.
    """
    scored = score_sentences(store, question, qvec, hits, settings, context)
    if not scored:
        return Answer(question, None, [], hits, 0.0, _join(note, "no readable sentence in the retrieved passages"))
    conf = confidence(scored[0])
    counted = counted_terms(question)
    if counted and not _holds_all(store, scored[0].sid, counted):
        # "How many journalists...?" answered by a sentence that counts no journalists.
        conf *= settings.unmatched_count_factor
    qtype = question_type(question)
    if qtype in FACT_TYPES:
        # "When was it founded?" answered by a sentence without a date; half as much for a bare
        # number where a date or an amount was asked for.
        conf *= 1.0 - (1.0 - scored[0].typed) * (1.0 - settings.missing_type_factor)
    if conflicting_value(question, store.sentences[scored[0].sid].text):
        # "Who will host the eleventh conference?" answered by a sentence about the tenth.
        conf *= settings.conflict_factor
    if conf < settings.min_confidence:
        reason = f"the documents do not seem to answer this (confidence {conf:.2f} < {settings.min_confidence:.2f})"
        return Answer(question, None, [], hits, conf, _join(note, reason))

    chosen = _pick(store, scored, settings)
    antecedent = _antecedent(store, chosen[0], qtype)
    if antecedent is not None and all(c.sid != antecedent for c in chosen):
        # "He was speaking ..." without the fact asked for: the sentence "he" points to goes first.
        best = chosen[0]
        chosen.insert(0, _Scored(antecedent, best.score, best.dense, best.overlap, frozenset(), 0.0))
    pool = [s.sid for s in scored]
    language = guess_language(question)
    citations: list[Citation] = []
    quotes: list[Quote] = []
    for c in chosen:
        witnesses = _witnesses(store, c, pool, settings.duplicate_similarity, language)
        first = len(citations) + 1
        for sid in witnesses:
            s = store.sentences[sid]
            citations.append(Citation(len(citations) + 1, s.source, s.start, s.end, s.line, s.text))
        quotes.append(Quote(store.sentences[witnesses[0]].text, tuple(range(first, len(citations) + 1))))
    return Answer(question, quotes_text(quotes), citations, hits, conf, note, quotes)


def _window_terms(store: Store, sid: int, terms_of) -> set[str]:
    """Terms of a sentence together with its neighbours in the same file."""
    source = store.sentences[sid].source
    around: set[str] = set()
    for nb in (sid - 1, sid, sid + 1):
        if 0 <= nb < len(store.sentences) and store.sentences[nb].source == source:
            around.update(terms_of(nb))
    return around


_PRONOUN_START = re.compile(
    r"\W*(he|she|it|they|this|these|his|her|its|their|il|elle|ils|elles|celui-ci|celle-ci|ce|cette|ces|son|sa|ses|leur|leurs)\b",
    re.IGNORECASE,
)


ANTECEDENT_CREDIT = 0.7  # measured on the dev sets: 0.3-1.0 all help containment, 0.7 most


def _pronoun_antecedent(store: Store, sid: int) -> int | None:
    """For a sentence opening with a pronoun ("He was speaking..."), the sentence before it in its file."""
    s = store.sentences[sid]
    if sid > 0 and _PRONOUN_START.match(s.text) and store.sentences[sid - 1].source == s.source:
        return sid - 1
    return None


def _antecedent_terms(store: Store, sid: int, terms_of) -> set[str]:
    """The terms of the sentence a pronoun opening points back to (none for other sentences)."""
    before = _pronoun_antecedent(store, sid)
    return set(terms_of(before)) if before is not None else set()


_RANK_WORDS = {
    w: i + 1
    for names in (
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
        "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth",
        "premiere deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme onzieme douzieme",
    )
    for i, w in enumerate(names.split())
}  # "premier" is left out: "premier ministre", "Premier League"
_BOUNDS = frozenset("before after since until prior by from avant apres depuis jusqu des partir".split())


def _value(token: str) -> tuple[str, int] | None:
    """('rank', n) for "eleventh", "11th", "onzième", "11e"; ('year', n) for a year; None otherwise."""
    if token in _RANK_WORDS:
        return "rank", _RANK_WORDS[token]
    m = _ORDINAL.fullmatch(token)
    if m:
        return "rank", int(m.group(1))
    if _YEAR.fullmatch(token):
        return "year", int(token)
    return None


def conflicting_value(question: str, text: str) -> bool:
    """Whether the question names a year or a rank that the sentence lacks while naming another of that kind.

    A year just after "before", "prior to", "since", "avant"... bounds a period rather than naming
    it, so it is not compared.
    """
    return _conflicts(_asked_values(question), text)


def _asked_values(question: str) -> set[tuple[str, int]]:
    q = words(question)
    return {v for i, t in enumerate(q) if (v := _value(t)) and not (v[0] == "year" and _BOUNDS & set(q[max(0, i - 2) : i]))}


def _conflicts(asked: set[tuple[str, int]], text: str) -> bool:
    if not asked:
        return False
    said = {v for t in words(text) if (v := _value(t))}
    return any(v not in said and any(kind == v[0] for kind, _ in said) for v in asked)


def _antecedent(store: Store, best: _Scored, qtype: str | None) -> int | None:
    """The sentence before the best one, when the best opens with a pronoun and lacks the kind of fact asked for."""
    if qtype is None or best.typed >= 1.0:
        return None
    before = _pronoun_antecedent(store, best.sid)
    return before if before is not None and is_content(store.sentences[before].text) else None


def _holds_all(store: Store, sid: int, wanted: set[str]) -> bool:
    """Whether the sentence, with its neighbours, holds every wanted term (a shared stem prefix counts)."""
    around = _window_terms(store, sid, lambda i: terms(store.sentences[i].text))
    return all(t in around or _partial(t, around) for t in wanted)


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b
