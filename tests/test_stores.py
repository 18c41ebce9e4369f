"""The store behaviour suite: the same tests on every store (FAISS files, Milvus Lite in-process, a Milvus server).

A Milvus server is tested when QA_MILVUS_URI is set (e.g. QA_MILVUS_URI=http://localhost:19530) and
skipped otherwise; Milvus Lite starts in this process from the pip package, one database for the
session, one collection prefix per test.
"""
from __future__ import annotations

import itertools
import os
import uuid

import numpy as np
import pytest

from qa import QA
from qa.embedding import HashingEmbedder
from qa.index import load_store, open_index, read_manifest
from qa.lexical import terms
from conftest import LatinLeaning, fruit_corpus, mixed_store, sources

SERVER = os.environ.get("QA_MILVUS_URI")
_names = itertools.count()


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, recording every text it embeds."""

    def __init__(self, dim: int = 256):
        super().__init__(dim)
        self.seen: list[str] = []

    def embed_batch(self, texts):
        self.seen.extend(texts)
        return super().embed_batch(texts)


@pytest.fixture(scope="session")
def lite_db(tmp_path_factory):
    """One Milvus Lite database for the session (each test writes its own collections in it)."""
    return tmp_path_factory.mktemp("milvus") / "stores.db"


def drop_collections(location: str) -> None:
    """Drop every collection of a test's prefix (the server outlives the test run)."""
    from qa.index.milvus_store import connect, parse_location

    where = parse_location(location)
    client = connect(where)
    for name in client.list_collections():
        if name.startswith(f"{where.collection}__"):
            client.drop_collection(name)


@pytest.fixture(params=[
    "faiss",
    "milvus-lite",
    pytest.param("milvus-server", marks=pytest.mark.skipif(not SERVER, reason="set QA_MILVUS_URI to test a Milvus server")),
])
def location(request, lite_db):
    """A --store value: FAISS files, a fresh collection prefix in Milvus Lite, or one on the server."""
    if request.param == "faiss":
        yield "faiss"
    elif request.param == "milvus-lite":
        yield f"milvus://{lite_db}?collection=t{next(_names)}"
    else:
        loc = f"milvus+{SERVER}?collection=qa_test_{uuid.uuid4().hex[:8]}"
        yield loc
        drop_collections(loc)


@pytest.fixture
def corpus(tmp_path):
    return fruit_corpus(tmp_path)


def test_a_build_holds_every_record_with_its_vector(corpus, tmp_path, location):
    store, report = open_index(corpus, tmp_path / "idx", CountingEmbedder(), store=location)
    assert report.rebuilt and store.engine == location.split(":")[0].split("+")[0]
    m = read_manifest(tmp_path / "idx")
    assert m["passages"] == len(store.passages) and m["sentences"] == len(store.sentences)
    assert sources(store) == ["alpha.txt", "beta.txt", "gamma.md"]
    for s in store.sentences:  # every sentence lies inside its passage and the ranges agree
        f, l = store.ranges[s.passage]
        assert store.passages[s.passage].source == s.source
        assert store.passages[s.passage].start <= s.start < s.end <= store.passages[s.passage].end
    fresh = HashingEmbedder().embed_batch([s.text for s in store.sentences])
    assert np.allclose(np.asarray(store.sentence_vectors), fresh, atol=1e-6)
    assert np.asarray(store.passage_vectors).shape == (len(store.passages), 256)


def test_a_reopened_index_is_the_version_that_was_built(corpus, tmp_path, location):
    built, _ = open_index(corpus, tmp_path / "idx", CountingEmbedder(), store=location)
    loaded = load_store(tmp_path / "idx")
    assert loaded.engine == built.engine and loaded.version == built.version
    assert loaded.passages == built.passages and loaded.sentences == built.sentences
    assert np.array_equal(loaded.ranges, built.ranges)
    assert np.allclose(np.asarray(loaded.sentence_vectors), np.asarray(built.sentence_vectors))


def test_dense_and_lexical_search_and_fetch_by_id(corpus, tmp_path, location):
    store, _ = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    emb = HashingEmbedder()
    for pid, p in enumerate(store.passages):
        (best, cosine), *_ = store.search.dense("passages", emb.embed_query(p.text), 3)
        assert best == pid and cosine == pytest.approx(1.0, abs=1e-5)
    sid = next(i for i, s in enumerate(store.sentences) if "yellow" in s.text)
    assert store.search.dense("sentences", emb.embed_query(store.sentences[sid].text), 1)[0][0] == sid
    # lexical: "cherries" is only in gamma.md; the question's terms are analysed as the passages' were
    query = [t for t in terms("Where do cherries grow?", "en") if t in store.bm25.vocab_dict]
    hits = store.search.lexical(query, "Where do cherries grow?", 5)
    assert hits and store.passages[hits[0][0]].source == "gamma.md" and all(s > 0 for _, s in hits)
    assert store.search.lexical([], "", 5) == []
    # fetch by id, in the order asked
    rows = [len(store.sentences) - 1, 0, sid]
    assert np.allclose(store.sentence_vectors[rows], emb.embed_batch([store.sentences[i].text for i in rows]), atol=1e-6)
    assert np.allclose(store.sentence_vectors[sid], emb.embed_query(store.sentences[sid].text), atol=1e-6)
    (term_id,) = [store.bm25.vocab_dict[t] for t in terms("cherries", "en")]
    assert store.document_frequency([term_id]) == [1]


