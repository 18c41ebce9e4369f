"""Test set -> metrics report: retrieval, answers, citations, abstention and latency, plus threshold calibration.

Each question is answered once with abstention switched off (`min_confidence=0`); whether it
would abstain at a threshold is then read off `Answer.confidence`. So one run gives the figures
at any threshold, and calibration sweeps thresholds without asking anything twice.

Answer metrics use the SQuAD/DrQA normalisation (lower case, no punctuation, no articles,
white space collapsed), widened to Unicode punctuation and, for French questions, to French
articles and elision.
"""
from __future__ import annotations

import json
import math
import os
import random
import re
import statistics
import string
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from .errors import EvalSetError, SettingsError
from .pipeline import settings_path
from .types import Answer

if TYPE_CHECKING:
    from .pipeline import QA

# Called as progress(stage, done, total) while questions are answered (see qa/progress.py).
ProgressFn = Callable[[str, int, int], None]

METHOD_LABELS = {"dense": "dense only", "lexical": "BM25 only", "hybrid": "full"}


# --------------------------------------------------------------------------- test sets


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """One line of a test set: a question, its gold answers (empty = not answerable) and gold sources."""

    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    id: str
    lang: str | None = None
    file: str = ""
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def _fail(path: Path, line: int, what: str) -> EvalSetError:
    return EvalSetError(f"{path}:{line}: {what}")


def _strings(value, path: Path, line: int, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, line, f'"{key}" must be a list of strings, got {json.dumps(value, ensure_ascii=False)[:80]}')
    if any(not v.strip() for v in value):
        raise _fail(path, line, f'"{key}" holds an empty string: remove it (an empty "answers" list means unanswerable)')
    return tuple(v.strip() for v in value)


def parse_question(obj, path: Path, line: int) -> EvalQuestion:
    """One test-set record checked; EvalSetError naming the file and line when it is malformed."""
    if not isinstance(obj, dict):
        raise _fail(path, line, f"expected a JSON object, got {type(obj).__name__}")
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        raise _fail(path, line, 'missing "question" (a non-empty string)')
    if not any(c.isalnum() for c in question):
        raise _fail(path, line, f'the question {question.strip()[:40]!r} has no words')
    if "answers" not in obj:
        raise _fail(path, line, 'missing "answers" (a list of gold answers; [] when the documents do not answer)')
    answers = _strings(obj["answers"], path, line, "answers")
    if "sources" in obj and "source" in obj:
        raise _fail(path, line, 'give "sources" (a list) or "source" (one file), not both')
    raw_sources = obj.get("sources", obj.get("source", []))
    sources = _strings(raw_sources, path, line, "sources" if "sources" in obj else "source")
    if sources and not answers:
        raise _fail(path, line, 'an unanswerable question (empty "answers") cannot have "sources"')
    qid = obj.get("id", f"{path.name}:{line}")
    if not isinstance(qid, (str, int)):
        raise _fail(path, line, f'"id" must be a string, got {type(qid).__name__}')
    lang = obj.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise _fail(path, line, f'"lang" must be a string such as "en" or "fr", got {lang!r}')
    return EvalQuestion(question.strip(), answers, sources, str(qid), lang, str(path), line)


