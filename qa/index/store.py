"""One index version as retrieval and answering read it: records by id, their vectors, and the search engine beneath.

The engine (`Search`) is FAISS + bm25s files (qa.index.faiss_store) or Milvus collections
(qa.index.milvus_store); the code above reads a Store and never knows which.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import IndexStoreError
from ..jsonfile import TMP_MARK
from ..language import UNDETERMINED
from ..types import Passage, Sentence
from .manifest import MANIFEST

COMPLETE = "complete.json"
MIN_LANGUAGE_SAMPLE = 20  # background sentences a language needs for its own background level


class Search(Protocol):
    """The search engine of one index version: dense and lexical search, by record id (0..n-1 in Store order)."""

    engine: str  # "faiss" | "milvus"

    @property
    def lexicon(self):
        """The lexical vocabulary: `vocab_dict` maps each term some passage holds to its id."""

    def dense(self, table: str, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(record id, cosine) of the k nearest "passages" or "sentences", best first."""

    def lexical(self, query: list[str], text: str, k: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score > 0) of the k best matches of the analysed terms `query` (or of the raw `text`,
        for an engine that analyses it itself), best first."""

    def document_frequency(self, term_ids: list[int]) -> list[int]:
        """How many passages hold each vocabulary term (by term id)."""


@dataclass(frozen=True)  # no slots: the derived language maps are cached on the instance
class Store:
    """One index version, read-only once built: in memory (FAISS), or keys in memory and records and vectors
    fetched by id when read (Milvus)."""

    manifest: dict
    passages: Sequence[Passage]  # a list; on Milvus a view fetching records by id (see from_files, source_counts)
    sentences: Sequence[Sentence]  # Sentence.passage is the global passage id
    ranges: np.ndarray  # (n_passages, 2): the global sentence range [first, last) of each passage
    passage_vectors: np.ndarray  # (n, dim) float32, rows L2-normalised; on Milvus a view fetching rows by id
    sentence_vectors: np.ndarray
    search: Search
    path: Path  # the data folder of this version

    def document_frequency(self, term_ids: list[int]) -> list[int]:
        """How many passages hold each BM25 vocabulary term (by term id)."""
        return self.search.document_frequency(term_ids)

    def passages_at(self, ids) -> list[Passage]:
        """The passages of record ids `ids`, in that order (one read, where the store fetches them)."""
        return _at(self.passages, ids)

    def sentences_at(self, ids) -> list[Sentence]:
        """The sentences of record ids `ids`, in that order (one read, where the store fetches them)."""
        return _at(self.sentences, ids)

    def passage_source(self, pid: int) -> str:
        """The file a passage comes from, without reading the passage where the store can tell."""
        own = getattr(self.passages, "source_of", None)
        return own(pid) if own is not None else self.passages[pid].source

    def passage_of(self, sid: int) -> int:
        """The passage a sentence belongs to (its `Sentence.passage`: the first whose range holds it, as passages
        overlap by a sentence), told by the ranges without reading it."""
        return int(np.searchsorted(self.ranges[:, 1], sid, side="right"))

    @property
    def bm25(self):
        """The lexical index's vocabulary (`vocab_dict`: term -> id), whichever engine holds it."""
        return self.search.lexicon

    @property
    def passage_faiss(self):
        """The FAISS index of the passage vectors (FAISS store only)."""
        return self.search.passage_faiss

    @property
    def sentence_faiss(self):
        """The FAISS index of the sentence vectors (FAISS store only)."""
        return self.search.sentence_faiss

    @property
    def engine(self) -> str:
        """Where the index lives: "faiss" (files in the index folder) or "milvus"."""
        return self.search.engine

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
        counts: Counter = Counter()
        for source, n in source_counts(self.passages).items():
            counts[self.languages.get(source, UNDETERMINED)] += n
        return counts

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
    def _background_rows(self) -> np.ndarray:
        n = len(self.sentences)
        return np.unique(np.linspace(0, n - 1, num=min(n, 1024)).astype(np.int64)) if n else np.zeros(0, np.int64)

    @cached_property
    def background_sample(self) -> np.ndarray:
        """Up to 1,024 sentence vectors spread evenly over the index: the documents at large, to compare with."""
        return np.asarray(self.sentence_vectors[self._background_rows], dtype=np.float32)

    @cached_property
    def _language_means(self) -> dict[str, np.ndarray]:
        """The mean background vector of each language of the documents, when a multilingual index holds two or
        more (each with at least `MIN_LANGUAGE_SAMPLE` background sentences); {} otherwise."""
        if not self.multilingual or len(self.corpus_languages) < 2:
            return {}
        langs = np.array([self.passage_language(self.passage_of(int(r))) for r in self._background_rows])
        sample = self.background_sample
        means = {
            lang: sample[langs == lang].mean(axis=0) for lang in self.corpus_languages
            if (langs == lang).sum() >= MIN_LANGUAGE_SAMPLE
        }
        return means if len(means) >= 2 else {}

    @property
    def several_languages(self) -> bool:
        """Whether a multilingual index holds documents in two or more languages, each with a background level of its
        own (`MIN_LANGUAGE_SAMPLE` background sentences or more)."""
        return bool(self._language_means)

    def language_offsets(self, qvec: np.ndarray) -> dict[str, float]:
        """How much nearer the question vector `qvec` sits to each language of the documents than to the documents
        at large: its mean cosine to that language's background sentences less its mean cosine to all of them; {}
        unless the documents are in several languages (`several_languages`).

        A multilingual model puts a question nearer to text in a language near its own, whatever the text says:
        English questions over Chinese and French articles found a French passage first for 0.61 of them, and the
        Chinese article that answers first for 0.43 (docs/evaluation.md, "Documents in several languages"). Taking
        each passage's offset off its cosine compares the languages on the same footing."""
        means = self._language_means
        if not means:
            return {}
        overall = float(np.mean(self.background_sample @ qvec))
        return {lang: float(mean @ qvec) - overall for lang, mean in means.items()}

    def holds(self) -> str:
        """What the index holds, in a line: its model and the languages of its files."""
        counts = Counter(self.languages.values())
        langs = ", ".join(f"{lang} ({n} file{'s' if n > 1 else ''})" for lang, n in counts.most_common())
        where = self.manifest.get("store")
        kept = f"; in {where.get('location')}" if isinstance(where, dict) and where.get("location") else ""
        return f"model {self.manifest.get('model')}; languages {langs or 'none'}{kept}"

    @property
    def multilingual(self) -> bool:
        """Whether the index's model reads many languages in one space (recorded at build)."""
        return bool(self.manifest.get("multilingual"))

    def language_of(self, source: str) -> str:
        """The language of an indexed file."""
        return self.languages.get(source, UNDETERMINED)

    def passage_language(self, pid: int) -> str:
        """The language of a passage's file (told without reading the passage where the store can)."""
        return self.language_of(self.passage_source(pid))


