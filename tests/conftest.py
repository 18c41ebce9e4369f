"""Shared fixtures: tiny corpora in tmp folders, the fast fake embedder, and the real model once per session."""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from qa.embedding import HashingEmbedder  # noqa: E402 (after the offline switches)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
# Fixtures that load the real model, serve the chat, start a browser or a Ray cluster: a test using any of them (directly or
# through another fixture) is marked slow, so `pytest -m "not slow"` (`make test-fast`) stays model-free.
SLOW_FIXTURES = {"real_embedder", "seed_qa", "seed_qa_multilingual", "ui_corpus", "ui_server", "browser", "ray_cluster"}
MODEL_MODULE = "sentence_transformers"  # imported only when the real model loads (qa.embedding is lazy)
_MODEL_LOADED_BEFORE = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items):
    """Mark slow every test that needs the real model, a served chat or a browser."""
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_MODEL_LOADED_BEFORE] = MODEL_MODULE in sys.modules


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test that loads the real model (in its fixtures or its body) must be marked slow: else it fails here."""
    result = yield
    if not item.stash.get(_MODEL_LOADED_BEFORE, True) and MODEL_MODULE in sys.modules \
            and item.get_closest_marker("slow") is None:
        raise AssertionError(
            f"{item.nodeid} loaded the real model ({MODEL_MODULE}) but is not marked slow: mark it "
            "@pytest.mark.slow, or add its model fixture to SLOW_FIXTURES in tests/conftest.py"
        )
    return result


@pytest.fixture
def fake_embedder():
    from qa.embedding import HashingEmbedder

    return HashingEmbedder()


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A private copy of the seed corpus that a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    from qa.embedding import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder()
    emb.dim  # load now, so the first test does not pay for it
    return emb


@pytest.fixture(scope="session")
def seed_qa(tmp_path_factory, real_embedder):
    """QA over the seed corpus with the real model, built once into a session tmp folder."""
    from qa import QA

    bot = QA(SEEDS, tmp_path_factory.mktemp("seed-index"), model=real_embedder)
    bot.refresh()
    return bot


@pytest.fixture(scope="session")
def seed_qa_multilingual(tmp_path_factory):
    """QA over the seed corpus with the packaged multilingual model (4-bit multilingual-e5-small), built once."""
    from qa import QA

    bot = QA(SEEDS, tmp_path_factory.mktemp("seed-index-e5"), model="multilingual-e5-small")
    bot.refresh()
    return bot


def fruit_corpus(tmp_path: Path) -> Path:
    """Three small files about apples, bananas and cherries in `tmp_path/corpus` (the store and index tests')."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "alpha.txt").write_text("The alpha file talks about apples. Apples are red and sweet.\n")
    (root / "beta.txt").write_text("The beta file talks about bananas. Bananas are yellow.\n")
    (root / "gamma.md").write_text("# Gamma\n\nThe gamma file talks about cherries. Cherries grow on trees.\n")
    return root


class LatinLeaning(HashingEmbedder):
    """A fake multilingual model with a real one's lean: text in Latin letters shares one direction, so an English
    question sits nearer any French text than any Chinese text, whatever they say (its words hashed as usual)."""

    def __init__(self):
        super().__init__()
        self.name = "hashing-multilingual-latin-leaning"

    @property
    def dim(self) -> int:
        return super().dim + 1

    def embed_batch(self, texts):
        words = super().embed_batch(texts)
        latin = [len(re.findall(r"[A-Za-zÀ-ÿ]", t)) / max(1, len(re.findall(r"\w", t))) for t in texts]
        out = np.hstack([words, np.array(latin, dtype=np.float32)[:, None]])
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def mixed_store(tmp_path):
    """An index (FAISS files, `LatinLeaning`) of twenty-five French sentences about Lyon's streets, twenty-four Chinese
    ones about bridges, and one Chinese sentence (zh-oil.txt) that answers "When did the OPEC embargo begin in 1973?"
    by its number and name alone."""
    root = tmp_path / "corpus"
    root.mkdir()
    streets = [f"La rue numéro {i} de Lyon est bordée d'arbres anciens et de petites boutiques." for i in range(25)]
    (root / "fr-rues.txt").write_text("\n\n".join(" ".join(streets[i:i + 5]) for i in range(0, 25, 5)) + "\n")
    bridges = [f"第{i}座桥位于城市的东边，是很久以前建成的。" for i in range(24)]
    (root / "zh-bridges.txt").write_text("\n\n".join("".join(bridges[i:i + 6]) for i in range(0, 24, 6)) + "\n")
    (root / "zh-oil.txt").write_text("石油危机始于 1973 年，OPEC 宣布了禁运。\n")
    from qa.index import open_index

    store, _ = open_index(root, tmp_path / "idx", LatinLeaning())
    return store


def sources(store) -> list[str]:
    """The files a store holds passages of, sorted."""
    return sorted({p.source for p in store.passages})


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def ui_corpus(tmp_path_factory, seed_qa_multilingual) -> tuple[Path, Path]:
    """(corpus, index) for the UI tests: the seed corpus plus tests/data/hostile.md, in tmp folders, indexed by
    the default model (what `make run` serves).

    The seed index is copied (file times kept), so only the added file is embedded.
    """
    root = tmp_path_factory.mktemp("ui")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SEEDS, corpus)
    shutil.copytree(seed_qa_multilingual.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    shutil.copy2(DATA / "hostile.md", corpus / "hostile.md")
    return corpus, index


@pytest.fixture(scope="session")
def ui_server(ui_corpus, seed_qa_multilingual):
    """The chat app with the default model, served on a free port for the whole run: yields (url, QA); shut down
    at the end."""
    from qa import QA
    from qa.ui import EXAMPLES, build, launch

    corpus, index = ui_corpus
    bot = QA(corpus, index, model=seed_qa_multilingual.embedder)
    bot.refresh()
    demo = build(bot, EXAMPLES)
    port = free_port()
    launch(demo, "127.0.0.1", port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", bot
    finally:
        demo.close()


def assert_quotes_the_files(ans, expected: str, files: set[str]) -> None:
    """An answer that holds `expected`, cites one of `files`, and quotes every citation exactly as its file has it."""
    from qa.corpus import read_document

    assert ans.text is not None, f"abstained: {ans.reason}"
    assert expected in ans.text
    assert {c.source for c in ans.citations} & files
    for c in ans.citations:
        doc = read_document(SEEDS / c.source, c.source)
        assert doc.text[c.start : c.end] == c.quote
        assert c.line == doc.text.count("\n", 0, c.start) + 1


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray of two CPUs for the session (the pipeline's tests run on it), shut down at the end."""
    import ray

    from qa.index.ray_embed import start_ray

    start_ray(None, 2)
    yield
    ray.shutdown()
