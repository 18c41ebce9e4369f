"""QA: the public entry point tying corpus, index, retrieval and answers together."""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .answer import AnswerSettings, compose_answer
from .chunking import ChunkSettings
from .embedding import DEFAULT_MODEL, Embedder, make_embedder
from .errors import QuestionError, SettingsError
from .index import ProgressFn, Store, UpdateReport, open_index, read_manifest
from .retrieval import RetrievalSettings, retrieve
from .types import Answer, Hit

MAX_QUESTION_CHARS = 2000
SETTINGS_FILE = "settings.json"  # in the index folder: a calibrated threshold saved by `qa calibrate --save`


def settings_path(index_dir: str | os.PathLike) -> Path:
    """Where the saved answer settings of an index live."""
    return Path(index_dir) / SETTINGS_FILE


def saved_answer_settings(index_dir: str | os.PathLike) -> AnswerSettings:
    """AnswerSettings with the abstention threshold saved in the index folder, else the defaults."""
    path = settings_path(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AnswerSettings()
    except (OSError, ValueError) as err:
        raise SettingsError(f"cannot read {path} ({err}): fix it, or delete it to use the default settings") from None
    value = data.get("min_confidence") if isinstance(data, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise SettingsError(f"{path}: min_confidence must be a number between 0 and 1, got {value!r}: run qa calibrate --save again")
    return replace(AnswerSettings(), min_confidence=float(value))


@dataclass(frozen=True, slots=True)
class Question:
    """A question checked and cut to what the model reads."""

    text: str
    note: str | None = None


def check_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> Question:
    """Clean a raw question; QuestionError when nothing is left to ask."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, got {type(question).__name__}")
    cleaned = "".join(c if c.isprintable() or c in "\t\n" else " " for c in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QuestionError("the question is empty: type a question about the documents")
    if not any(c.isalnum() for c in cleaned):
        raise QuestionError(f"the question {cleaned[:40]!r} has no words: type a question about the documents")
    note = None
    if len(cleaned) > max_chars:
        note = f"the question was cut to its first {max_chars} characters ({len(cleaned)} given)"
        cleaned = cleaned[:max_chars]
    return Question(cleaned, note)


class QA:
    """Question answering over a folder of documents: `QA("corpus", "embeddings").answer("...")`.

    The constructor is cheap; the index is opened (built or brought up to date with the files)
    on first use or by `refresh()`, and the model loads only when something must be embedded.
    """

    def __init__(
        self,
        corpus_dir: str | os.PathLike = "corpus",
        index_dir: str | os.PathLike = "embeddings",
        model: str | os.PathLike | Embedder | None = None,
        *,
        chunk: ChunkSettings | None = None,
        retrieval: RetrievalSettings | None = None,
        answer: AnswerSettings | None = None,
        progress: ProgressFn | None = None,
    ):
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self._model = model
        self._embedder: Embedder | None = None
        self.chunk_settings = chunk or ChunkSettings()
        self.retrieval_settings = retrieval or RetrievalSettings()
        self.answer_settings = answer or saved_answer_settings(self.index_dir)
        self.progress = progress
        self._store: Store | None = None
        self._lock = threading.Lock()
        self.last_update: UpdateReport | None = None

    @property
    def embedder(self) -> Embedder:
        """The embedder: the one given, else the model the index was built with, else the default."""
        if self._embedder is None:
            model = self._model
            if model is None:
                manifest = None
                try:
                    manifest = read_manifest(self.index_dir)
                except Exception:
                    pass  # a broken manifest is reported when the index is opened
                model = (manifest or {}).get("model") or DEFAULT_MODEL
            self._embedder = make_embedder(model)
        return self._embedder

    def refresh(self, rebuild: bool = False) -> UpdateReport:
        """Bring the index up to date with the corpus folder (re-embedding only what changed) and use it."""
        with self._lock:
            store, report = open_index(
                self.corpus_dir, self.index_dir, self.embedder, self.chunk_settings, self.progress, rebuild=rebuild
            )
            self._store = store  # one reference swap: answers in flight keep the version they started with
            self.last_update = report
            return report

    @property
    def store(self) -> Store:
        """The index version in use, opened on first use."""
        store = self._store
        if store is None:
            self.refresh()
            store = self._store
        return store

    def _encode(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def retrieve(self, question: str, k: int = 5) -> list[Hit]:
        """The k passages that best match the question, fused from dense and BM25 retrieval."""
        q = check_question(question)
        store = self.store
        qvec = self._encode(q.text) if self.retrieval_settings.method != "lexical" else None
        return retrieve(store, q.text, qvec, k, self.retrieval_settings)

    def answer(self, question: str, k: int = 5) -> Answer:
        """An extractive answer with citations, or `text=None` when the documents do not hold it."""
        q = check_question(question)
        store = self.store
        qvec = self._encode(q.text)
        depth = max(k, self.answer_settings.passages)
        hits = retrieve(store, q.text, qvec, depth, self.retrieval_settings)
        ans = compose_answer(store, q.text, qvec, hits, self.answer_settings, note=q.note)
        if len(ans.hits) > k:
            from dataclasses import replace

            ans = replace(ans, hits=ans.hits[:k])
        return ans