@dataclass(frozen=True, slots=True)
class Records:
    """Passages and sentences with their vectors, not yet indexed; ids count from 0 within them."""

    passages: list[Passage]
    sentences: list[Sentence]  # Sentence.passage indexes `passages`
    ranges: list[tuple[int, int]]  # the sentence range [first, last) of each passage
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


# A store's passages and sentences are lists, or sequences that fetch records when read (qa.index.milvus_store's
# MilvusRecords). Those also offer at(ids), source_of(i), from_files(files) and source_counts(), which answer in
# one read or from what they hold of each record; the helpers below use them when they are there.


def _at(records: Sequence, ids) -> list:
    own = getattr(records, "at", None)
    return own(ids) if own is not None else [records[int(i)] for i in ids]


def from_files(records: Sequence, files: set[str]) -> np.ndarray:
    """A mask of the passages or sentences `records` whose file is in `files` (a store that fetches its records
    when read answers from what it holds of each, without fetching them)."""
    own = getattr(records, "from_files", None)
    return own(files) if own is not None else np.array([r.source in files for r in records], dtype=bool)


def source_counts(records: Sequence) -> Counter:
    """How many of the passages or sentences `records` each file holds (without fetching, where that can be)."""
    own = getattr(records, "source_counts", None)
    return own() if own is not None else Counter(r.source for r in records)


def kept_records(store: Store, sources: set[str]) -> Records:
    """The records and vectors of `store` that come from `sources`, renumbered."""
    pkeep = from_files(store.passages, sources)
    skeep = from_files(store.sentences, sources)
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


def checksums(data: Path) -> dict[str, str]:
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


def verify(data: Path) -> None:
    """Raise ValueError naming the first file of the data folder that is missing or not as it was written."""
    marker = json.loads((data / COMPLETE).read_text(encoding="utf-8"))
    expected = marker.get("checksums")
    if expected is None:
        return  # written before checksums were kept
    actual = checksums(data)
    for name, digest in expected.items():
        if actual.get(name) != digest:
            raise ValueError(f"{name} is {'missing' if name not in actual else 'not as it was written'}")



def file_languages(manifest: dict) -> dict[str, str]:
    """The language of every indexed file, by name."""
    return {name: entry.get("language", UNDETERMINED) for name, entry in manifest.get("files", {}).items()}


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