def load_testset(path: str | os.PathLike, *, unanswerable: bool = False) -> list[EvalQuestion]:
    """Read a JSONL test set; with `unanswerable=True` every question is kept with no answers and no sources."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvalSetError(f"test set {path} does not exist: give the path of a .jsonl file") from None
    except IsADirectoryError:
        raise EvalSetError(f"test set {path} is a folder: give the path of a .jsonl file") from None
    except UnicodeDecodeError as err:
        raise EvalSetError(f"test set {path} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            raise _fail(path, number, f"not valid JSON ({err.msg} at column {err.colno})") from None
        q = parse_question(obj, path, number)
        if q.id in seen:
            raise _fail(path, number, f"id {q.id!r} was already used on line {seen[q.id]}: ids must be unique")
        seen[q.id] = number
        if unanswerable:
            q = replace(q, answers=(), sources=())
        questions.append(q)
    if not questions:
        raise EvalSetError(f"test set {path} holds no questions: write one JSON object per line")
    return questions


def sample_questions(questions: Sequence[EvalQuestion], n: int | None, seed: int = 0) -> list[EvalQuestion]:
    """A reproducible random sample of n questions in their file order (all of them when n is None or larger)."""
    if n is None or n >= len(questions):
        return list(questions)
    if n < 1:
        raise SettingsError(f"the sample size must be at least 1, got {n}")
    keep = sorted(random.Random(seed).sample(range(len(questions)), n))
    return [questions[i] for i in keep]


def check_sources(questions: Iterable[EvalQuestion], corpus_sources: set[str]) -> None:
    """EvalSetError listing the gold sources that are not documents of the index (first few, with lines)."""
    missing = [(q, s) for q in questions for s in q.sources if s not in corpus_sources]
    if missing:
        shown = "; ".join(f"{Path(q.file).name}:{q.line} {s!r}" for q, s in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise EvalSetError(
            f"{len(missing)} gold source(s) are not in the index: {shown}{more}. "
            "Sources are paths relative to the corpus folder: check --corpus, or the test set"
        )


# --------------------------------------------------------------------------- normalisation and answer metrics

_ARTICLES = {"en": re.compile(r"\b(a|an|the)\b"), "fr": re.compile(r"\b(a|an|the|le|la|les|l|un|une|des)\b")}
_CITATION = re.compile(r"\[\d+\]")
_ASCII_PUNCT = frozenset(string.punctuation)


def _is_punct(c: str) -> bool:
    return c in _ASCII_PUNCT or unicodedata.category(c).startswith("P")


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
    """
    hay = f" {normalize_answer(strip_citations(text), lang, split_punctuation=True)} "
    for gold in golds:
        g = normalize_answer(gold, lang, split_punctuation=True)
        if g and f" {g} " in hay:
            return True
    return False


def exact_match(prediction: str, gold: str, lang: str | None = "en") -> float:
    """1.0 when the normalised texts are equal."""
    return float(normalize_answer(prediction, lang) == normalize_answer(gold, lang))


def f1_score(prediction: str, gold: str, lang: str | None = "en") -> float:
    """SQuAD token F1 between the normalised texts."""
    pred = normalize_answer(prediction, lang).split()
    ref = normalize_answer(gold, lang).split()
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
    """Words of an answer, citation markers left out."""
    return len(strip_citations(text).split())


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    """One quoted sentence of an answer and the files its markers cite."""

    text: str
    sources: tuple[str, ...]


_MARKERS = re.compile(r"\s*((?:\[\d+\])+)(?=\s|$)")


def answer_sentences(answer: Answer) -> list[AnswerSentence]:
    """Split Answer.text at its citation markers: each sentence with the sources it cites.

    A marker group counts only when it carries the next citation numbers in order, so a
    bracketed number inside a quoted sentence ("[12]" in a Wikipedia text) is not taken for one.
    """
    if answer.text is None:
        return []
    by_number = {c.number: c.source for c in answer.citations}
    out: list[AnswerSentence] = []
    start, expected = 0, 1
    for m in _MARKERS.finditer(answer.text):
        numbers = [int(n) for n in re.findall(r"\d+", m.group(1))]
        if numbers != list(range(expected, expected + len(numbers))) or any(n not in by_number for n in numbers):
            continue
        sources = tuple(dict.fromkeys(by_number[n] for n in numbers))
        out.append(AnswerSentence(answer.text[start : m.start()].strip(), sources))
        start, expected = m.end(), numbers[-1] + 1
    rest = answer.text[start:].strip()
    if rest:
        out.append(AnswerSentence(rest, ()))
    return out


