"""The index: passages and sentences, their records, vectors and BM25, in a store; manifest.json says what it holds.

The store is FAISS files in the index folder (the default, below) or Milvus collections
(`store="milvus://PATH.db"` for Milvus Lite, `"milvus+http://HOST:19530"` for a server; see
qa.index.milvus_store); the manifest, the lock and the version's lexicon stay in the index folder.

Layout of `index_dir` with the FAISS store:

    manifest.json        what was indexed (files with sha256 and size, model, settings) and
                         which data folder holds it; replaced atomically, so it always names a
                         complete folder
    data-<id>/           passages.json, sentences.json (columnar records), passages.faiss,
                         sentences.faiss, passage_vectors.npy, sentence_vectors.npy, bm25/
    .lock                held while a process builds or updates

A build writes a new data folder beside the old one, then switches manifest.json to it and
deletes the old folder: a build that is interrupted leaves the previous index usable.

Modules: `manifest` (manifest.json), `vectors` (FAISS indexes and their settings), `store` (one
version as retrieval reads it, and the `Search` interface beneath), `faiss_store` and
`milvus_store` (the two stores; `lexicon`: BM25 as sparse vectors for Milvus), `backends` (the
store a --store value or a manifest names; load), `diff` (the corpus folder against the
manifest), `lock` (one writer at a time), `update` (open_index: bring it up to date), `ray_embed`
(embedding as a Ray Data pipeline).
"""
from .backends import backend_for, load_current, load_store
from .diff import CorpusDiff, diff_corpus
from .faiss_store import save_faiss_store as save_store
from .lock import LOCK, LOCK_TIMEOUT
from .manifest import FORMAT_VERSION, MANIFEST, read_manifest
from .store import COMPLETE, Store
from .update import ProgressFn, UpdateReport, open_index
from .vectors import APPROXIMATE, IndexSettings, faiss_kind, tune_index

__all__ = [
    "open_index",
    "load_current",
    "load_store",
    "backend_for",
    "save_store",
    "read_manifest",
    "diff_corpus",
    "CorpusDiff",
    "Store",
    "UpdateReport",
    "IndexSettings",
    "ProgressFn",
    "faiss_kind",
    "tune_index",
    "APPROXIMATE",
    "FORMAT_VERSION",
    "MANIFEST",
    "COMPLETE",
    "LOCK",
    "LOCK_TIMEOUT",
]
