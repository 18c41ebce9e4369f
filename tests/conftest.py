"""Shared fixtures: tiny corpora in tmp folders, the fast fake embedder, and the real model once per session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


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
