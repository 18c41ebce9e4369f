"""A near-topic test set made from an answerable one: some questions' answer sentences are taken out of the corpus.

The questions chosen are still about their documents (every other sentence stays), but no sentence
holding their gold answer is left: they are near-topic and unanswerable. The other questions whose
gold answer still stands in a source stay answerable, so one `qa eval` run measures both abstention
recall on near-topic questions and false abstention.
"""
from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..chunking import document_language, paragraphs, split_sentences
from .matching import contains_answer
from .testset import load_testset


@dataclass(frozen=True, slots=True)
class NearTopicSet:
    """What was written: the corpus folder, the test set, and how many questions of each kind it holds."""

    corpus: Path
    questions: Path
    near_topic: int
    answerable: int


def make_near_topic_set(questions_path: str | Path, corpus_dir: str | Path, out_dir: str | Path, sample: int = 150,
                        seed: int = 0) -> NearTopicSet:
    """Write `out_dir/corpus` (the corpus without the answer sentences of `sample` questions) and
    `out_dir/questions.jsonl` (those questions with no answer, and the others that still have theirs)."""
    questions = [q for q in load_testset(questions_path) if q.answerable and q.sources]
    chosen = {q.id for q in random.Random(seed).sample(questions, min(sample, len(questions)))}
    corpus, out = Path(corpus_dir), Path(out_dir)
    target = out / "corpus"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(corpus, target)
    texts = {p.relative_to(target).as_posix(): p.read_text(encoding="utf-8") for p in target.rglob("*") if p.is_file()}
    for q in questions:
        if q.id not in chosen:
            continue
        for source in q.sources:
            if source in texts:
                texts[source] = _without_sentences_holding(texts[source], q.answers, q.lang)
    for source, text in texts.items():
        (target / source).write_text(text, encoding="utf-8")
    rows, near, kept = [], 0, 0
    for q in questions:
        if q.id in chosen:
            rows.append({"id": q.id, "question": q.question, "answers": [], "sources": [], "lang": q.lang})
            near += 1
        elif any(contains_answer(texts.get(s, ""), q.answers, q.lang) for s in q.sources):
            rows.append({"id": q.id, "question": q.question, "answers": list(q.answers), "sources": list(q.sources), "lang": q.lang})
            kept += 1
    path = out / "questions.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return NearTopicSet(target, path, near, kept)


def _without_sentences_holding(text: str, answers: tuple[str, ...], lang: str | None) -> str:
    """The text without every sentence that holds one of the answers."""
    language = lang or document_language(text)
    drop = [
        (a, b)
        for pa, pb in paragraphs(text)
        for a, b in split_sentences(text, pa, pb, language)
        if contains_answer(text[a:b], answers, lang)
    ]
    for a, b in reversed(drop):
        text = text[:a] + text[b:]
    return text
