"""Retrieval: dense passages, dense sentences and BM25 (each text by its language's rules), fused by score."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import SettingsError
from .index import Store
from .language import UNDETERMINED, Identified, identify
from .lexical import terms
from .types import Hit

METHODS = ("hybrid", "dense", "lexical")


FUSIONS = ("score", "rrf")
# BM25's share of the fused score when none is given, by whether the index's model reads many languages. Measured
# with gold in the top 5 over the dev sets (docs/evaluation.md#bm25s-share-in-fusion): multilingual-e5-small does best
# at 0.4 in every language (PIAF 0.899 -> 0.920); all-MiniLM-L6-v2, which reads English only, needs 0.6 on French
# (0.840 against 0.804 at 0.4) and is alike at both on English.
LEXICAL_SHARE = {True: 0.4, False: 0.6}


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How passages are found: which retrievers, how deep each looks, how their lists are fused.

    "score" fusion (the default) adds normalised scores: BM25 divided by the best BM25 score of
    the query, dense cosines min-max scaled over the candidates, weighted `lexical_share` and
    1 - `lexical_share` (by default 0.4 under a multilingual model, 0.6 under an English-only one,
    whose vectors say little of other languages; the dense part split between passage and sentence vectors by
    `sentence_share`). It keeps how much better one passage is than the next, which rank
    fusion ("rrf", weights 1 each, constant `rrf_k`) throws away; this matters most when the
    model reads the question's language poorly and its cosines are all alike.
    """

    method: str = "hybrid"  # hybrid | dense | lexical
    depth: int = 50  # candidates taken from each retriever before fusion
    fusion: str = "score"  # score | rrf
    lexical_share: float | None = None  # None: by the model, `LEXICAL_SHARE`
    sentence_share: float = 0.5
    rrf_k: float = 60.0
    # Where the documents are in several languages and the question surely in none of them, the dense searches compare
    # passages of each language with the question less its nearness to that language at large
    # (`Store.language_offsets`): English questions over Chinese and French articles found the Chinese one that
    # answers first for 0.43 of them raw, 0.71 evened out
    even_languages: bool = True

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise SettingsError(f"retrieval method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.fusion not in FUSIONS:
            raise SettingsError(f"fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if self.depth < 1:
            raise SettingsError(f"retrieval depth must be at least 1, got {self.depth}")
        for name in ("lexical_share", "sentence_share"):
            if getattr(self, name) is not None and not 0.0 <= getattr(self, name) <= 1.0:
                raise SettingsError(f"{name} must be between 0 and 1, got {getattr(self, name)}")


# Where the documents are in several languages, each dense search looks this many times deeper before it evens out
# the languages (`Store.language_offsets`): a passage far down the raw ranking is not worth the reading
LANGUAGE_WIDENING = 2


def _evened(store: Store, found: list[tuple[int, float]], pid_of: Callable[[int], int], offsets: dict[str, float],
            depth: int) -> list[tuple[int, float]]:
    """`found` (record id, cosine) with each record's language offset taken off its cosine, best first, `depth` kept."""
    moved = [(i, float(s) - offsets.get(store.passage_language(pid_of(i)), 0.0)) for i, s in found]
    moved.sort(key=lambda item: (-item[1], item[0]))
    return moved[:depth]


def dense_passages(store: Store, qvec: np.ndarray, depth: int, offsets: dict[str, float] | None = None) -> list[tuple[int, float]]:
    """(passage id, cosine) of the nearest passages; with language `offsets` (`Store.language_offsets`), each
    cosine less its language's offset."""
    if not offsets:
        return store.search.dense("passages", qvec, depth)
    return _evened(store, store.search.dense("passages", qvec, depth * LANGUAGE_WIDENING), int, offsets, depth)


def dense_sentences(store: Store, qvec: np.ndarray, depth: int, offsets: dict[str, float] | None = None) -> list[tuple[int, float]]:
    """(passage id, cosine of its best sentence) for the passages holding the nearest sentences; with language
    `offsets`, each cosine less its language's offset."""
    found = store.search.dense("sentences", qvec, depth * 2 * (LANGUAGE_WIDENING if offsets else 1))
    if offsets:
        found = _evened(store, found, store.passage_of, offsets, depth * 2)
    best: dict[int, float] = {}
    for i, s in found:
        pid = store.passage_of(i)  # not store.sentences[i]: a store fetching records would read a hundred
        if pid not in best:
            best[pid] = float(s)
    return list(best.items())[:depth]


def question_language(store: Store, question: str) -> Identified:
    """The question's language (the documents' languages preferred when it is ambiguous); the corpus's main
    language, not sure, when the question is too short to tell."""
    found = identify(question, prefer=store.corpus_languages)
    return found if found.language != UNDETERMINED else Identified(store.main_language, 0.0)


def query_terms(store: Store, question: str, language: str | None = None) -> list[str]:
    """The question's terms by the rules of its language and of each language of the documents (so that a
    misjudged short question still meets passages analysed by their own rules), known to BM25, each once."""
    languages = dict.fromkeys([language or question_language(store, question).language, *store.corpus_languages])
    found = (t for lang in languages for t in terms(question, lang))
    return [t for t in dict.fromkeys(found) if t in store.bm25.vocab_dict]


def lexical_passages(store: Store, question: str, depth: int, language: str | None = None) -> list[tuple[int, float]]:
    """(passage id, BM25 score) of the best lexical matches; empty when no term of the question is known."""
    query = query_terms(store, question, language)
    if not query:
        return []
    return store.search.lexical(query, question, depth)


def _normalised(name: str, ranked: list[tuple[int, float]]) -> list[float]:
    scores = [sc for _, sc in ranked]
    if name == "lexical":
        top = scores[0]
        return [sc / top for sc in scores]
    hi, lo = scores[0], scores[-1]
    return [(sc - lo) / (hi - lo) if hi > lo else 1.0 for sc in scores]


def fuse(
    lists: dict[str, list[tuple[int, float]]], settings: RetrievalSettings, foreign: set[int] = frozenset(),
    multilingual: bool = False,
) -> dict[int, float]:
    """One score per passage from the ranked lists of each retriever.

    A `foreign` passage (in another language than the question) cannot share words with it: in score
    fusion its lexical part is its dense evidence instead, so it is neither helped nor punished by BM25.
    `multilingual` (the model reads many languages) chooses BM25's share when the settings give none.
    """
    share = settings.lexical_share if settings.lexical_share is not None else LEXICAL_SHARE[multilingual]
    dense_share = 1.0 - share if "lexical" in lists else 1.0
    lexical_share = share if "dense" in lists else 1.0
    weights = {
        "dense": dense_share * (1.0 - settings.sentence_share),
        "sentence": dense_share * settings.sentence_share,
        "lexical": lexical_share,
    }
    substitute = bool(foreign) and settings.fusion == "score" and "lexical" in lists and "dense" in lists
    fused: dict[int, float] = {}
    dense: dict[int, float] = {}  # sum of each passage's normalised dense scores (0 where a list misses it)
    for name, ranked in lists.items():
        if not ranked:
            continue
        if settings.fusion == "rrf":
            values = [1.0 / (settings.rrf_k + rank) for rank in range(1, len(ranked) + 1)]
            w = 1.0
        else:
            values = _normalised(name, ranked)
            w = weights[name]
        for (pid, _), v in zip(ranked, values):
            if not (name == "lexical" and pid in foreign and settings.fusion == "score"):
                fused[pid] = fused.get(pid, 0.0) + w * v
            if substitute and name in ("dense", "sentence"):
                dense[pid] = dense.get(pid, 0.0) + v
    for pid in foreign & dense.keys():  # the mean of its two dense scores in place of the lexical one
        fused[pid] = fused.get(pid, 0.0) + weights["lexical"] * dense[pid] / 2
    return fused


def dense_agreement(lists: dict[str, list[tuple[int, float]]], group: Callable[[int], str] | None = None) -> Callable[[int], float]:
    """A passage's agreement between the dense ranked lists (`Hit.agreement`): the mean of its min-max scaled
    scores, 0 in a list that misses it; 1.0 for every passage when there is no dense list. With `group` (a passage's
    language), each list is scaled within each group apart: how far the searches agree on it among its group's."""
    parts = [
        [(pid, sc) for pid, sc in ranked if group is None or group(pid) == g]
        for ranked in lists.values() if ranked
        for g in ([None] if group is None else dict.fromkeys(group(pid) for pid, _ in ranked))
    ]
    scaled = [dict(zip((pid for pid, _ in part), _normalised("dense", part))) for part in parts]
    n = sum(1 for ranked in lists.values() if ranked)
    if not n:
        return lambda pid: 1.0
    return lambda pid: sum(s.get(pid, 0.0) for s in scaled) / n


def _foreign(store: Store, asked: Identified, candidates: set[int]) -> set[int]:
    """The candidate passages written in another language than the question, when its language is sure and the
    model reads many languages (an English-only model's vectors say nothing across languages)."""
    if not (asked.sure and store.multilingual):
        return set()
    return {pid for pid in candidates if store.passage_language(pid) not in (asked.language, UNDETERMINED)}


def retrieve(
    store: Store, question: str, qvec: np.ndarray | None, k: int = 5, settings: RetrievalSettings = RetrievalSettings(),
    language: Identified | None = None,
) -> list[Hit]:
    """The k best passages for the question, each with its per-retriever ranks and scores.

    `language` is the question's (`question_language`), identified here when None.
    """
    lists: dict[str, list[tuple[int, float]]] = {}
    asked = language or question_language(store, question)
    offsets: dict[str, float] = {}
    if settings.method in ("hybrid", "dense"):
        offsets = store.language_offsets(qvec) if settings.even_languages and asked.sure else {}
        if asked.language in offsets:
            # asked in a language of the documents: looked for first in that language, where its words also meet the
            # passages' (evening the languages out there cost French questions over English and French articles 2
            # points of false abstention)
            offsets = {}
        lists["dense"] = dense_passages(store, qvec, settings.depth, offsets)
        lists["sentence"] = dense_sentences(store, qvec, settings.depth, offsets)
    if settings.method in ("hybrid", "lexical"):
        lists["lexical"] = lexical_passages(store, question, settings.depth, asked.language)
    foreign = _foreign(store, asked, {pid for ranked in lists.values() for pid, _ in ranked})
    fused = fuse(lists, settings, foreign, store.multilingual)
    ranks = {
        name: {pid: (rank, score) for rank, (pid, score) in enumerate(ranked, 1)} for name, ranked in lists.items()
    }
    # Among documents in several languages, the agreement on a passage is measured among its own language's: a French
    # sentence heading the sentence list says nothing of a Chinese answer, whatever the question's language
    agreement = dense_agreement({name: lists[name] for name in ("dense", "sentence") if name in lists},
                                store.passage_language if store.several_languages else None)
    order = sorted(fused, key=lambda pid: (-fused[pid], pid))[:k]

    hits = []
    for pid, p in zip(order, store.passages_at(order)):
        d, s, l = (ranks.get(name, {}).get(pid) for name in ("dense", "sentence", "lexical"))
        hits.append(
            Hit(
                source=p.source,
                text=p.text,
                score=fused[pid],
                start=p.start,
                end=p.end,
                line=p.line,
                passage_id=pid,
                dense_rank=d and d[0],
                dense_score=d and d[1],
                lexical_rank=l and l[0],
                lexical_score=l and l[1],
                sentence_rank=s and s[0],
                sentence_score=s and s[1],
                agreement=agreement(pid),
            )
        )
    return hits
