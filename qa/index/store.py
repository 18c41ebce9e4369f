"""The store of one index version: passage and sentence records, their vectors, FAISS and BM25, in a data folder."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..chunking import ChunkSettings
from ..errors import IndexStoreError
from ..jsonfile import TMP_MARK, write_json
from ..language import UNDETERMINED
from ..lexical import terms
from ..types import Passage, Sentence
from .manifest import MANIFEST, incompatibility, read_manifest, write_manifest
from .vectors import IndexSettings, build_faiss_index, faiss_kind, tune_index

COMPLETE = "complete.json"


@dataclass(frozen=True)  # no slots: the derived language maps are cached on the instance
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

    @cached_property
    def languages(self) -> dict[str, str]:
        """The language of every indexed file, by name."""
        return file_languages(self.manifest)

    @cached_property
    def _passage_languages(self) -> Counter:
        """How many passages are written in each language."""
        return Counter(self.languages.get(p.source, UNDETERMINED) for p in self.passages)

    @cached_property
    def main_language(self) -> str:
        """The language most passages are written in."""
        counts = self._passage_languages
        return counts.most_common(1)[0][0] if counts else UNDETERMINED

    @cached_property
    def corpus_languages(self) -> tuple[str, ...]:
        """The languages the documents are written in, most passages first: at most four, each holding at least
        5 % of the passages (one odd file must not add its language's analysis to every question)."""
        floor = 0.05 * len(self.passages)
        return tuple(lang for lang, n in self._passage_languages.most_common(4) if lang != UNDETERMINED and n >= floor)

    @cached_property
    def background_sample(self) -> np.ndarray:
        """Up to 1,024 sentence vectors spread evenly over the index: the documents at large, to compare with."""
        n = len(self.sentences)
        rows = np.unique(np.linspace(0, n - 1, num=min(n, 1024)).astype(np.int64)) if n else np.zeros(0, np.int64)
        return np.asarray(self.sentence_vectors[rows], dtype=np.float32)

    def holds(self) -> str:
        """What the index holds, in a line: its model and the languages of its files."""
        counts = Counter(self.languages.values())
        langs = ", ".join(f"{lang} ({n} file{'s' if n > 1 else ''})" for lang, n in counts.most_common())
        return f"model {self.manifest.get('model')}; languages {langs or 'none'}"

    @property
    def multilingual(self) -> bool:
        """Whether the index's model reads many languages in one space (recorded at build)."""
        return bool(self.manifest.get("multilingual"))

    def language_of(self, source: str) -> str:
        """The language of an indexed file."""
        return self.languages.get(source, UNDETERMINED)


@dataclass(frozen=True, slots=True)
class Records:
    """Passages and sentences with their vectors, not yet indexed; ids count from 0 within them."""

    passages: list[Passage]
    sentences: list[Sentence]  # Sentence.passage indexes `passages`
    ranges: list[tuple[int, int]]  # the sentence range [first, last) of each passage
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


def kept_records(store: Store, sources: set[str]) -> Records:
    """The records and vectors of `store` that come from `sources`, renumbered."""
    pkeep = np.array([p.source in sources for p in store.passages], dtype=bool)
    skeep = np.array([s.source in sources for s in store.sentences], dtype=bool)
    pid_map = np.cumsum(pkeep) - 1
    sid_map = np.cumsum(skeep) - 1
    return Records(
        [p for p, k in zip(store.passages, pkeep) if k],
        [Sentence(s.source, s.start, s.end, s.line, s.text, int(pid_map[s.passage])) for s, k in zip(store.sentences, skeep) if k],
        [(int(sid_map[f]), int(sid_map[l - 1]) + 1) for (f, l), k in zip(store.ranges, pkeep) if k],
        np.asarray(store.passage_vectors[pkeep]),
        np.asarray(store.sentence_vectors[skeep]),
    )


def join_records(kept: Records | None, new: Records) -> Records:
    """`new` appended to `kept` (when there is one), its ids shifted past kept's; vectors as float32."""
    if kept is None:
        return Records(
            new.passages,
            new.sentences,
            new.ranges,
            np.concatenate([new.passage_vectors]).astype(np.float32, copy=False),
            np.concatenate([new.sentence_vectors]).astype(np.float32, copy=False),
        )
    p0, s0 = len(kept.passages), len(kept.sentences)
    return Records(
        kept.passages + new.passages,
        kept.sentences + [Sentence(s.source, s.start, s.end, s.line, s.text, s.passage + p0) for s in new.sentences],
        kept.ranges + [(f + s0, l + s0) for f, l in new.ranges],
        np.concatenate([kept.passage_vectors, new.passage_vectors]).astype(np.float32, copy=False),
        np.concatenate([kept.sentence_vectors, new.sentence_vectors]).astype(np.float32, copy=False),
    )


def build_store(manifest: dict, records: Records, previous: Store | None, index_settings: IndexSettings) -> Store:
    """A Store of the records: FAISS indexes of their vectors (reusing `previous`'s IVF lists) and BM25."""
    return Store(
        manifest,
        records.passages,
        records.sentences,
        np.array(records.ranges, dtype=np.int64).reshape(-1, 2),
        records.passage_vectors,
        records.sentence_vectors,
        build_faiss_index(records.passage_vectors, index_settings, previous.passage_faiss if previous is not None else None),
        build_faiss_index(records.sentence_vectors, index_settings, previous.sentence_faiss if previous is not None else None),
        _bm25(records.passages, file_languages(manifest)),
        Path(),
    )


def _bm25(passages: list[Passage], languages: dict[str, str]):
    """BM25 over the passages' terms, each analysed by the rules of its file's language."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([terms(p.text, languages.get(p.source, UNDETERMINED)) for p in passages], show_progress=False)
    return retriever


def file_languages(manifest: dict) -> dict[str, str]:
    """The language of every indexed file, by name."""
    return {name: entry.get("language", UNDETERMINED) for name, entry in manifest.get("files", {}).items()}


def kinds_match(store: Store, index_settings: IndexSettings) -> bool:
    """Whether the stored FAISS indexes are of the kinds the settings want for their sizes."""
    return faiss_kind(store.passage_faiss) == index_settings.kind(len(store.passages)) and faiss_kind(
        store.sentence_faiss
    ) == index_settings.kind(len(store.sentences))


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


def save_store(store: Store, index_dir: Path) -> None:
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
    write_json(data / COMPLETE, {"data": store.manifest["data"], "checksums": _checksums(data)})
    write_manifest(index_dir, store.manifest)


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
        if manifest is None or incompatibility(manifest, embedder_name, settings):
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


def clean_leftovers(index_dir: Path, keep: str | None) -> None:
    """Delete data folders that no manifest names and half-written manifests (left by interrupted builds)."""
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("data-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.is_file() and child.name.startswith(MANIFEST + TMP_MARK):
            child.unlink(missing_ok=True)


def unwritable(index_dir: Path, err: OSError) -> IndexStoreError:
    """The error for an index folder that cannot be written, saying what to do."""
    return IndexStoreError(
        f"cannot write the index in {index_dir} ({err.strerror or err}): choose another folder with --index, "
        "or free space / fix its permissions"
    )
