"""Embedding through a real local Ray (Ray Data map_batches, an actor per worker holding the model) on a small corpus."""
from __future__ import annotations

import numpy as np
import pytest

from qa import QA
from qa.cli import main
from qa.embedding import HashingEmbedder
from qa.errors import SettingsError
from qa.index import load_store
from qa.index.ray_embed import RayEmbedder


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(6):  # enough texts for several batches across the workers
        (root / f"f{i}.txt").write_text(
            "\n\n".join(f"File {i} paragraph {j} tells of the harbour number {i * 10 + j}. It held {j} ships." for j in range(12)) + "\n"
        )
    (root / "apples.txt").write_text("The farmers harvested 4200 kilograms of apples in Lindow.\n")
    return root


def test_a_ray_data_pipeline_embeds_what_the_plain_loop_does_and_reports_every_passage(corpus, tmp_path, ray_cluster):
    stages: dict[str, list[tuple[int, int]]] = {}
    bot = QA(corpus, tmp_path / "ray", model=HashingEmbedder(), ray="local", ray_workers=2,
             progress=lambda stage, done, total: stages.setdefault(stage, []).append((done, total)))
    report = bot.refresh()
    plain = QA(corpus, tmp_path / "plain", model=HashingEmbedder())
    plain.refresh()
    assert report.rebuilt and bot.store.passages == plain.store.passages
    assert np.array_equal(np.asarray(bot.store.sentence_vectors), np.asarray(plain.store.sentence_vectors))
    assert np.array_equal(np.asarray(bot.store.passage_vectors), np.asarray(plain.store.passage_vectors))
    # the bar counts files while chunking, then passages and sentences as the workers' batches come back
    assert stages["chunking"][-1] == (7, 7)
    for stage, n in (("embedding passages", len(bot.store.passages)), ("embedding sentences", len(bot.store.sentences))):
        done = [d for d, _ in stages[stage]]
        assert done == sorted(done) and done[-1] == n and {t for _, t in stages[stage]} == {n}
    assert len(stages["embedding sentences"]) > 2  # as the workers' batches come back, not once at the end
    assert "4200 kilograms" in bot.answer("How many kilograms of apples were harvested?").text


def test_qa_index_ray_runs_the_pipeline_from_the_command_line(corpus, tmp_path, ray_cluster, capsys):
    main(["index", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--model", "hashing-256", "--ray",
          "--ray-workers", "1", "-q"])  # returns (an error would exit with status 1)
    out = capsys.readouterr().out
    assert "index built" in out and "7 files" in out
    store = load_store(tmp_path / "idx")
    fresh = HashingEmbedder().embed_batch([s.text for s in store.sentences])
    assert np.allclose(np.asarray(store.sentence_vectors), fresh)


def test_ray_workers_must_be_positive_and_need_ray(corpus, tmp_path, capsys):
    with pytest.raises(SettingsError, match="at least 1"):
        QA(corpus, tmp_path / "idx", ray="local", ray_workers=0)
    with pytest.raises(SettingsError, match="at least 1"):
        RayEmbedder(HashingEmbedder(), HashingEmbedder, workers=0)
    with pytest.raises(SystemExit):
        main(["index", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--ray-workers", "2"])
    assert "--ray-workers needs --ray" in capsys.readouterr().err
