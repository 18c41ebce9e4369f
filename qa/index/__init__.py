"""The index on disk: FAISS for passages and sentences, their records, BM25, and manifest.json.

Layout of `index_dir`:

    manifest.json        what was indexed (files with sha256 and size, model, settings) and
                         which data folder holds it; replaced atomically, so it always names a
                         complete folder
    data-<id>/           passages.json, sentences.json (columnar records), passages.faiss,
                         sentences.faiss, passage_vectors.npy, sentence_vectors.npy, bm25/
    .lock                held while a process builds or updates

A build writes a new data folder beside the old one, then switches manifest.json to it and
deletes the old folder: a build that is interrupted leaves the previous index usable.

Modules: `manifest` (manifest.json), `vectors` (FAISS indexes and their settings), `store` (the
records, vectors and BM25 of one data folder: build, save, load), `diff` (the corpus folder
against the manifest), `lock` (one writer at a time), `update` (open_index: bring it up to date).
"""
from .diff import CorpusDiff, diff_corpus
from .lock import LOCK, LOCK_TIMEOUT
from .manifest import FORMAT_VERSION, MANIFEST, read_manifest
from .store import COMPLETE, Store, load_current, load_store, save_store
from .update import ProgressFn, UpdateReport, open_index
from .vectors import APPROXIMATE, IndexSettings, faiss_kind, tune_index

__all__ = [
    "open_index",
    "load_current",
    "load_store",
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