# --------------------------------------------------------------------------- per-question results


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """What happened to one question, with abstention switched off; `abstains(t)` applies a threshold."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    line: int
    lang: str | None
    text: str | None  # the answer with abstention off; None only when nothing could be answered at all
    cited: tuple[str, ...]  # every file the answer cites, in order
    confidence: float
    hit_sources: tuple[str, ...]  # sources of the top-k retrieved passages, best first
    source_rank: int | None  # 1-based rank of the first passage from a gold source
    gold_in_passages: bool
    contains: bool
    exact_match: float
    f1: float
    words: int
    citation_ok: bool | None  # None when no answer sentence holds the gold answer
    citation_recall: float | None
    latency_ms: float
    reason: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def abstains(self, threshold: float) -> bool:
        """Whether the answer abstains when confidence below `threshold` means "not in the documents"."""
        return self.text is None or self.confidence < threshold


def score_answer(q: EvalQuestion, answer: Answer, k: int, latency_ms: float) -> QuestionResult:
    """All per-question figures of one Answer (computed with abstention off)."""
    hits = answer.hits[:k]
    hit_sources = tuple(h.source for h in hits)
    gold_sources = set(q.sources)
    rank = next((i for i, s in enumerate(hit_sources, 1) if s in gold_sources), None)
    lang = q.lang
    gold_in = q.answerable and any(contains_answer(h.text, q.answers, lang) for h in hits)
    sentences = answer_sentences(answer)
    text = answer.text
    contains = bool(text) and q.answerable and contains_answer(text, q.answers, lang)
    em = f1 = 0.0
    if text and q.answerable and sentences:
        best = sentences[0].text  # the sentence the system ranked first
        em = best_over_golds(exact_match, best, q.answers, lang)
        f1 = best_over_golds(f1_score, best, q.answers, lang)
    citation_ok = citation_recall = None
    if contains and gold_sources:
        holding = [s for s in sentences if contains_answer(s.text, q.answers, lang)]
        citation_ok = any(set(s.sources) & gold_sources for s in holding)
        cited = set().union(*(set(s.sources) for s in holding)) if holding else set()
        citation_recall = len(cited & gold_sources) / len(gold_sources)
    cited_all = tuple(dict.fromkeys(c.source for c in answer.citations))
    return QuestionResult(
        id=q.id,
        question=q.question,
        answers=q.answers,
        sources=q.sources,
        line=q.line,
        lang=lang,
        text=text,
        cited=cited_all,
        confidence=float(answer.confidence),
        hit_sources=hit_sources,
        source_rank=rank,
        gold_in_passages=bool(gold_in),
        contains=bool(contains),
        exact_match=em,
        f1=f1,
        words=count_words(text) if text else 0,
        citation_ok=citation_ok,
        citation_recall=citation_recall,
        latency_ms=latency_ms,
        reason=answer.reason,
    )


# --------------------------------------------------------------------------- metrics


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


# --------------------------------------------------------------------------- running


def _derived(bot: "QA", method: str | None) -> "QA":
    """A QA over the same corpus, index and model that never abstains, optionally with another retrieval method."""
    from .pipeline import QA

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


def gather_questions(
    testset: str | os.PathLike | Sequence[EvalQuestion],
    unanswerable: Sequence[str | os.PathLike] = (),
    sample: int | None = None,
    seed: int = 0,
) -> list[EvalQuestion]:
    """The test set's questions plus other sets' questions as unanswerable ones, each sampled to `sample`."""
    questions = list(testset) if not isinstance(testset, (str, os.PathLike)) else load_testset(testset)
    questions = sample_questions(questions, sample, seed)
    for other in unanswerable:
        questions += sample_questions(load_testset(other, unanswerable=True), sample, seed)
    return questions


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
        from .pipeline import QA

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
        from .pipeline import QA

        qa = QA(corpus, index)
    questions = gather_questions(testset, unanswerable, sample, seed)
    name = str(testset) if isinstance(testset, (str, os.PathLike)) else "(questions given in Python)"
    others = tuple(str(u) for u in unanswerable)
    return {
        m: replace(evaluate(questions, qa, method=m, **kwargs), testset=name, unanswerable_sets=others) for m in methods
    }


# --------------------------------------------------------------------------- gates


@dataclass(frozen=True, slots=True)
class GateFailure:
    """A figure on the wrong side of its gate, or a gate that the test set cannot measure."""

    metric: str
    value: float | None
    bound: float
    minimum: bool  # True for a floor (--min-...), False for a ceiling (--max-...)

    def __str__(self) -> str:
        label = METRICS[self.metric][0]
        if self.value is None:
            return f"{label} cannot be measured on this test set (gate {self.bound:g}): it has no questions of that kind"
        op = "<" if self.minimum else ">"
        return f"{label} {self.value:.3f} {op} {self.bound:g}"


def check_gates(metrics: Metrics, minimums: dict[str, float] = {}, maximums: dict[str, float] = {}) -> list[GateFailure]:
    """The gates the figures fail: each minimum is a floor, each maximum a ceiling."""
    failures = []
    for name, bound in minimums.items():
        value = getattr(metrics, name)
        if value is None or value < bound:
            failures.append(GateFailure(name, value, bound, True))
    for name, bound in maximums.items():
        value = getattr(metrics, name)
        if value is None or value > bound:
            failures.append(GateFailure(name, value, bound, False))
    return failures


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """The abstention trade-off at one threshold."""

    threshold: float
    abstain_precision: float | None
    abstain_recall: float | None
    false_abstention: float | None
    containment: float | None


@dataclass(frozen=True, slots=True)
class Calibration:
    """A sweep of abstention thresholds and the one chosen."""

    threshold: float
    chosen: ThresholdRow
    rows: tuple[ThresholdRow, ...]  # a readable grid of thresholds, plus the chosen one
    rule: str
    answerable: int
    unanswerable: int

    def to_dict(self) -> dict:
        return asdict(self)


class _Sweep:
    """Counts of abstentions at any threshold by binary search over sorted confidences (no question re-scored)."""

    def __init__(self, results: Sequence[QuestionResult]):
        never = -math.inf  # a question with no answer at all abstains at every threshold
        conf = lambda r: never if r.text is None else r.confidence  # noqa: E731
        self.answerable = sorted(conf(r) for r in results if r.answerable)
        self.unanswerable = sorted(conf(r) for r in results if not r.answerable)
        self.contained = sorted(conf(r) for r in results if r.answerable and r.contains)

    def row(self, t: float) -> ThresholdRow:
        from bisect import bisect_left

        wrong = bisect_left(self.answerable, t)  # answerable questions abstained on
        right = bisect_left(self.unanswerable, t)
        kept = len(self.contained) - bisect_left(self.contained, t)
        n_ans, n_un = len(self.answerable), len(self.unanswerable)
        return ThresholdRow(
            threshold=t,
            abstain_precision=right / (right + wrong) if right + wrong else None,
            abstain_recall=right / n_un if n_un else None,
            false_abstention=wrong / n_ans if n_ans else None,
            containment=kept / n_ans if n_ans else None,
        )


def calibrate(results: Sequence[QuestionResult], max_false_abstention: float = 0.05, grid: float = 0.05) -> Calibration:
    """The threshold that best separates unanswerable from answerable questions within a false-abstention bound.

    Best = the largest abstain recall minus false-abstention rate (Youden's J) among thresholds
    whose false-abstention rate stays within `max_false_abstention`; on ties the fewer false
    abstentions win. Candidate thresholds lie midway between consecutive confidences, so the
    one chosen keeps the widest margin on both sides.
    """
    if not 0 <= max_false_abstention <= 1:
        raise SettingsError(f"max false abstention must be between 0 and 1, got {max_false_abstention}")
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    if not answerable or not unanswerable:
        raise EvalSetError(
            f"calibration needs answerable and unanswerable questions; got {len(answerable)} answerable and "
            f"{len(unanswerable)} unanswerable: add questions with empty \"answers\", or pass --unanswerable OTHER.jsonl"
        )
    confs = sorted({r.confidence for r in results if r.text is not None})
    candidates = [0.0] + [(a + b) / 2 for a, b in zip(confs, confs[1:])] + ([confs[-1] + 1e-6] if confs else [])
    sweep = _Sweep(results)
    best: tuple | None = None
    for t in candidates:
        row = sweep.row(t)
        fa, rec = row.false_abstention or 0.0, row.abstain_recall or 0.0
        if fa > max_false_abstention + 1e-12:
            continue
        key = (round(rec - fa, 12), -fa)
        if best is None or key > best[0]:
            best = (key, row)
    if best is None:  # even abstaining on nothing breaks the bound: the structural abstentions alone do
        chosen = sweep.row(0.0)
    else:
        chosen = best[1]
    top = max(confs, default=0.0)
    steps = int(math.floor(min(top, 1.0) / grid)) + 2
    grid_ts = sorted({round(i * grid, 10) for i in range(steps)} | {chosen.threshold})
    rows = tuple(chosen if t == chosen.threshold else sweep.row(t) for t in grid_ts)
    rule = f"highest abstain recall minus false abstention, with false abstention <= {max_false_abstention:g}"
    threshold = round(chosen.threshold, 4)  # a readable number, unless rounding would change who abstains
    if replace(sweep.row(threshold), threshold=chosen.threshold) != chosen:
        threshold = chosen.threshold
    return Calibration(threshold, chosen, rows, rule, len(answerable), len(unanswerable))


def save_threshold(index_dir: str | os.PathLike, threshold: float, note: str = "") -> Path:
    """Write the abstention threshold into the index folder's settings file (other keys kept), atomically."""
    path = settings_path(index_dir)
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise SettingsError(f"cannot read {path} ({err}): fix or delete it, then save again") from None
        if not isinstance(data, dict):
            raise SettingsError(f"{path} must hold a JSON object: fix or delete it, then save again")
    data["min_confidence"] = float(threshold)
    if note:
        data["min_confidence_note"] = note
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- markdown report


def format_value(value: float | None, name: str = "") -> str:
    """A figure as the tables print it: shares to 3 decimals, words to 1, milliseconds whole, '–' for none."""
    if value is None:
        return "–"
    if name.startswith("latency") or name.startswith("words"):
        return f"{value:.0f}" if name.startswith("latency") else f"{value:.1f}"
    return f"{value:.3f}"


def metrics_table(columns: dict[str, Metrics], definitions: bool = True) -> str:
    """A markdown table: one row per metric, one column per run."""
    head = "| metric | " + " | ".join(columns) + (" | definition |" if definitions else " |")
    rule = "|---|" + "---:|" * len(columns) + ("---|" if definitions else "")
    lines = [head, rule]
    for name, (label, definition) in METRICS.items():
        cells = " | ".join(format_value(getattr(m, name), name) for m in columns.values())
        lines.append(f"| {label} | {cells} |" + (f" {definition} |" if definitions else ""))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def write_report(report: EvalReport, path: str | os.PathLike, compared: dict[str, EvalReport] | None = None) -> Path:
    """A markdown report: the settings, the metrics table and every miss, so a person can read why."""
    m = report.metrics
    out = [
        f"# Evaluation of {Path(report.testset).name}",
        "",
        f"- test set: `{report.testset}`" + (f" plus unanswerable questions from {', '.join(f'`{u}`' for u in report.unanswerable_sets)}" if report.unanswerable_sets else ""),
        f"- corpus: `{report.corpus}`, index: `{report.index}`",
        f"- questions: {m.questions} ({m.answerable} answerable, {m.unanswerable} unanswerable); k = {report.k}; "
        f"abstention threshold = {report.threshold:.3f}; retrieval: {METHOD_LABELS.get(report.method, report.method)}",
        "",
        "## Metrics",
        "",
    ]
    columns = {METHOD_LABELS.get(name, name): r.metrics for name, r in compared.items()} if compared else {"value": m}
    out += [metrics_table(columns), ""]
    for kind, rows in report.misses().items():
        out += [f"## {kind[0].upper() + kind[1:]} ({len(rows)})", ""]
        if not rows:
            out += ["None.", ""]
            continue
        out += ["| line | question | gold | answer | confidence | cited | gold sources | top passages |", "|---:|---|---|---|---:|---|---|---|"]
        for r in rows:
            answer = "*(abstained)*" if r.abstains(report.threshold) else _cell(r.text or "")
            if r.abstains(report.threshold) and r.text:
                answer += f" — would have said: {_cell(r.text)}"
            out.append(
                f"| {r.line} | {_cell(r.question)} | {_cell(' / '.join(r.answers)) or '*(unanswerable)*'} | {answer} | "
                f"{r.confidence:.3f} | {', '.join(r.cited) if not r.abstains(report.threshold) else ''} | "
                f"{', '.join(r.sources)} | {', '.join(r.hit_sources[:3])} |"
            )
        out.append("")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")
    return path
