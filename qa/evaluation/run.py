"""Running a test set: every question answered once with abstention off, scored, and gathered in an EvalReport.

Whether a question would abstain at a threshold is then read off `Answer.confidence`, so one run
gives the figures at any threshold and calibration sweeps thresholds without asking anything twice.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import SettingsError
from .metrics import Metrics, compute_metrics
from .scoring import QuestionResult, score_answer
from .testset import EvalQuestion, check_sources, gather_questions

if TYPE_CHECKING:
    from ..pipeline import QA


# Called as progress(stage, done, total) while questions are answered (see qa/progress.py).
ProgressFn = Callable[[str, int, int], None]

METHOD_LABELS = {"dense": "dense only", "lexical": "BM25 only", "hybrid": "full"}


@dataclass(frozen=True, slots=True)
class EvalReport:
    """One evaluation run: where and how it ran, the figures, and every question's result."""

    testset: str
    corpus: str
    index: str
    method: str
    k: int
    threshold: float
    metrics: Metrics
    results: tuple[QuestionResult, ...]
    unanswerable_sets: tuple[str, ...] = ()

    def at(self, threshold: float) -> Metrics:
        """The figures had abstention used this threshold instead (no question is asked again)."""
        return compute_metrics(self.results, threshold, self.k)

    def misses(self) -> dict[str, list[QuestionResult]]:
        """Questions that went wrong at the report's threshold, by kind of failure."""
        t = self.threshold
        return {
            "answerable questions whose answer lacks the gold answer": [
                r for r in self.results if r.answerable and not r.abstains(t) and not r.contains
            ],
            "answerable questions it abstained on": [r for r in self.results if r.answerable and r.abstains(t)],
            "unanswerable questions it answered": [r for r in self.results if not r.answerable and not r.abstains(t)],
            "answers holding the gold answer without citing a gold source": [
                r for r in self.results if r.answerable and not r.abstains(t) and r.citation_ok is False
            ],
        }

    def to_dict(self) -> dict:
        return asdict(self)


def _derived(bot: "QA", method: str | None) -> "QA":
    """A QA over the same corpus, index and model that never abstains, optionally with another retrieval method."""
    from ..pipeline import QA

    retrieval = bot.retrieval_settings if method is None else replace(bot.retrieval_settings, method=method)
    return QA(
        bot.corpus_dir,
        bot.index_dir,
        model=bot.embedder,
        chunk=bot.chunk_settings,
        retrieval=retrieval,
        answer=replace(bot.answer_settings, min_confidence=0.0),
    )


def run_questions(
    bot: "QA", questions: Sequence[EvalQuestion], k: int = 5, progress: ProgressFn | None = None, stage: str = "questions"
) -> list[QuestionResult]:
    """Answer every question once with `bot` (whose abstention should be off) and score it."""
    store = bot.store
    check_sources(questions, set(store.manifest["files"]))
    bot.answer(questions[0].question, k=k)  # untimed: the first answer pays for loading the model and warming caches
    results = []
    total = len(questions)
    if progress:
        progress(stage, 0, total)
    for i, q in enumerate(questions, 1):
        t0 = time.perf_counter()
        answer = bot.answer(q.question, k=k)
        ms = (time.perf_counter() - t0) * 1000
        results.append(score_answer(q, answer, k, ms))
        if progress:
            progress(stage, i, total)
    return results


def evaluate(
    testset: str | os.PathLike | Sequence[EvalQuestion],
    qa: "QA | None" = None,
    *,
    corpus: str | os.PathLike = "corpus",
    index: str | os.PathLike = "embeddings",
    k: int = 5,
    threshold: float | None = None,
    method: str | None = None,
    unanswerable: Sequence[str | os.PathLike] = (),
    sample: int | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> EvalReport:
    """Ask every question of a test set and measure retrieval, answers, citations, abstention and latency.

    `qa` defaults to `QA(corpus, index)`; `threshold` to its AnswerSettings.min_confidence;
    `method` ("dense", "lexical", "hybrid") overrides its retrieval method; questions of the
    `unanswerable` files count as ones the documents do not answer.
    """
    if k < 1:
        raise SettingsError(f"k must be at least 1, got {k}")
    if qa is None:
        from ..pipeline import QA

        qa = QA(corpus, index)
    questions = gather_questions(testset, unanswerable, sample, seed)
    threshold = qa.answer_settings.min_confidence if threshold is None else float(threshold)
    runner = _derived(qa, method)
    stage = METHOD_LABELS.get(runner.retrieval_settings.method, runner.retrieval_settings.method)
    results = tuple(run_questions(runner, questions, k, progress, stage=stage))
    return EvalReport(
        testset=str(testset) if isinstance(testset, (str, os.PathLike)) else "(questions given in Python)",
        corpus=str(qa.corpus_dir),
        index=str(qa.index_dir),
        method=runner.retrieval_settings.method,
        k=k,
        threshold=threshold,
        metrics=compute_metrics(results, threshold, k),
        results=results,
        unanswerable_sets=tuple(str(u) for u in unanswerable),
    )


def compare(
    testset: str | os.PathLike | Sequence[EvalQuestion],
    qa: "QA | None" = None,
    methods: Sequence[str] = ("dense", "lexical", "hybrid"),
    *,
    corpus: str | os.PathLike = "corpus",
    index: str | os.PathLike = "embeddings",
    unanswerable: Sequence[str | os.PathLike] = (),
    sample: int | None = None,
    seed: int = 0,
    **kwargs,
) -> dict[str, EvalReport]:
    """The same questions evaluated with each retrieval method (dense only, BM25 only, full), keyed by method."""
    if qa is None:
        from ..pipeline import QA

        qa = QA(corpus, index)
    questions = gather_questions(testset, unanswerable, sample, seed)
    name = str(testset) if isinstance(testset, (str, os.PathLike)) else "(questions given in Python)"
    others = tuple(str(u) for u in unanswerable)
    return {
        m: replace(evaluate(questions, qa, method=m, **kwargs), testset=name, unanswerable_sets=others) for m in methods
    }

