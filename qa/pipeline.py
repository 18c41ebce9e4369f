"""QA: the public entry point tying corpus, index, retrieval and answers together."""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from .answer import AnswerSettings, compose_answer
from .chunking import ChunkSettings
from .documents import cited_page
from .formats import locate
from .formats.cache import ExtractCache
from .embedding import BACKENDS, Embedder
from .models import DEFAULT_MODEL, FORMER_DEFAULT_MODEL, make_embedder
from . import facts
from .language import UNDETERMINED, identify
from .errors import ModelError, QuestionError, SettingsError
from .index import IndexSettings, ProgressFn, Store, UpdateReport, backend_for, load_current, open_index, read_manifest
from .retrieval import RetrievalSettings, question_language, retrieve
from .reader import default_reader
from .saved_settings import saved_threshold, with_threshold
from .types import Answer, Citation, Hit

MAX_QUESTION_CHARS = 10_000  # a cheap first cut, above what the model can read (its window is counted next)
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass(frozen=True, slots=True)
class Question:
    """A question checked and cut to what the model reads."""

    text: str
    note: str | None = None


def check_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> Question:
    """Clean a raw question; QuestionError when nothing is left to ask."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, got {type(question).__name__}")
    cleaned = _ANSI_ESCAPE.sub(" ", question)  # colour codes pasted from a terminal
    cleaned = "".join(c if c.isprintable() or c in "\t\n" else " " for c in cleaned)
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


def fit_question(q: Question, embedder: Embedder, given: int | None = None) -> Question:
    """Cut a question at a word boundary to what the model reads (`max_tokens`), saying so in its note."""
    limit = embedder.max_tokens
    words = q.text.split(" ")
    sizes = embedder.count_tokens(words)  # word by word: the model's tokenizer splits at white space first
    if sum(sizes) <= limit:
        return q
    total, keep = 0, 0
    for n in sizes:
        if total + n > limit:
            break
        total += n
        keep += 1
    text = " ".join(words[:keep]) if keep else words[0][:limit]  # one "word" longer than the window: cut by characters
    note = (
        f"the question was cut to its first {len(text.split())} words, all the model reads "
        f"({given or len(q.text)} characters given)"
    )
    return Question(text, note)


def _same(embedder: Embedder) -> Embedder:
    """A Ray worker's copy of an embedder given as an object (it travels pickled)."""
    return embedder


