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
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import ChunkSettings, split_document
from .corpus import list_files, read_document, relative_name
from .embedding import Embedder
from .errors import CorpusError, IndexStoreError, SettingsError
from .jsonfile import TMP_MARK, write_json as _write_json
from .lexical import terms
from .types import Document, Passage, Sentence, Skipped

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
COMPLETE = "complete.json"
LOCK = ".lock"
LOCK_TIMEOUT = 600.0

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


@dataclass(frozen=True, slots=True)
class Store:
    """Everything of one index version in memory, read-only once built."""

    manifest: dict
    passages: list[Passage]
    sentences: list[Sentence]  # Sentence.passage is the global passage id
    ranges: np.ndarray  # (n_passages, 2): the global sentence range [first, last) of each passage
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    passage_faiss: object
    sentence_faiss: object
    bm25: object
    path: Path

    def document_frequency(self, term_ids: list[int]) -> list[int]:
        """How many passages hold each BM25 vocabulary term (by term id)."""
        indptr = self.bm25.scores["indptr"]
        return [int(indptr[i + 1] - indptr[i]) for i in term_ids]

    @property
    def version(self) -> str:
        return self.manifest["data"]


def _checksums(data: Path) -> dict[str, str]:
    """sha256 of every file in a data folder (but the completion marker), by path relative to it."""
    out = {}
    for path in sorted(data.rglob("*")):
        if path.is_file() and path.name != COMPLETE:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            out[path.relative_to(data).as_posix()] = h.hexdigest()
    return out


def _verify(data: Path) -> None:
    """Raise ValueError naming the first file of the data folder that is missing or not as it was written."""
    marker = json.loads((data / COMPLETE).read_text(encoding="utf-8"))
    expected = marker.get("checksums")
    if expected is None:
        return  # written before checksums were kept
    actual = _checksums(data)
    for name, digest in expected.items():
        if actual.get(name) != digest:
            raise ValueError(f"{name} is {'missing' if name not in actual else 'not as it was written'}")


def read_manifest(index_dir: str | os.PathLike) -> dict | None:
    """The manifest of the index in `index_dir`, or None when there is none."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexStoreError(f"{path} is unreadable ({err}): delete {index_dir} or run `qa index --rebuild`") from None
    if not isinstance(manifest, dict):
        raise IndexStoreError(f"{path} is not an index manifest: delete {index_dir} or run `qa index --rebuild`")
    return manifest


def _passages_columns(passages: list[Passage], ranges: np.ndarray) -> dict:
    return {
        "source": [p.source for p in passages],
        "start": [p.start for p in passages],
        "end": [p.end for p in passages],
        "line": [p.line for p in passages],
        "text": [p.text for p in passages],
        "first": ranges[:, 0].tolist(),
        "last": ranges[:, 1].tolist(),
    }


def _sentences_columns(sentences: list[Sentence]) -> dict:
    return {
        "source": [s.source for s in sentences],
        "start": [s.start for s in sentences],
        "end": [s.end for s in sentences],
        "line": [s.line for s in sentences],
        "text": [s.text for s in sentences],
        "passage": [s.passage for s in sentences],
    }


APPROXIMATE = ("ivf", "hnsw")


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """How vectors are searched: exactly up to `approximate_above` vectors, approximately beyond.

    Applies to the passage and the sentence index separately. Changing it re-indexes the stored
    vectors on the next open (nothing is embedded again).
    """

    approximate_above: int = 100_000  # vectors; exact search below this stays fast (see benchmarks/scale.py)
    approximate: str = "ivf"  # ivf | hnsw; IVF builds 14x faster (updates re-add without training) at equal speed
    ivf_probe: int = 48  # IVF lists searched per query (of about 2 * sqrt(n)): recall@10 0.955 at 100k
    hnsw_m: int = 32  # HNSW graph degree
    hnsw_ef: int = 128  # HNSW candidates kept per query

    def __post_init__(self) -> None:
        if self.approximate not in APPROXIMATE:
            raise SettingsError(f"approximate index must be one of {', '.join(APPROXIMATE)}, got {self.approximate!r}")
        if self.approximate_above < 1:
            raise SettingsError(f"approximate_above must be at least 1, got {self.approximate_above}")
        if self.ivf_probe < 1 or self.hnsw_m < 4 or self.hnsw_ef < 1:
            raise SettingsError(
                f"ivf_probe and hnsw_ef must be at least 1 and hnsw_m at least 4, got {self.ivf_probe}, {self.hnsw_ef}, {self.hnsw_m}"
            )

    def kind(self, n: int) -> str:
        """'flat', 'ivf' or 'hnsw': the index these settings want for n vectors."""
        return self.approximate if n > self.approximate_above else "flat"


def faiss_kind(index) -> str:
    """'flat', 'ivf' or 'hnsw': what kind of FAISS index this is."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return "flat"


