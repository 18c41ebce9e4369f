"""The figures of a run at one abstention threshold, each with its label and definition."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

from .scoring import QuestionResult


@dataclass(frozen=True, slots=True)
class Metrics:
    """Every figure of one run at one abstention threshold; None where the set gives nothing to measure."""

    questions: int
    answerable: int
    unanswerable: int
    k: int
    threshold: float
    hit_at_1: float | None
    hit_at_k: float | None
    mrr: float | None
    gold_in_passages: float | None
    containment: float | None
    containment_no_abstention: float | None
    exact_match: float | None
    f1: float | None
    short_share: float | None
    span_exact_match: float | None
    span_f1: float | None
    words_median: float | None
    words_mean: float | None
    citation_accuracy: float | None
    citation_recall: float | None
    abstain_precision: float | None
    abstain_recall: float | None
    false_abstention: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None


# name -> (label, definition); the order is the order of every table
METRICS: dict[str, tuple[str, str]] = {
    "hit_at_1": ("source hit@1", "the top passage comes from a gold source"),
    "hit_at_k": ("source hit@k", "one of the top k passages comes from a gold source"),
    "mrr": ("MRR", "mean of 1/rank of the first passage from a gold source (0 if none in the top k)"),
    "gold_in_passages": ("gold in top-k passages", "a gold answer string occurs in one of the top k passages"),
    "containment": ("containment", "a gold answer occurs in the answer (abstaining counts as a miss)"),
    "containment_no_abstention": ("containment, never abstaining", "the same with abstention switched off"),
    "exact_match": ("exact match", "the first answer sentence equals a gold answer (normalised)"),
    "f1": ("token F1", "token F1 of the first answer sentence against the best gold answer"),
    "short_share": ("short answer given", "share of answered questions whose answer has a short span (Answer.short)"),
    "span_exact_match": ("span exact match", "answered questions: the short answer (else the first sentence) equals a gold answer"),
    "span_f1": ("span token F1", "answered questions: token F1 of the short answer (else the first sentence) against the best gold"),
    "words_median": ("answer words, median", "words per given answer, citation markers left out"),
    "words_mean": ("answer words, mean", "words per given answer"),
    "citation_accuracy": ("citation accuracy", "the sentence holding the gold answer cites a gold source"),
    "citation_recall": ("citation recall", "share of the gold sources cited by the sentences holding the gold answer"),
    "abstain_precision": ("abstain precision", "share of abstentions that are on unanswerable questions"),
    "abstain_recall": ("abstain recall", "share of unanswerable questions it abstains on"),
    "false_abstention": ("false abstention", "share of answerable questions it abstains on"),
    "latency_p50_ms": ("latency p50 (ms)", "median time to answer one question"),
    "latency_p95_ms": ("latency p95 (ms)", "95th percentile of the time to answer one question"),
}
HIGHER_IS_BETTER = {name: name not in ("false_abstention", "words_median", "words_mean", "latency_p50_ms", "latency_p95_ms") for name in METRICS}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def compute_metrics(results: Sequence[QuestionResult], threshold: float, k: int) -> Metrics:
    """The figures of a run when confidence below `threshold` abstains."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    sourced = [r for r in answerable if r.sources]
    given = [r for r in results if not r.abstains(threshold)]
    abstained = [r for r in results if r.abstains(threshold)]
    shown = [r for r in answerable if not r.abstains(threshold)]
    cited = [r for r in shown if r.contains and r.sources]
    words = [r.words for r in given]
    latencies = [r.latency_ms for r in results]
    return Metrics(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        k=k,
        threshold=threshold,
        hit_at_1=_share([r.source_rank == 1 for r in sourced]),
        hit_at_k=_share([r.source_rank is not None for r in sourced]),
        mrr=_mean([1.0 / r.source_rank if r.source_rank else 0.0 for r in sourced]),
        gold_in_passages=_share([r.gold_in_passages for r in answerable]),
        containment=_share([r.contains and not r.abstains(threshold) for r in answerable]),
        containment_no_abstention=_share([r.contains for r in answerable]),
        exact_match=_mean([0.0 if r.abstains(threshold) else r.exact_match for r in answerable]),
        f1=_mean([0.0 if r.abstains(threshold) else r.f1 for r in answerable]),
        short_share=_share([r.short is not None for r in shown]),
        span_exact_match=_mean([r.span_exact_match for r in shown]),
        span_f1=_mean([r.span_f1 for r in shown]),
        words_median=float(statistics.median(words)) if words else None,
        words_mean=_mean([float(w) for w in words]),
        citation_accuracy=_share([bool(r.citation_ok) for r in cited]),
        citation_recall=_mean([r.citation_recall or 0.0 for r in cited]),
        abstain_precision=_share([not r.answerable for r in abstained]),
        abstain_recall=_share([r.abstains(threshold) for r in unanswerable]),
        false_abstention=_share([r.abstains(threshold) for r in answerable]),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )

