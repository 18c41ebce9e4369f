"""Test sets: JSONL questions with gold answers and sources, checked line by line, sampled reproducibly."""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import EvalSetError, SettingsError


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