def test_an_unchanged_corpus_embeds_nothing(corpus, tmp_path, location):
    open_index(corpus, tmp_path / "idx", CountingEmbedder(), store=location)
    emb = CountingEmbedder()
    store, report = open_index(corpus, tmp_path / "idx", emb, store=location)
    assert emb.seen == [] and not report.touched and report.unchanged == 3


def test_added_changed_and_removed_files_re_embed_only_those_and_answers_follow(corpus, tmp_path, location):
    idx = tmp_path / "idx"
    bot = QA(corpus, idx, model=HashingEmbedder(), store=location)
    assert bot.answer("What colour are bananas?").citations[0].source == "beta.txt"

    (corpus / "delta.txt").write_text("The delta file talks about dates. Dates are brown.\n")
    emb = CountingEmbedder()
    store, report = open_index(corpus, idx, emb, store=location)
    assert report.added == ["delta.txt"] and emb.seen and all("date" in t.lower() for t in emb.seen)
    assert sources(store) == ["alpha.txt", "beta.txt", "delta.txt", "gamma.md"]

    (corpus / "beta.txt").write_text("Bananas are green when they are not ripe yet.\n")
    emb = CountingEmbedder()
    store, report = open_index(corpus, idx, emb, store=location)
    assert report.changed == ["beta.txt"] and emb.seen and all("green" in t for t in emb.seen)
    assert not any("yellow" in p.text for p in store.passages)

    (corpus / "gamma.md").unlink()
    emb = CountingEmbedder()
    store, report = open_index(corpus, idx, emb, store=location)
    assert report.removed == ["gamma.md"] and emb.seen == []
    assert sources(store) == ["alpha.txt", "beta.txt", "delta.txt"]
    fresh = HashingEmbedder().embed_batch([s.text for s in store.sentences])
    assert np.allclose(np.asarray(store.sentence_vectors), fresh, atol=1e-6)

    bot = QA(corpus, idx, model=HashingEmbedder(), store=location)
    ans = bot.answer("What colour are bananas?")
    assert ans.citations[0].source == "beta.txt" and "green" in ans.text
    assert all(h.source != "gamma.md" for h in bot.retrieve("Where do cherries grow?", k=10))
    # the reopened version is the one the updates left
    assert load_store(idx).passages == store.passages


def test_a_model_of_another_dimension_rebuilds_and_says_why(corpus, tmp_path, location):
    open_index(corpus, tmp_path / "idx", HashingEmbedder(256), store=location)
    store, report = open_index(corpus, tmp_path / "idx", HashingEmbedder(128), store=location)
    assert report.rebuilt and "model changed" in report.reason
    assert np.asarray(store.sentence_vectors).shape[1] == 128
    assert load_store(tmp_path / "idx").passages == store.passages
    assert QA(corpus, tmp_path / "idx", model=HashingEmbedder(128), store=location).answer(
        "What colour are bananas?").citations[0].source == "beta.txt"


def test_an_update_that_fails_half_way_leaves_the_previous_version_answering(corpus, tmp_path, location):
    idx = tmp_path / "idx"
    bot = QA(corpus, idx, model=HashingEmbedder(), store=location)
    before = bot.answer("What colour are bananas?")

    class Failing(HashingEmbedder):
        calls = 0

        def embed_batch(self, texts):  # passages embed, then the sentences fail: a crash in the middle
            Failing.calls += 1
            if Failing.calls > 1:
                raise RuntimeError("power cut")
            return super().embed_batch(texts)

    (corpus / "beta.txt").write_text("Bananas are green when they are not ripe yet.\n")
    (corpus / "delta.txt").write_text("The delta file talks about dates. Dates are brown.\n")
    with pytest.raises(RuntimeError):
        open_index(corpus, idx, Failing(), store=location)
    again = QA(corpus, idx, model=HashingEmbedder(), store=location)
    assert again.use_existing()  # the previous version, as it was
    assert again.answer("What colour are bananas?").text == before.text
    store, report = open_index(corpus, idx, HashingEmbedder(), store=location)
    assert report.changed == ["beta.txt"] and report.added == ["delta.txt"]
    assert "green" in QA(corpus, idx, model=HashingEmbedder(), store=location).answer("What colour are bananas?").text