def _located(store, hits: list[Hit]) -> list[Hit]:
    """Hits of PDF, HTML or Word files with the page, heading or paragraph where they start."""
    files = store.manifest["files"]
    return [
        replace(h, location=locate(files[h.source]["blocks"], h.start, h.line))
        if files.get(h.source, {}).get("blocks") else h
        for h in hits
    ]


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
        index: IndexSettings | None = None,
        backend: str | None = None,
        progress: ProgressFn | None = None,
        store: str | None = None,
        ray: str | None = None,
        ray_workers: int | None = None,
    ):
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        # where the index lives: "faiss" (files in index_dir), "milvus://PATH.db" (Milvus Lite),
        # "milvus+http://HOST:19530" (a Milvus server); None: where the index's manifest says, else FAISS
        self.store_location = store
        if store is not None:
            backend_for(store)  # a malformed location fails here, before anything is read
        # embed through Ray Data: "local" (ray.init() on this machine) or a cluster's address; None: in this process
        self.ray_address = ray
        self.ray_workers = ray_workers
        if ray_workers is not None and ray_workers < 1:
            raise SettingsError(f"Ray workers must be at least 1, got {ray_workers}")
        self._model = model
        if backend is not None and backend not in BACKENDS:
            raise SettingsError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self._backend = backend  # torch | onnx | onnx-int8; None: what the index was built with, else torch
        self._embedder: Embedder | None = None
        self._model_spec = model  # what the embedder was made from (a Ray worker makes its own from it)
        self.chunk_settings = chunk or ChunkSettings()
        self.retrieval_settings = retrieval or RetrievalSettings()
        self._answer_settings = answer
        self._saved_threshold = saved_threshold(self.index_dir)  # read now: a broken settings file fails here
        self.index_settings = index or IndexSettings()
        self.progress = progress
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._embedder_lock = threading.Lock()
        self._model_from_index = False
        self.last_update: UpdateReport | None = None

    @property
    def answer_settings(self) -> AnswerSettings:
        """The settings given, else the defaults with the threshold saved for this index (`qa calibrate --save`),
        else the one calibrated for its model."""
        if self._answer_settings is None:
            saved = self._saved_threshold
            self._answer_settings = with_threshold(saved if saved is not None else self.embedder.min_confidence)
        return self._answer_settings

    @property
    def embedder(self) -> Embedder:
        """The embedder: the one given, else the model the index was built with, else the default."""
        with self._embedder_lock:  # threads asking at once must share one model, not load one each
            if self._embedder is None:
                model = self._model
                if model is None:
                    manifest = None
                    try:
                        manifest = read_manifest(self.index_dir)
                    except Exception:
                        pass  # a broken manifest is reported when the index is opened
                    model = (manifest or {}).get("model")
                    # An index built with the default model follows the default; a manifest that does not say
                    # (written before the default changed) was built with the default if it names the former one.
                    chosen = (manifest or {}).get("model_chosen", model != FORMER_DEFAULT_MODEL)
                    self._model_from_index = isinstance(model, str) and bool(model) and chosen is True
                    model = model if self._model_from_index else DEFAULT_MODEL
                # ONNX exports are cached beside the index (nothing can be downloaded; the export is made once).
                self._embedder = make_embedder(model, self._backend, cache_dir=self.index_dir / "models")
                self._model_spec = model
            return self._embedder

    def use_existing(self) -> bool:
        """Answer from the index as it is on disk, without updating it first; False when there is none that fits.

        For a quick start (e.g. after an interrupted build): answer at once, then call `refresh()`.
        """
        store = load_current(self.index_dir, self.embedder.name, self.chunk_settings, self.store_location)
        if store is None:
            return False
        with self._lock:
            if self._store is None:
                self._store = store
        return True

    @contextmanager
    def _explain_model_errors(self):
        """A model named by the index that cannot be loaded: say how to choose another."""
        try:
            yield
        except ModelError as err:
            if not self._model_from_index:
                raise
            raise ModelError(
                f"{err} The index in {self.index_dir} was built with it: to use another model, name it "
                "(`--model NAME`, or QA(model=...)) and the index is rebuilt for it."
            ) from err

    def refresh(self, rebuild: bool = False, progress: ProgressFn | None = None) -> UpdateReport:
        """Bring the index up to date with the corpus folder (re-embedding only what changed) and use it.

        `progress` reports this refresh instead of the QA's own `progress` (e.g. to a web page).
        """
        with self._lock, self._explain_model_errors():
            embedder = self._indexing_embedder()
            store, report = open_index(
                self.corpus_dir,
                self.index_dir,
                embedder,
                self.chunk_settings,
                progress or self.progress,
                rebuild=rebuild,
                index_settings=self.index_settings,
                # recorded in the manifest: an index of the default model (not named) follows the default
                model_chosen=self._model is not None or self._model_from_index,
                store=self.store_location,
            )
            self._store = store  # one reference swap: answers in flight keep the version they started with
            self.last_update = report
            return report

    def _indexing_embedder(self) -> Embedder:
        """The embedder, or one that embeds through Ray Data workers each building the same model."""
        embedder = self.embedder
        if self.ray_address is None:
            return embedder
        from .index.ray_embed import RayEmbedder

        spec = self._model_spec
        make = partial(_same, spec) if isinstance(spec, Embedder) else partial(
            make_embedder, spec, self._backend, self.index_dir.resolve() / "models")
        return RayEmbedder(embedder, make, self.ray_address, self.ray_workers)

    def warm_up(self) -> None:
        """Open the index and load the model, the language identifier, the documents' CLDR names and the span reader
        now, so that the first question does not wait for them."""
        store = self.store
        self._encode("warm up")
        identify("warm up")
        facts.warm_up(set(store.languages.values()) - {UNDETERMINED})
        if self.answer_settings.reader:
            default_reader().state  # its graph is built and its session made on first use: 2-4 s

    @property
    def store(self) -> Store:
        """The index version in use, opened on first use."""
        store = self._store
        if store is None:
            self.refresh()
            store = self._store
        return store

    def _encode(self, text: str) -> np.ndarray:
        with self._explain_model_errors():
            return self.embedder.embed_query(text)

    def _check(self, question: str) -> Question:
        q = check_question(question)
        with self._explain_model_errors():
            return fit_question(q, self.embedder, len(question) if q.note else None)

    def retrieve(self, question: str, k: int = 5) -> list[Hit]:
        """The k passages that best match the question, fused from dense and BM25 retrieval."""
        q = self._check(question)
        store = self.store
        qvec = self._encode(q.text) if self.retrieval_settings.method != "lexical" else None
        return _located(store, retrieve(store, q.text, qvec, k, self.retrieval_settings))

    def render_page(self, citation: Citation) -> bytes:
        """The PDF page a citation stands on, rendered as PNG with the cited sentence's boxes highlighted."""
        store = self._store  # the index in use, else the one on disk: no model is loaded to show a page
        manifest = store.manifest if store is not None else read_manifest(self.index_dir) or {}
        _, png = cited_page(self.corpus_dir, citation.source, citation.start, citation.end,
                            manifest.get("files", {}), ExtractCache(self.index_dir))
        return png

    def answer(self, question: str, k: int = 5, context: str | None = None) -> Answer:
        """An extractive answer with citations, or `text=None` when the documents do not hold it.

        `context`: words of the conversation a follow-up question leans on (e.g. the previous
        question's key terms); passages are searched with them, sentences weigh them less.
        """
        q = self._check(question)
        context = " ".join(context.split()) if context else None
        searched = f"{q.text} {context}" if context else q.text
        store = self.store
        qvec = self._encode(searched)
        depth = max(k, self.answer_settings.passages)
        language = question_language(store, q.text)  # identified once, for the search and the sentences
        hits = retrieve(store, searched, qvec, depth, self.retrieval_settings, language)
        # The conversation finds the passages; the question itself picks the sentence.
        own = self._encode(q.text) if context else qvec
        ans = compose_answer(store, q.text, own, hits, self.answer_settings, note=q.note, context=context, language=language)
        return replace(ans, hits=_located(store, ans.hits[:k]))
