"""One answered question -> QuestionResult: where the gold source ranked, whether the answer holds the gold, what it cites."""
from __future__ import annotations

from dataclasses import dataclass

from ..types import Answer
from .matching import best_over_golds, contains_answer, count_words, exact_match, f1_score
from .testset import EvalQuestion


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    """One quoted sentence of an answer and the files its citations name."""

    text: str
    sources: tuple[str, ...]


def answer_sentences(answer: Answer) -> list[AnswerSentence]:
    """The answer's quoted sentences, each with the files its citations name (none when it abstained)."""
    by_number = {c.number: c.source for c in answer.citations}
    return [AnswerSentence(q.text, tuple(dict.fromkeys(by_number[n] for n in q.citations))) for q in answer.quotes]


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
    short: str | None = None  # the answer's short span, when it has one
    span_exact_match: float = 0.0  # of the short span, else of the first sentence
    span_f1: float = 0.0

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
    em = f1 = span_em = span_f1 = 0.0
    if text and q.answerable and sentences:
        best = sentences[0].text  # the sentence the system ranked first
        em = best_over_golds(exact_match, best, q.answers, lang)
        f1 = best_over_golds(f1_score, best, q.answers, lang)
        span = answer.short.text if answer.short else best
        span_em = best_over_golds(exact_match, span, q.answers, lang)
        span_f1 = best_over_golds(f1_score, span, q.answers, lang)
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
        short=answer.short.text if answer.short else None,
        span_exact_match=span_em,
        span_f1=span_f1,
    )