def test_an_index_is_reopened_in_the_store_its_manifest_names(corpus, tmp_path, location):
    QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=location).refresh()
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())  # no store given: the manifest's
    assert not bot.refresh().touched
    assert bot.store.engine == location.split(":")[0].split("+")[0]
    assert bot.store.holds().endswith("; languages en (3 files)" if location == "faiss" else f"; in {location}")


def test_both_stores_give_the_same_hits_and_answers_before_and_after_updates(corpus, tmp_path, lite_db):
    """The seed corpus's kind of questions on FAISS and on Milvus Lite: the same passages, scores and answers."""
    location = f"milvus://{lite_db}?collection=t{next(_names)}"
    bots = {"faiss": QA(corpus, tmp_path / "f", model=HashingEmbedder(), store="faiss"),
            "milvus": QA(corpus, tmp_path / "m", model=HashingEmbedder(), store=location)}
    questions = ["What colour are bananas?", "Where do cherries grow?", "Which fruit is red and sweet?", "dates"]

    def same():
        for q in questions:
            f, m = (bots[n].retrieve(q, k=5) for n in ("faiss", "milvus"))
            assert [h.passage_id for h in f] == [h.passage_id for h in m], q
            assert [h.score for h in f] == pytest.approx([h.score for h in m], rel=1e-4), q
            assert bots["faiss"].answer(q).text == bots["milvus"].answer(q).text, q
        f, m = bots["faiss"].store, bots["milvus"].store
        assert f.bm25.vocab_dict.keys() - {""} == m.bm25.vocab_dict.keys()  # bm25s keeps an empty token of its own
        terms_ = sorted(m.bm25.vocab_dict)
        assert f.document_frequency([f.bm25.vocab_dict[t] for t in terms_]) == m.document_frequency([m.bm25.vocab_dict[t] for t in terms_])

    same()
    (corpus / "delta.txt").write_text("The delta file talks about dates. Dates are brown and sweet.\n")
    (corpus / "alpha.txt").write_text("Apples are green or red. The alpha file talks about apples and pears.\n")
    (corpus / "gamma.md").unlink()
    for bot in bots.values():
        bot.refresh()
    same()


def test_answers_during_incremental_updates_each_come_from_one_version(tmp_path, location):
    """Eight threads answer while every file changes three times (test_concurrency.py's test, on every store)."""
    from test_concurrency import _versions_consistent_with, hammer_through_updates

    answers, errors, _, versions = hammer_through_updates(tmp_path, location)
    assert errors == []
    assert all(_versions_consistent_with(ans, versions) for ans in answers)


def test_the_ranges_tell_each_sentences_passage_and_records_read_in_one_go_are_those_read_one_by_one(corpus, tmp_path, location):
    # one long paragraph is cut into passages that overlap by a sentence: it belongs to the first of them
    (corpus / "long.txt").write_text(" ".join(f"Sentence number {i} of the long paragraph talks about topic {i}." for i in range(40)))
    store = QA(corpus, tmp_path / "idx", model=HashingEmbedder(max_tokens=60), store=location).store
    assert any(a[1] > b[0] for a, b in zip(store.ranges, store.ranges[1:]))  # overlapping passages
    assert [store.passage_of(i) for i in range(len(store.sentences))] == [s.passage for s in store.sentences]
    ids = [len(store.sentences) - 1, 0, 2]
    assert store.sentences_at(ids) == [store.sentences[i] for i in ids]
    assert store.passages_at([1, 0]) == [store.passages[1], store.passages[0]]
    assert [store.passage_source(i) for i in range(len(store.passages))] == [p.source for p in store.passages]


def test_documents_in_several_languages_are_evened_out_alike_in_every_store(tmp_path, location):
    """Each language's background level (read from the store's own records) and the evened searches are the same on
    every store: an English question finds the Chinese passage that answers it, not the French ones its model leans to."""
    store = mixed_store(tmp_path)  # FAISS files: the reference
    other, _ = open_index(tmp_path / "corpus", tmp_path / "other", LatinLeaning(), store=location)
    question = "When did the OPEC embargo begin in 1973?"
    qvec = LatinLeaning().embed_query(question)
    ref, got = store.language_offsets(qvec), other.language_offsets(qvec)
    assert got.keys() == ref.keys() == {"fr", "zh"}
    assert [got[k] for k in sorted(got)] == pytest.approx([ref[k] for k in sorted(ref)], abs=1e-5)
    hits = QA(tmp_path / "corpus", tmp_path / "other", model=LatinLeaning(), store=location).retrieve(question, k=3)
    assert hits[0].source == "zh-oil.txt"