def tune_index(index, settings: IndexSettings):
    """Set the search-time parameters of an approximate index (they are not part of what is built)."""
    kind = faiss_kind(index)
    if kind == "ivf":
        index.nprobe = min(settings.ivf_probe, index.nlist)
    elif kind == "hnsw":
        index.hnsw.efSearch = settings.hnsw_ef
    return index


def _faiss_index(vectors: np.ndarray, settings: IndexSettings = IndexSettings(), previous=None):
    """An inner-product FAISS index of the vectors: exact, or approximate above the size threshold.

    An IVF index reuses the trained lists of `previous` (the index being updated) while the
    collection has not grown or shrunk by more than half, so an update needs no new training.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = len(vectors), vectors.shape[1]
    kind = settings.kind(n)
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(40, settings.hnsw_ef)
    else:
        trained = getattr(previous, "ntotal", 0) if previous is not None and faiss_kind(previous) == "ivf" else 0
        if trained and previous.d == dim and 0.5 * trained <= n <= 1.5 * trained:
            quantizer = faiss.clone_index(faiss.downcast_index(previous.quantizer))  # already trained
            index = faiss.IndexIVFFlat(quantizer, dim, previous.nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            nlist = max(1, min(int(2 * np.sqrt(n)), n // 40))  # k-means wants about 40 points a list
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.cp.niter = 10  # enough for lists that are only searched, not compressed
            sample = 64 * nlist  # k-means on a fixed sample: the same vectors give the same lists
            index.train(vectors[np.random.default_rng(0).choice(n, sample, replace=False)] if n > sample else vectors)
    if n:
        index.add(vectors)
    return tune_index(index, settings)


def _bm25(passages: list[Passage]):
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([terms(p.text) for p in passages], show_progress=False)
    return retriever


def save_store(store: Store, index_dir: Path) -> None:
    """Write the data folder named by store.manifest, then switch manifest.json to it."""
    import faiss

    data = index_dir / store.manifest["data"]
    data.mkdir(parents=True, exist_ok=False)
    _write_json(data / "passages.json", _passages_columns(store.passages, store.ranges))
    _write_json(data / "sentences.json", _sentences_columns(store.sentences))
    np.save(data / "passage_vectors.npy", store.passage_vectors)
    np.save(data / "sentence_vectors.npy", store.sentence_vectors)
    faiss.write_index(store.passage_faiss, str(data / "passages.faiss"))
    faiss.write_index(store.sentence_faiss, str(data / "sentences.faiss"))
    store.bm25.save(str(data / "bm25"), show_progress=False)
    _write_json(data / COMPLETE, {"data": store.manifest["data"], "checksums": _checksums(data)})
    _write_json(index_dir / MANIFEST, store.manifest)


def load_store(
    index_dir: str | os.PathLike, manifest: dict | None = None, index_settings: IndexSettings = IndexSettings()
) -> Store:
    """Load the index version that manifest.json names; IndexStoreError when any part is missing or broken."""
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    manifest = manifest or read_manifest(index_dir)
    if manifest is None:
        raise IndexStoreError(f"no index in {index_dir}: run `qa index`")
    data = index_dir / str(manifest.get("data", ""))
    try:
        if not (data / COMPLETE).exists():
            raise ValueError("its data folder is missing or was never finished")
        _verify(data)
        pcols = json.loads((data / "passages.json").read_text(encoding="utf-8"))
        scols = json.loads((data / "sentences.json").read_text(encoding="utf-8"))
        passages = [
            Passage(*row) for row in zip(pcols["source"], pcols["start"], pcols["end"], pcols["line"], pcols["text"])
        ]
        sentences = [
            Sentence(*row)
            for row in zip(scols["source"], scols["start"], scols["end"], scols["line"], scols["text"], scols["passage"])
        ]
        ranges = np.array([pcols["first"], pcols["last"]], dtype=np.int64).T.reshape(-1, 2)
        pvec = np.load(data / "passage_vectors.npy", mmap_mode="r")
        svec = np.load(data / "sentence_vectors.npy", mmap_mode="r")
        pfa = tune_index(faiss.read_index(str(data / "passages.faiss")), index_settings)
        sfa = tune_index(faiss.read_index(str(data / "sentences.faiss")), index_settings)
        bm25 = bm25s.BM25.load(str(data / "bm25"), show_progress=False)
    except Exception as err:  # any broken part means the same thing to the user
        raise IndexStoreError(f"the index in {index_dir} is damaged ({type(err).__name__}: {err})") from err
    dim = int(manifest.get("dim", -1))
    if not (
        len(passages) == pvec.shape[0] == pfa.ntotal == len(ranges)
        and len(sentences) == svec.shape[0] == sfa.ntotal
        and pvec.shape[1] == svec.shape[1] == pfa.d == sfa.d == dim
    ):
        raise IndexStoreError(f"the index in {index_dir} is inconsistent (record and vector counts differ)")
    return Store(manifest, passages, sentences, ranges, pvec, svec, pfa, sfa, bm25, data)


def load_current(index_dir: str | os.PathLike, embedder_name: str, settings: ChunkSettings = ChunkSettings()) -> Store | None:
    """The index as it is on disk, without updating it or waiting for a build; None when none fits.

    Needs no lock: manifest.json always names a complete data folder. Another process may
    switch it and delete the old folder meanwhile, so a failed read is retried on the new one.
    """
    index_dir = Path(index_dir)
    for _ in range(3):
        try:
            manifest = read_manifest(index_dir)
        except IndexStoreError:
            return None
        if manifest is None or _incompatibility(manifest, embedder_name, settings):
            return None
        try:
            store = load_store(index_dir, manifest)
        except IndexStoreError:
            try:
                again = read_manifest(index_dir)
            except IndexStoreError:
                return None
            if again is not None and again.get("data") != manifest.get("data"):
                continue  # switched under us: read the new version
            return None
        return store
    return None


def _chunk(docs: list[Document], embedder: Embedder, settings: ChunkSettings, progress: ProgressFn | None):
    chunked = []
    for i, doc in enumerate(docs):
        chunked.append(split_document(doc, embedder.count_tokens, embedder.max_tokens, settings))
        if progress:
            progress("chunking", i + 1, len(docs))
    return chunked


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


def _assemble(
    kept: Store | None,
    keep_sources: set[str],
    docs: list[Document],
    embedder: Embedder,
    settings: ChunkSettings,
    files: dict,
    skipped: list[Skipped],
    progress: ProgressFn | None,
    index_settings: IndexSettings = IndexSettings(),
) -> Store:
    """A new Store: the records and vectors of `keep_sources` from `kept`, plus freshly embedded `docs`."""
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    ranges: list[tuple[int, int]] = []
    pvec_parts: list[np.ndarray] = []
    svec_parts: list[np.ndarray] = []

    if kept is not None and keep_sources:
        pkeep = np.array([p.source in keep_sources for p in kept.passages], dtype=bool)
        skeep = np.array([s.source in keep_sources for s in kept.sentences], dtype=bool)
        pid_map = np.cumsum(pkeep) - 1
        sid_map = np.cumsum(skeep) - 1
        passages = [p for p, k in zip(kept.passages, pkeep) if k]
        sentences = [
            Sentence(s.source, s.start, s.end, s.line, s.text, int(pid_map[s.passage]))
            for s, k in zip(kept.sentences, skeep)
            if k
        ]
        for (f, l), k in zip(kept.ranges, pkeep):
            if k:
                ranges.append((int(sid_map[f]), int(sid_map[l - 1]) + 1))
        pvec_parts.append(np.asarray(kept.passage_vectors[pkeep]))
        svec_parts.append(np.asarray(kept.sentence_vectors[skeep]))

    new_passages: list[Passage] = []
    new_sentences: list[Sentence] = []
    for chunks in _chunk(docs, embedder, settings, progress):
        p0, s0 = len(passages) + len(new_passages), len(sentences) + len(new_sentences)
        new_passages.extend(chunks.passages)
        new_sentences.extend(
            Sentence(s.source, s.start, s.end, s.line, s.text, s.passage + p0) for s in chunks.sentences
        )
        ranges.extend((f + s0, l + s0) for f, l in chunks.ranges)
    pvec_parts.append(_embed([p.text for p in new_passages], embedder, "embedding passages", progress))
    svec_parts.append(_embed([s.text for s in new_sentences], embedder, "embedding sentences", progress))
    passages += new_passages
    sentences += new_sentences
    if not passages:
        raise CorpusError("the corpus holds no readable text to index")

    pvec = np.concatenate(pvec_parts).astype(np.float32, copy=False)
    svec = np.concatenate(svec_parts).astype(np.float32, copy=False)
    if progress:
        progress("indexing", 0, 1)
    manifest = {
        "format": FORMAT_VERSION,
        "model": embedder.name,
        "dim": int(pvec.shape[1]),
        "max_tokens": embedder.max_tokens,
        "settings": asdict(settings),
        "files": files,
        "skipped": [asdict(s) for s in skipped],
        "passages": len(passages),
        "sentences": len(sentences),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "data": f"data-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}",
    }
    store = Store(
        manifest,
        passages,
        sentences,
        np.array(ranges, dtype=np.int64).reshape(-1, 2),
        pvec,
        svec,
        _faiss_index(pvec, index_settings, kept.passage_faiss if kept is not None else None),
        _faiss_index(svec, index_settings, kept.sentence_faiss if kept is not None else None),
        _bm25(passages),
        Path(),
    )
    if progress:
        progress("indexing", 1, 1)
    return store


def _incompatibility(manifest: dict, embedder_name: str, settings: ChunkSettings) -> str | None:
    """Why an existing index cannot be updated in place (so must be rebuilt), or None."""
    if manifest.get("format") != FORMAT_VERSION:
        return f"index format {manifest.get('format')!r} differs from this version's {FORMAT_VERSION}"
    if not _well_formed(manifest):
        return f"{MANIFEST} is malformed"
    if manifest.get("model") != embedder_name:
        return f"model changed from {manifest.get('model')!r} to {embedder_name!r}"
    if manifest.get("settings") != asdict(settings):
        return "chunk settings changed"
    return None


def _kinds_match(store: Store, index_settings: IndexSettings) -> bool:
    """Whether the stored FAISS indexes are of the kinds the settings want for their sizes."""
    return faiss_kind(store.passage_faiss) == index_settings.kind(len(store.passages)) and faiss_kind(
        store.sentence_faiss
    ) == index_settings.kind(len(store.sentences))


def _well_formed(manifest: dict) -> bool:
    """Whether a manifest of this format has the fields and types an update relies on."""
    files, skipped = manifest.get("files"), manifest.get("skipped", [])
    return (
        isinstance(manifest.get("data"), str)
        and isinstance(files, dict)
        and all(
            isinstance(e, dict) and isinstance(e.get("sha256"), str) and isinstance(e.get("size"), int)
            and isinstance(e.get("mtime_ns"), int)
            for e in files.values()
        )
        and isinstance(skipped, list)
    )


def _clean_leftovers(index_dir: Path, keep: str | None) -> None:
    """Delete data folders that no manifest names and half-written manifests (left by interrupted builds)."""
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("data-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.is_file() and child.name.startswith(MANIFEST + TMP_MARK):
            child.unlink(missing_ok=True)


def open_index(
    corpus_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    embedder: Embedder,
    settings: ChunkSettings = ChunkSettings(),
    progress: ProgressFn | None = None,
    rebuild: bool = False,
    index_settings: IndexSettings = IndexSettings(),
) -> tuple[Store, UpdateReport]:
    """Open the index of `corpus_dir`, first bringing it up to date with the files on disk."""
    from filelock import FileLock, Timeout

    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    paths = list_files(corpus_dir)  # raises CorpusError for a missing folder
    lock = FileLock(str(index_dir / LOCK))
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:  # (a subclass of OSError)
        if progress:
            progress("waiting for another process indexing this folder", 0, 1)
        try:
            lock.acquire(timeout=LOCK_TIMEOUT)
        except Timeout:
            raise IndexStoreError(
                f"another process has been indexing {index_dir} for {LOCK_TIMEOUT:.0f} s: wait for it, or stop it"
            ) from None
        if progress:
            progress("waiting for another process indexing this folder", 1, 1)
    except OSError as err:
        raise _unwritable(index_dir, err) from None
    try:
        return _update(corpus_dir, index_dir, paths, embedder, settings, progress, rebuild, index_settings)
    finally:
        lock.release()


def _unwritable(index_dir: Path, err: OSError) -> IndexStoreError:
    return IndexStoreError(
        f"cannot write the index in {index_dir} ({err.strerror or err}): choose another folder with --index, "
        "or free space / fix its permissions"
    )


def _update(corpus_dir, index_dir, paths, embedder, settings, progress, rebuild, index_settings):
    reason = "rebuild asked for" if rebuild else None
    old: Store | None = None
    manifest = None
    if not rebuild:
        try:
            manifest = read_manifest(index_dir)
            if manifest is None:
                reason = "no index yet"
            else:
                reason = _incompatibility(manifest, embedder.name, settings)
                if reason is None:
                    old = load_store(index_dir, manifest, index_settings)
        except IndexStoreError as err:
            reason = f"{err}; rebuilding"
            manifest, old = None, None

    old_files: dict = manifest.get("files", {}) if (manifest and old is not None) else {}
    files: dict = {}
    skipped: list[Skipped] = []
    to_read: list[tuple[Path, str]] = []
    unchanged: set[str] = set()
    for path in paths:
        name = relative_name(path, corpus_dir)
        entry = old_files.get(name)
        try:
            st = path.stat()
        except OSError as err:
            skipped.append(Skipped(name, f"cannot be read ({err.strerror or err})"))
            continue
        if entry and entry["size"] == st.st_size and entry["mtime_ns"] == st.st_mtime_ns:
            files[name] = entry
            unchanged.add(name)
        else:
            to_read.append((path, name))

    docs: list[Document] = []
    added, changed = [], []
    for path, name in to_read:
        try:
            doc = read_document(path, name)
        except ValueError as err:
            skipped.append(Skipped(name, str(err)))
            continue
        entry = {"sha256": doc.sha256, "size": doc.size, "mtime_ns": doc.mtime_ns, "encoding": doc.encoding}
        files[name] = entry
        old_entry = old_files.get(name)
        if old_entry and old_entry["sha256"] == doc.sha256:
            unchanged.add(name)  # touched but not changed: keep its vectors
        else:
            docs.append(doc)
            (changed if old_entry else added).append(name)
    removed = sorted(set(old_files) - unchanged - {d.source for d in docs})
    files = dict(sorted(files.items()))
    skipped.sort(key=lambda s: s.source)

    if not files:
        detail = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:5])
        raise CorpusError(
            f"no readable .txt or .md documents in {corpus_dir}" + (f" (skipped {detail})" if detail else "")
        )

    old_skipped = old.manifest.get("skipped", []) if old else None
    if old is not None and not docs and not removed and _kinds_match(old, index_settings):
        if files != old.manifest["files"] or [asdict(s) for s in skipped] != old_skipped:
            # Only file times or the list of unreadable files moved: record that, keep the data.
            new_manifest = dict(old.manifest, files=files, skipped=[asdict(s) for s in skipped])
            _write_json(index_dir / MANIFEST, new_manifest)
            old = replace(old, manifest=new_manifest)
        _clean_leftovers(index_dir, old.version)
        return old, UpdateReport(unchanged=len(unchanged), skipped=skipped)

    store = _assemble(old, unchanged, docs, embedder, settings, files, skipped, progress, index_settings)
    try:
        save_store(store, index_dir)
    except OSError as err:  # disk full, permissions: the previous index is untouched
        raise _unwritable(index_dir, err) from None
    _clean_leftovers(index_dir, store.version)
    store = replace(store, path=index_dir / store.version)
    rebuilt = old is None
    return store, UpdateReport(
        added=added if not rebuilt else sorted(files),
        changed=changed if not rebuilt else [],
        removed=removed,
        unchanged=len(unchanged) if not rebuilt else 0,
        skipped=skipped,
        rebuilt=rebuilt,
        reason=reason if rebuilt else None,
    )
