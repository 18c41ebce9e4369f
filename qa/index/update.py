"""open_index: bring the index of a corpus folder up to date with its files (add, change, remove, or rebuild)."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..chunking import ChunkSettings, split_document
from ..corpus import list_files
from ..embedding import Embedder
from ..errors import CorpusError, IndexStoreError, StoreUnreachableError
from ..formats.cache import ExtractCache
from ..types import Document, Note, Sentence, Skipped
from .diff import CorpusDiff, diff_corpus
from .lock import index_lock
from .backends import Backend, backend_for, backend_of
from .manifest import incompatibility, new_manifest, read_manifest, write_manifest
from .store import Records, Store, from_files, unwritable
from .vectors import IndexSettings

# Called as progress(stage, done, total) while building; `done` counts up to `total`.
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What opening the index did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    rebuilt: bool = False
    reason: str | None = None  # why everything was rebuilt
    notes: list[Note] = field(default_factory=list)  # about the files read this time: pages OCRed, pages without text

    @property
    def touched(self) -> bool:
        return bool(self.rebuilt or self.added or self.changed or self.removed)

    @property
    def summary(self) -> str:
        """What happened, in a few words: "built (no index yet)", "updated: 1 added", "up to date"."""
        if self.rebuilt:
            return f"built ({self.reason})"
        if self.touched:
            parts = [f"{len(v)} {k}" for k, v in (("added", self.added), ("changed", self.changed), ("removed", self.removed)) if v]
            return "updated: " + ", ".join(parts)
        return "up to date"


def open_index(
    corpus_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    embedder: Embedder,
    settings: ChunkSettings = ChunkSettings(),
    progress: ProgressFn | None = None,
    rebuild: bool = False,
    index_settings: IndexSettings = IndexSettings(),
    model_chosen: bool = True,
    store: str | None = None,
) -> tuple[Store, UpdateReport]:
    """Open the index of `corpus_dir`, first bringing it up to date with the files on disk.

    `model_chosen` is recorded in a new version's manifest: False when `embedder` is the default model.
    `store`: where the index lives ("faiss", milvus://PATH.db, milvus+http://HOST:PORT); None: where the
    manifest says, FAISS files for a new index. An index in another store than the one asked for is rebuilt there.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    backend = backend_for(store) if store is not None else None  # a bad --store fails before anything is read
    paths = list_files(corpus_dir)  # raises CorpusError for a missing folder
    with index_lock(index_dir, progress):
        backend = backend or _recorded_backend(index_dir)
        return _update(corpus_dir, index_dir, paths, embedder, settings, progress, rebuild, index_settings, model_chosen, backend)


def _recorded_backend(index_dir: Path) -> Backend:
    """The store the index folder's manifest names; FAISS files when there is none (or it cannot be read)."""
    try:
        manifest = read_manifest(index_dir)
        return backend_of(manifest) if manifest is not None else backend_for(None)
    except IndexStoreError:
        return backend_for(None)


def _update(corpus_dir, index_dir, paths, embedder, settings, progress, rebuild, index_settings, model_chosen, backend):
    """Update the index under the lock: keep it, re-record its files, or write a new version."""
    if rebuild:
        old, reason = None, "rebuild asked for"
    else:
        old, reason = _previous(index_dir, embedder.name, settings, index_settings, backend)
    cache = ExtractCache(index_dir)
    diff = diff_corpus(corpus_dir, paths, old.manifest.get("files", {}) if old is not None else {}, cache, progress)
    if old is not None and not diff.docs and not diff.removed and backend.up_to_date(old, index_settings):
        return _record_files(old, diff, index_dir, backend), UpdateReport(unchanged=len(diff.unchanged), skipped=diff.skipped,
                                                                          notes=diff.notes)

    new = _embed_documents(diff.docs, {n: e["language"] for n, e in diff.files.items()}, embedder, settings, progress)
    keep = set(diff.unchanged) if old is not None else set()
    kept_p = int(from_files(old.passages, keep).sum()) if old is not None else 0
    kept_s = int(from_files(old.sentences, keep).sum()) if old is not None else 0
    if not (kept_p or new.passages):
        raise CorpusError("the corpus holds no readable text to index")
    if progress:
        progress("indexing", 0, 1)
    manifest = new_manifest(
        embedder, settings, diff.files, diff.skipped, dim=embedder.dim if not new.passages else int(new.passage_vectors.shape[1]),
        passages=kept_p + len(new.passages), sentences=kept_s + len(new.sentences), model_chosen=model_chosen,
    )
    replaced = old.manifest if old is not None else _readable_manifest(index_dir)
    try:
        store = backend.write(index_dir, old, keep, manifest, new, index_settings, progress, replaced)
    except OSError as err:  # disk full, permissions: the previous index is untouched
        raise unwritable(index_dir, err) from None
    if progress:
        progress("indexing", 1, 1)
    backend.clean(index_dir, store.manifest)
    if old is None and replaced is not None:
        _forget(replaced, store.manifest)
    cache.prune({e["sha256"] for e in diff.files.values()})
    store = replace(store, path=index_dir / store.version)
    return store, _report(diff, rebuilt=old is None, reason=reason)


def _forget(replaced: dict, current: dict) -> None:
    """Remove what a rebuilt index's previous version kept in its store (Milvus collections), at best: a store
    that cannot be reached or read any more keeps them, and the new version is in use either way."""
    try:
        backend_of(replaced).forget(replaced, current)
    except IndexStoreError:
        pass


def _readable_manifest(index_dir: Path) -> dict | None:
    """The manifest of the version a rebuild replaces (its store may hold data to remove after the switch)."""
    try:
        return read_manifest(index_dir)
    except IndexStoreError:
        return None


def _previous(index_dir: Path, embedder_name: str, settings: ChunkSettings, index_settings: IndexSettings, backend: Backend):
    """(the index to update in place, None), or (None, why everything is rebuilt)."""
    try:
        manifest = read_manifest(index_dir)
        if manifest is None:
            return None, "no index yet"
        reason = incompatibility(manifest, embedder_name, settings)
        if reason is not None:
            return None, reason
        if not backend.holds(manifest):
            return None, f"store changed from {_where(manifest)} to {backend.describe()}"
        return backend.load(index_dir, manifest, index_settings), None
    except StoreUnreachableError:
        raise  # the index may be whole: never rebuild it because its server is away
    except IndexStoreError as err:
        return None, f"{err}; rebuilding"


def _where(manifest: dict) -> str:
    st = manifest.get("store")
    return st.get("location", "Milvus") if isinstance(st, dict) else "FAISS files"


def _record_files(old: Store, diff: CorpusDiff, index_dir: Path, backend: Backend) -> Store:
    """The index kept as it is; when only file times or the unreadable files moved, the manifest records that."""
    skipped = [asdict(s) for s in diff.skipped]
    if diff.files != old.manifest["files"] or skipped != old.manifest.get("skipped", []):
        manifest = dict(old.manifest, files=diff.files, skipped=skipped)
        write_manifest(index_dir, manifest)
        old = replace(old, manifest=manifest)
    backend.clean(index_dir, old.manifest)
    return old


def _report(diff: CorpusDiff, rebuilt: bool, reason: str | None) -> UpdateReport:
    """What a new index version changed; a rebuild counts every file as added."""
    return UpdateReport(
        added=diff.added if not rebuilt else sorted(diff.files),
        changed=diff.changed if not rebuilt else [],
        removed=diff.removed,
        unchanged=len(diff.unchanged) if not rebuilt else 0,
        skipped=diff.skipped,
        rebuilt=rebuilt,
        reason=reason if rebuilt else None,
        notes=diff.notes,
    )


def _embed_documents(
    docs: list[Document], languages: dict[str, str], embedder: Embedder, settings: ChunkSettings, progress: ProgressFn | None
) -> Records:
    """The documents split into passages and sentences (ids counting from 0) by the rules of their languages, and embedded."""
    passages, sentences, ranges = [], [], []
    for i, doc in enumerate(docs):
        chunks = split_document(doc, embedder.count_tokens, embedder.max_tokens, settings, languages.get(doc.source))
        if progress:
            progress("chunking", i + 1, len(docs))
        p0, s0 = len(passages), len(sentences)
        passages.extend(chunks.passages)
        sentences.extend(Sentence(s.source, s.start, s.end, s.line, s.text, s.passage + p0) for s in chunks.sentences)
        ranges.extend((f + s0, l + s0) for f, l in chunks.ranges)
    return Records(
        passages,
        sentences,
        ranges,
        _embed([p.text for p in passages], embedder, "embedding passages", progress),
        _embed([s.text for s in sentences], embedder, "embedding sentences", progress),
    )


def _embed(texts: list[str], embedder: Embedder, stage: str, progress: ProgressFn | None) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    if progress:
        progress(stage, 0, len(texts))  # the stage starts now (the first batch takes a while)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(stage, done, len(texts))

    return embedder.embed(texts, progress=step if progress else None)
