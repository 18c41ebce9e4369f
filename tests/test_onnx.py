"""The ONNX backend: exported once into the cache, vectors equal to the PyTorch ones (int8: close)."""
from __future__ import annotations

import numpy as np
import pytest

from qa import QA, SettingsError
from qa.embedding import SentenceTransformerEmbedder, resolve_model
from qa.models import make_embedder
from qa.errors import ModelError
from qa.onnx import ONNX_FILE

pytestmark = pytest.mark.slow

TEXTS = [
    "How many points did the Panthers defense surrender?",
    "Quand la tour a-t-elle été construite ?",
    "The Broncos took an early lead in Super Bowl 50 and never trailed, winning 24-10.",
    "x",
]


@pytest.fixture(scope="module")
def onnx_index(tmp_path_factory):
    """An index folder; QA keeps ONNX exports in its models/ folder, and the tests below share them."""
    return tmp_path_factory.mktemp("onnx-index")


@pytest.fixture(scope="module")
def onnx_cache(onnx_index):
    return onnx_index / "models"


def test_onnx_vectors_equal_torch_vectors(real_embedder, onnx_cache):
    onnx = SentenceTransformerEmbedder(backend="onnx", cache_dir=onnx_cache)
    got = onnx.embed(TEXTS)
    want = real_embedder.embed(TEXTS)
    assert got.shape == want.shape and got.dtype == np.float32
    assert np.abs(got - want).max() < 1e-4
    assert onnx.name == real_embedder.name  # same vectors, so an index built by either serves both
    assert len(list(onnx_cache.rglob(ONNX_FILE["onnx"]))) == 1


def test_int8_vectors_are_close_and_named_apart(real_embedder, onnx_cache):
    int8 = SentenceTransformerEmbedder(backend="onnx-int8", cache_dir=onnx_cache)
    got = int8.embed(TEXTS)
    want = real_embedder.embed(TEXTS)
    cosines = np.sum(got * want, axis=1)
    assert cosines.min() > 0.97
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert int8.name == f"{real_embedder.name}@onnx-int8"
    assert make_embedder(int8.name).backend == "onnx-int8"  # as an index manifest names it


def test_the_export_is_made_once_and_reused(onnx_cache):
    exported = next(onnx_cache.rglob(ONNX_FILE["onnx"]))
    before = exported.stat().st_mtime_ns
    again = SentenceTransformerEmbedder(backend="onnx", cache_dir=onnx_cache)
    again.embed_query("a question")
    assert exported.stat().st_mtime_ns == before


def test_qa_with_onnx_backend_uses_the_export_beside_the_index(onnx_index, onnx_cache, seed_qa):
    exported = next(onnx_cache.rglob(ONNX_FILE["onnx"]))  # made by the first test, through the same path QA takes
    before = exported.stat().st_mtime_ns
    bot = QA(seed_qa.corpus_dir, onnx_index, model="all-MiniLM-L6-v2", backend="onnx")
    question = "How many delegations took part?"
    ans = bot.answer(question)
    assert ans.text == seed_qa.answer(question).text
    assert bot.embedder.backend == "onnx"
    assert exported.stat().st_mtime_ns == before


def test_unknown_backend_is_named():
    with pytest.raises(SettingsError, match="tensorrt"):
        SentenceTransformerEmbedder(backend="tensorrt")
    with pytest.raises(SettingsError, match="tensorrt"):
        QA("corpus", "embeddings", backend="tensorrt")


def test_a_broken_export_says_what_to_do(tmp_path):
    emb = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path)
    emb.dim
    from qa.onnx import _model_dir

    folder = _model_dir(tmp_path, emb.base_name, resolve_model(emb.base_name))
    folder.mkdir(parents=True)
    (folder / ONNX_FILE["onnx"]).write_bytes(b"not an onnx file")
    with pytest.raises(ModelError, match="delete that folder"):
        emb.embed_query("a question")
