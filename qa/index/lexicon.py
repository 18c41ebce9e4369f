"""BM25 as sparse vectors from our own analyser, for an engine that only multiplies sparse vectors (Milvus).

A passage is stored as {term id: tf / (tf + k1 (1 - b + b dl / avgdl))} and a question as
{term id: idf}: their inner product is the passage's BM25 score (bm25s's "lucene" variant, the
one the FAISS store uses). Each text is analysed by the rules of its language (qa.lexical), so
every language the project reads is searched as it is on the FAISS store. The statistics (term
ids, document frequencies, passage count and length) live in lexicon.json of the version's data
folder and move with each update; a passage's weights use the mean length of when it was written.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..jsonfile import write_json

K1 = 1.5
B = 0.75
LEXICON = "lexicon.json"


@dataclass(frozen=True)
class Lexicon:
    """Term ids (stable across updates) and BM25 statistics of the passages of one index version."""

    ids: dict[str, int] = field(default_factory=dict)  # every term ever seen -> its id (ids are never reused)
    df: dict[int, int] = field(default_factory=dict)  # term id -> passages holding it (absent: none)
    passages: int = 0
    length: int = 0  # total terms over the passages

    @cached_property
    def vocab_dict(self) -> dict[str, int]:
        """The terms some passage holds, with their ids (bm25s's name for it)."""
        return {t: i for t, i in self.ids.items() if self.df.get(i, 0) > 0}

    @property
    def mean_length(self) -> float:
        return self.length / self.passages if self.passages else 1.0

    def document_frequency(self, term_ids: list[int]) -> list[int]:
        return [self.df.get(i, 0) for i in term_ids]

    def changed(self, removed: list[list[str]], added: list[list[str]]) -> Lexicon:
        """The lexicon after the passages of term lists `removed` go and those of `added` come."""
        ids = dict(self.ids)
        df = Counter(self.df)
        for toks in removed:
            df.subtract({ids[t] for t in set(toks) if t in ids})
        for toks in added:
            for t in toks:
                if t not in ids:
                    ids[t] = len(ids)
            df.update({ids[t] for t in set(toks)})
        length = self.length - sum(map(len, removed)) + sum(map(len, added))
        return Lexicon(ids, {i: n for i, n in df.items() if n > 0}, self.passages - len(removed) + len(added), length)

    def passage_vector(self, toks: list[str]) -> dict[int, float]:
        """A passage's sparse vector: the BM25 term-frequency part of each of its terms (all must have ids)."""
        norm = K1 * (1 - B + B * len(toks) / self.mean_length)
        return {self.ids[t]: tf / (tf + norm) for t, tf in Counter(toks).items()}

    def query_vector(self, query: list[str]) -> dict[int, float]:
        """A question's sparse vector: the IDF of each of its terms that some passage holds."""
        vocab = self.vocab_dict
        out = {}
        for t in query:
            i = vocab.get(t)
            if i is not None:
                n = self.df[i]
                out[i] = math.log(1 + (self.passages - n + 0.5) / (n + 0.5))
        return out

    def save(self, path: Path) -> None:
        write_json(path, {"k1": K1, "b": B, "passages": self.passages, "length": self.length, "ids": self.ids,
                          "df": {str(i): n for i, n in self.df.items()}})


def load_lexicon(path: Path) -> Lexicon:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Lexicon(raw["ids"], {int(i): int(n) for i, n in raw["df"].items()}, int(raw["passages"]), int(raw["length"]))
