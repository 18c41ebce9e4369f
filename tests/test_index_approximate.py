"""The approximate FAISS index used above a size threshold: same top hits as exact search, saved and reloaded."""
from __future__ import annotations

import random

import numpy as np
import pytest

from qa import QA, IndexSettings, SettingsError
from qa.embedding import HashingEmbedder
from qa.index import faiss_kind, load_store

TOPICS = "river mountain harbour castle railway library garden bridge market cathedral".split()
WORDS = (
    "ancient modern northern southern stone wooden royal public quiet busy famous small large old new "
    "built opened restored visited painted described founded extended closed rebuilt"
).split()


def write_corpus(folder, files: int = 40, seed: int = 0) -> None:
    """Files of a few varied sentences each, so nearest neighbours are well defined."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        paras = []
        for p in range(3):
            sents = []
            for s in range(3):
                topic = rng.choice(TOPICS)
                sents.append(
                    f"The {rng.choice(WORDS)} {topic} of town{f} was {rng.choice(WORDS)} in {1800 + rng.randrange(200)} "
                    f"by the {rng.choice(WORDS)} {rng.choice(TOPICS)} guild number {f * 10 + p}."
                )
            paras.append(" ".join(sents))
        (folder / f"doc{f:02d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")


class CountingEmbedder(HashingEmbedder):
    """The hashing fake that counts how many texts it embedded."""

    def __init__(self):
        super().__init__()
        self.embedded = 0

    def embed_batch(self, texts):
        self.embedded += len(texts)
        return super().embed_batch(texts)


QUESTIONS = [f"Which {w} {t} was built by the guild?" for w in WORDS[:6] for t in TOPICS[:5]]


def top_hits(bot: QA, k: int = 5) -> list[list[tuple[str, int]]]:
    return [[(h.source, h.start) for h in bot.retrieve(q, k)] for q in QUESTIONS]


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_index_above_threshold_finds_the_same_hits_as_flat(tmp_path, kind):
    write_corpus(tmp_path / "corpus")
    flat = QA(tmp_path / "corpus", tmp_path / "flat", model=HashingEmbedder())
    # Low threshold; search parameters generous enough to be exact on a corpus this small.
    approx_settings = IndexSettings(approximate_above=10, approximate=kind, ivf_probe=1000, hnsw_ef=512)
    approx = QA(tmp_path / "corpus", tmp_path / "approx", model=HashingEmbedder(), index=approx_settings)
    assert faiss_kind(flat.store.passage_faiss) == faiss_kind(flat.store.sentence_faiss) == "flat"
    assert faiss_kind(approx.store.passage_faiss) == faiss_kind(approx.store.sentence_faiss) == kind
    assert top_hits(approx) == top_hits(flat)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_index_round_trips_through_save_and_load(tmp_path, kind):
    write_corpus(tmp_path / "corpus")
    settings = IndexSettings(approximate_above=10, approximate=kind)
    bot = QA(tmp_path / "corpus", tmp_path / "idx", model=HashingEmbedder(), index=settings)
    before = top_hits(bot)
    store = bot.store

    loaded = load_store(tmp_path / "idx", index_settings=settings)
    assert faiss_kind(loaded.passage_faiss) == faiss_kind(loaded.sentence_faiss) == kind
    assert loaded.sentence_faiss.ntotal == len(store.sentences)
    q = np.stack([bot.embedder.embed_query(t) for t in QUESTIONS])
    assert np.array_equal(loaded.sentence_faiss.search(q, 10)[1], store.sentence_faiss.search(q, 10)[1])

    counting = CountingEmbedder()
    reopened = QA(tmp_path / "corpus", tmp_path / "idx", model=counting, index=settings)
    assert not reopened.refresh().touched
    assert top_hits(reopened) == before
    assert counting.embedded == len(QUESTIONS)  # the questions only: nothing of the corpus was embedded again


def test_search_parameters_come_from_the_settings_at_load(tmp_path):
    write_corpus(tmp_path / "corpus")
    QA(tmp_path / "corpus", tmp_path / "idx", model=HashingEmbedder(), index=IndexSettings(approximate_above=10)).store
    loaded = load_store(tmp_path / "idx", index_settings=IndexSettings(approximate_above=10, ivf_probe=3))
    assert loaded.passage_faiss.nprobe == 3


def test_changing_the_threshold_reindexes_the_stored_vectors_without_embedding(tmp_path):
    write_corpus(tmp_path / "corpus")
    flat = QA(tmp_path / "corpus", tmp_path / "idx", model=HashingEmbedder())
    before = top_hits(flat)
    counting = CountingEmbedder()
    approx = QA(
        tmp_path / "corpus", tmp_path / "idx", model=counting, index=IndexSettings(approximate_above=10, ivf_probe=1000)
    )
    report = approx.refresh()
    assert not report.rebuilt and not report.added and not report.changed
    assert counting.embedded == 0
    assert faiss_kind(approx.store.passage_faiss) == "ivf"
    assert top_hits(approx) == before
    # and back: a high threshold returns to exact search
    counting.embedded = 0
    back = QA(tmp_path / "corpus", tmp_path / "idx", model=counting)
    assert faiss_kind(back.store.sentence_faiss) == "flat"
    assert counting.embedded == 0


def test_an_update_keeps_the_trained_ivf_lists(tmp_path):
    write_corpus(tmp_path / "corpus")
    settings = IndexSettings(approximate_above=10)
    bot = QA(tmp_path / "corpus", tmp_path / "idx", model=HashingEmbedder(), index=settings)
    import faiss

    old = faiss.downcast_index(bot.store.sentence_faiss.quantizer).reconstruct_n(0, bot.store.sentence_faiss.nlist)
    (tmp_path / "corpus" / "doc00.txt").write_text("The golden lighthouse of town0 was painted in 1901 by sailors.\n")
    report = bot.refresh()
    assert report.changed == ["doc00.txt"]
    index = bot.store.sentence_faiss
    assert faiss_kind(index) == "ivf" and index.ntotal == len(bot.store.sentences)
    assert np.array_equal(faiss.downcast_index(index.quantizer).reconstruct_n(0, index.nlist), old)
    hits = bot.retrieve("golden lighthouse painted by sailors", 1)
    assert hits[0].source == "doc00.txt"


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"approximate": "annoy"}, "annoy"),
        ({"approximate_above": 0}, "approximate_above"),
        ({"ivf_probe": 0}, "ivf_probe"),
    ],
)
def test_bad_index_settings_name_the_value(kwargs, word):
    with pytest.raises(SettingsError, match=word):
        IndexSettings(**kwargs)
