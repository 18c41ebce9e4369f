"""The FAISS store: one index version as files in a data folder (records, vectors, FAISS indexes, bm25s).

Layout of a data folder: passages.json, sentences.json (columnar records), passages.faiss,
sentences.faiss, passage_vectors.npy, sentence_vectors.npy, bm25/, complete.json (checksums).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError
from ..jsonfile import write_json
from ..language import UNDETERMINED
from ..lexical import terms
from ..types import Passage, Sentence
from .manifest import read_manifest, write_manifest
from .store import COMPLETE, Records, Store, checksums, clean_leftovers, file_languages, join_records, kept_records, verify
from .vectors import IndexSettings, build_faiss_index, faiss_kind, tune_index


@dataclass(frozen=True, slots=True)
class FaissSearch:
    """Search over FAISS indexes of the passage and sentence vectors and a bm25s index of the passages."""

    passage_faiss: object
    sentence_faiss: object
    bm25: object
    n_passages: int
    n_sentences: int
    engine: str = "faiss"

    @property
    def lexicon(self):
        return self.bm25

    def dense(self, table: str, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        index, n = (self.passage_faiss, self.n_passages) if table == "passages" else (self.sentence_faiss, self.n_sentences)
        if n == 0 or k < 1:
            return []
        scores, ids = index.search(np.asarray(qvec, dtype=np.float32).reshape(1, -1), min(k, n))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical(self, query: list[str], text: str, k: int) -> list[tuple[int, float]]:
        if not query or self.n_passages == 0:
            return []
        # n_threads=0: in this thread (1 starts a pool per call)
        ids, scores = self.bm25.retrieve([query], k=min(k, self.n_passages), show_progress=False, n_threads=0)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]

    def document_frequency(self, term_ids: list[int]) -> list[int]:
        indptr = self.bm25.scores["indptr"]
        return [int(indptr[i + 1] - indptr[i]) for i in term_ids]


class FaissBackend:
    """Where an index lives by default: FAISS and bm25s files in a data folder of the index folder."""

    engine = "faiss"
    location = None

    def describe(self) -> str:
        return "FAISS files"

    def holds(self, manifest: dict) -> bool:
        """Whether the manifest's index lives in this store (a manifest naming no store is a FAISS one)."""
        return "store" not in manifest

    def load(self, index_dir: Path, manifest: dict, index_settings: IndexSettings) -> Store:
        return load_faiss_store(index_dir, manifest, index_settings)

    def write(self, index_dir: Path, old: Store | None, keep: set[str], manifest: dict, new: Records,
              index_settings: IndexSettings, progress=None, replaced: dict | None = None) -> Store:
        """The records of `old`'s files in `keep` and `new`, as a new data folder; manifest.json switched to it."""
        kept = kept_records(old, keep) if old is not None and keep and old.engine == "faiss" else None
        records = join_records(kept, new)
        store = build_store(manifest, records, old if old is not None and old.engine == "faiss" else None, index_settings)
        save_faiss_store(store, index_dir)
        return store

    def clean(self, index_dir: Path, manifest: dict | None) -> None:
        clean_leftovers(index_dir, manifest.get("data") if manifest else None)

    def forget(self, manifest: dict, current: dict) -> None:
        """Nothing to do: the data folders no manifest names are removed by `clean`."""

    def up_to_date(self, store: Store, index_settings: IndexSettings) -> bool:
        """Whether the stored FAISS indexes are of the kinds the settings want for their sizes."""
        return kinds_match(store, index_settings)


def build_store(manifest: dict, records: Records, previous: Store | None, index_settings: IndexSettings) -> Store:
    """A Store of the records: FAISS indexes of their vectors (reusing `previous`'s IVF lists) and BM25."""
    return Store(
        manifest,
        records.passages,
        records.sentences,
        np.array(records.ranges, dtype=np.int64).reshape(-1, 2),
        records.passage_vectors,
        records.sentence_vectors,
        FaissSearch(
            build_faiss_index(records.passage_vectors, index_settings, previous.passage_faiss if previous is not None else None),
            build_faiss_index(records.sentence_vectors, index_settings, previous.sentence_faiss if previous is not None else None),
            _bm25(records.passages, file_languages(manifest)),
            len(records.passages),
            len(records.sentences),
        ),
        Path(),
    )


def _bm25(passages: list[Passage], languages: dict[str, str]):
    """BM25 over the passages' terms, each analysed by the rules of its file's language."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([terms(p.text, languages.get(p.source, UNDETERMINED)) for p in passages], show_progress=False)
    return retriever




def kinds_match(store: Store, index_settings: IndexSettings) -> bool:
    """Whether the stored FAISS indexes are of the kinds the settings want for their sizes."""
    return faiss_kind(store.search.passage_faiss) == index_settings.kind(len(store.passages)) and faiss_kind(
        store.search.sentence_faiss
    ) == index_settings.kind(len(store.sentences))


_RECORD_FIELDS = ("source", "start", "end", "line", "text")


def _columns(records: list, **extra: list) -> dict:
    """The records' fields as columns, then `extra` columns."""
    return {f: [getattr(r, f) for r in records] for f in _RECORD_FIELDS} | extra


def _passages_columns(passages: list[Passage], ranges: np.ndarray) -> dict:
    return _columns(passages, first=ranges[:, 0].tolist(), last=ranges[:, 1].tolist())


def _sentences_columns(sentences: list[Sentence]) -> dict:
    return _columns(sentences, passage=[s.passage for s in sentences])


def _read_records(data: Path) -> tuple[list[Passage], list[Sentence], np.ndarray]:
    """The passages, sentences and sentence ranges stored in a data folder."""
    pcols = json.loads((data / "passages.json").read_text(encoding="utf-8"))
    scols = json.loads((data / "sentences.json").read_text(encoding="utf-8"))
    passages = [Passage(*row) for row in zip(pcols["source"], pcols["start"], pcols["end"], pcols["line"], pcols["text"])]
    sentences = [
        Sentence(*row)
        for row in zip(scols["source"], scols["start"], scols["end"], scols["line"], scols["text"], scols["passage"])
    ]
    ranges = np.array([pcols["first"], pcols["last"]], dtype=np.int64).T.reshape(-1, 2)
    return passages, sentences, ranges


def save_faiss_store(store: Store, index_dir: Path) -> None:
    """Write the data folder named by store.manifest, then switch manifest.json to it."""
    import faiss

    data = index_dir / store.manifest["data"]
    data.mkdir(parents=True, exist_ok=False)
    write_json(data / "passages.json", _passages_columns(store.passages, store.ranges))
    write_json(data / "sentences.json", _sentences_columns(store.sentences))
    np.save(data / "passage_vectors.npy", store.passage_vectors)
    np.save(data / "sentence_vectors.npy", store.sentence_vectors)
    faiss.write_index(store.passage_faiss, str(data / "passages.faiss"))
    faiss.write_index(store.sentence_faiss, str(data / "sentences.faiss"))
    store.bm25.save(str(data / "bm25"), show_progress=False)
    write_json(data / COMPLETE, {"data": store.manifest["data"], "checksums": checksums(data)})
    write_manifest(index_dir, store.manifest)


def load_faiss_store(
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
        verify(data)
        passages, sentences, ranges = _read_records(data)
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
    return Store(manifest, passages, sentences, ranges, pvec, svec, FaissSearch(pfa, sfa, bm25, len(passages), len(sentences)), data)


