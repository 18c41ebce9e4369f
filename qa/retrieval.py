"""Retrieval: dense passages, dense sentences and BM25, fused by weighted reciprocal rank."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SettingsError
from .index import Store
from .lexical import terms
from .types import Hit

METHODS = ("hybrid", "dense", "lexical")


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How passages are found: which retrievers, how deep each looks, how their ranks are fused."""

    method: str = "hybrid"  # hybrid | dense | lexical
    depth: int = 50  # candidates taken from each retriever before fusion
    rrf_k: float = 60.0
    dense_weight: float = 1.0
    sentence_weight: float = 1.0
    lexical_weight: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise SettingsError(f"retrieval method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.depth < 1:
            raise SettingsError(f"retrieval depth must be at least 1, got {self.depth}")


def dense_passages(store: Store, qvec: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """(passage id, cosine) of the nearest passages."""
    scores, ids = store.passage_faiss.search(qvec.reshape(1, -1), min(depth, len(store.passages)))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def dense_sentences(store: Store, qvec: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """(passage id, cosine of its best sentence) for the passages holding the nearest sentences."""
    scores, ids = store.sentence_faiss.search(qvec.reshape(1, -1), min(depth * 2, len(store.sentences)))
    best: dict[int, float] = {}
    for i, s in zip(ids[0], scores[0]):
        if i < 0:
            continue
        pid = store.sentences[int(i)].passage
        if pid not in best:
            best[pid] = float(s)
    return list(best.items())[:depth]


def lexical_passages(store: Store, question: str, depth: int) -> list[tuple[int, float]]:
    """(passage id, BM25 score) of the best lexical matches; empty when no term of the question is known."""
    query = [t for t in terms(question) if t in store.bm25.vocab_dict]
    if not query:
        return []
    ids, scores = store.bm25.retrieve([query], k=min(depth, len(store.passages)), show_progress=False, n_threads=0)  # 0: in this thread (1 starts a pool per call)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]


def retrieve(
    store: Store, question: str, qvec: np.ndarray | None, k: int = 5, settings: RetrievalSettings = RetrievalSettings()
) -> list[Hit]:
    """The k best passages for the question, each with its per-retriever ranks and scores."""
    lists: dict[str, list[tuple[int, float]]] = {}
    if settings.method in ("hybrid", "dense"):
        lists["dense"] = dense_passages(store, qvec, settings.depth)
        lists["sentence"] = dense_sentences(store, qvec, settings.depth)
    if settings.method in ("hybrid", "lexical"):
        lists["lexical"] = lexical_passages(store, question, settings.depth)
    weights = {"dense": settings.dense_weight, "sentence": settings.sentence_weight, "lexical": settings.lexical_weight}

    fused: dict[int, float] = {}
    ranks: dict[int, dict[str, tuple[int, float]]] = {}
    for name, ranked in lists.items():
        for rank, (pid, score) in enumerate(ranked, 1):
            fused[pid] = fused.get(pid, 0.0) + weights[name] / (settings.rrf_k + rank)
            ranks.setdefault(pid, {})[name] = (rank, score)
    order = sorted(fused, key=lambda pid: (-fused[pid], pid))[:k]

    hits = []
    for pid in order:
        p = store.passages[pid]
        r = ranks[pid]
        d, s, l = r.get("dense"), r.get("sentence"), r.get("lexical")
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
            )
        )
    return hits
