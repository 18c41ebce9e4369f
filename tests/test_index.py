import json
import os

import numpy as np
import pytest

from qa import QA
from qa.chunking import ChunkSettings
from qa.embedding import HashingEmbedder
from qa.errors import CorpusError
from qa.index import FORMAT_VERSION, MANIFEST, load_store, open_index, read_manifest
from conftest import fruit_corpus, sources


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, recording every text it embeds."""

    def __init__(self, name="hashing-256"):
        super().__init__()
        self.name = name
        self.seen: list[str] = []

    def embed_batch(self, texts):
        self.seen.extend(texts)
        return super().embed_batch(texts)


@pytest.fixture
def corpus(tmp_path):
    return fruit_corpus(tmp_path)


def test_build_writes_manifest_and_real_faiss_files(corpus, tmp_path):
    emb = CountingEmbedder()
    store, report = open_index(corpus, tmp_path / "idx", emb)
    assert report.rebuilt and report.reason == "no index yet"
    m = json.loads((tmp_path / "idx" / MANIFEST).read_text())
    assert m["format"] == FORMAT_VERSION and m["model"] == "hashing-256" and m["dim"] == 256
    assert m["settings"] == {"passage_tokens": 160, "min_passage_tokens": 48, "overlap_sentences": 1}
    assert set(m["files"]) == {"alpha.txt", "beta.txt", "gamma.md"}
    for name, entry in m["files"].items():
        data = (corpus / name).read_bytes()
        assert entry["size"] == len(data)
        import hashlib

        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    data_dir = tmp_path / "idx" / m["data"]
    for f in ["passages.faiss", "sentences.faiss", "passages.json", "sentences.json", "bm25"]:
        assert (data_dir / f).exists()
    import faiss

    assert faiss.read_index(str(data_dir / "passages.faiss")).ntotal == len(store.passages)
    assert faiss.read_index(str(data_dir / "sentences.faiss")).ntotal == len(store.sentences)
    # vectors are normalised float32
    assert store.passage_vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(store.sentence_vectors, axis=1), 1.0, atol=1e-5)


def test_loaded_store_matches_built_store(corpus, tmp_path):
    built, _ = open_index(corpus, tmp_path / "idx", CountingEmbedder())
    loaded = load_store(tmp_path / "idx")
    assert loaded.passages == built.passages
    assert loaded.sentences == built.sentences
    assert np.array_equal(loaded.ranges, built.ranges)
    assert np.array_equal(np.asarray(loaded.sentence_vectors), built.sentence_vectors)


def test_unchanged_corpus_embeds_nothing(corpus, tmp_path):
    open_index(corpus, tmp_path / "idx", CountingEmbedder())
    emb = CountingEmbedder()
    store, report = open_index(corpus, tmp_path / "idx", emb)
    assert emb.seen == []
    assert not report.touched and report.unchanged == 3


def test_touched_but_identical_file_is_not_re_embedded(corpus, tmp_path):
    open_index(corpus, tmp_path / "idx", CountingEmbedder())
    os.utime(corpus / "alpha.txt", ns=(1, 1))
    emb = CountingEmbedder()
    _, report = open_index(corpus, tmp_path / "idx", emb)
    assert emb.seen == [] and not report.touched
    assert read_manifest(tmp_path / "idx")["files"]["alpha.txt"]["mtime_ns"] == 1


def test_add_change_delete_re_embed_only_those_files(corpus, tmp_path):
    idx = tmp_path / "idx"
    open_index(corpus, idx, CountingEmbedder())

    (corpus / "delta.txt").write_text("The delta file talks about dates. Dates are brown.\n")
    emb = CountingEmbedder()
    store, report = open_index(corpus, idx, emb)
    assert report.added == ["delta.txt"] and not report.changed and not report.removed
    assert emb.seen and all("date" in t.lower() for t in emb.seen)
    assert sources(store) == ["alpha.txt", "beta.txt", "delta.txt", "gamma.md"]

    (corpus / "beta.txt").write_text("The beta file now talks about blueberries. Blueberries are blue.\n")
    emb = CountingEmbedder()
    store, report = open_index(corpus, idx, emb)
    assert report.changed == ["beta.txt"] and not report.added
    assert emb.seen and all("blueberr" in t.lower() for t in emb.seen)
    assert not any("banana" in p.text.lower() for p in store.passages)

    (corpus / "gamma.md").unlink()
    emb = CountingEmbedder()
    store, report = open_index(corpus, idx, emb)
    assert report.removed == ["gamma.md"] and emb.seen == []
    assert sources(store) == ["alpha.txt", "beta.txt", "delta.txt"]
    # records and vectors still line up: every sentence's vector is its own text's vector
    fresh = HashingEmbedder().embed_batch([s.text for s in store.sentences])
    assert np.allclose(np.asarray(store.sentence_vectors), fresh)
    for s in store.sentences:
        f, l = store.ranges[s.passage]
        assert store.passages[s.passage].source == s.source
        assert store.passages[s.passage].start <= s.start < s.end <= store.passages[s.passage].end


def test_answers_follow_the_files(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    assert bot.answer("What colour are bananas?").citations[0].source == "beta.txt"
    (corpus / "beta.txt").write_text("Bananas are green when they are not ripe yet.\n")
    bot.refresh()
    ans = bot.answer("What colour are bananas?")
    assert ans.citations[0].source == "beta.txt" and "green" in ans.text


def test_model_change_rebuilds_and_says_why(corpus, tmp_path):
    open_index(corpus, tmp_path / "idx", CountingEmbedder("hashing-256"))
    emb = CountingEmbedder("other-model")
    _, report = open_index(corpus, tmp_path / "idx", emb)
    assert report.rebuilt and "model changed" in report.reason and "other-model" in report.reason
    assert read_manifest(tmp_path / "idx")["model"] == "other-model"


def test_settings_change_rebuilds(corpus, tmp_path):
    open_index(corpus, tmp_path / "idx", CountingEmbedder())
    _, report = open_index(corpus, tmp_path / "idx", CountingEmbedder(), ChunkSettings(passage_tokens=100))
    assert report.rebuilt and "settings" in report.reason


def test_interrupted_update_leaves_previous_index_usable(corpus, tmp_path):
    idx = tmp_path / "idx"
    before, _ = open_index(corpus, idx, CountingEmbedder())

    class Exploding(CountingEmbedder):
        def embed_batch(self, texts):
            raise RuntimeError("power cut")

    (corpus / "delta.txt").write_text("A new file about dates.\n")
    with pytest.raises(RuntimeError):
        open_index(corpus, idx, Exploding())
    after = load_store(idx)
    assert after.passages == before.passages
    # the next open finishes the update
    store, report = open_index(corpus, idx, CountingEmbedder())
    assert report.added == ["delta.txt"]


def test_leftover_data_folders_are_removed(corpus, tmp_path):
    idx = tmp_path / "idx"
    open_index(corpus, idx, CountingEmbedder())
    (idx / "data-leftover").mkdir()
    (idx / "data-leftover" / "passages.json").write_text("{")
    store, _ = open_index(corpus, idx, CountingEmbedder())
    assert sorted(p.name for p in idx.iterdir() if p.name.startswith("data-")) == [store.version]


def test_damaged_index_is_rebuilt_with_the_reason(corpus, tmp_path):
    idx = tmp_path / "idx"
    store, _ = open_index(corpus, idx, CountingEmbedder())
    (idx / store.version / "passages.faiss").write_bytes(b"garbage")
    store, report = open_index(corpus, idx, CountingEmbedder())
    assert report.rebuilt and "damaged" in report.reason


def test_skipped_files_are_listed_in_the_manifest(corpus, tmp_path):
    (corpus / "broken.txt").write_bytes(b"\x00\x01binary")
    store, report = open_index(corpus, tmp_path / "idx", CountingEmbedder())
    assert [s.source for s in report.skipped] == ["broken.txt"]
    assert read_manifest(tmp_path / "idx")["skipped"] == [{"source": "broken.txt", "reason": report.skipped[0].reason}]


def test_corpus_without_readable_files_raises(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match="no readable"):
        open_index(tmp_path / "c", tmp_path / "idx", CountingEmbedder())


def test_each_file_records_its_language_and_the_index_says_what_it_holds(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "en.txt").write_text("The delegations arrived in Tashkent on Monday for the joint conference.\n")
    (root / "fr.txt").write_text("Les délégations sont arrivées à Tachkent lundi pour la conférence commune.\n")
    (root / "zh.txt").write_text("各代表团于星期一抵达塔什干，参加联合会议。会议讨论了合作问题。\n", encoding="utf-8")
    store, _ = open_index(root, tmp_path / "idx", HashingEmbedder())
    assert {n: e["language"] for n, e in read_manifest(tmp_path / "idx")["files"].items()} == {
        "en.txt": "en", "fr.txt": "fr", "zh.txt": "zh"
    }
    assert store.language_of("zh.txt") == "zh" and set(store.corpus_languages) == {"en", "fr", "zh"}
    assert store.holds() == "model hashing-256; languages en (1 file), fr (1 file), zh (1 file)"
    # the Chinese file is cut at its full stops
    assert [s.text for s in store.sentences if s.source == "zh.txt"] == ["各代表团于星期一抵达塔什干，参加联合会议。", "会议讨论了合作问题。"]


def test_an_index_of_the_previous_format_is_rebuilt_and_says_why(corpus, tmp_path):
    open_index(corpus, tmp_path / "idx", HashingEmbedder())
    manifest = read_manifest(tmp_path / "idx")
    manifest["format"] = FORMAT_VERSION - 1
    for entry in manifest["files"].values():
        del entry["language"]  # what a format-1 index recorded
    (tmp_path / "idx" / MANIFEST).write_text(json.dumps(manifest))
    store, report = open_index(corpus, tmp_path / "idx", HashingEmbedder())
    assert report.rebuilt and f"index format {FORMAT_VERSION - 1}" in report.reason
    assert all(e["language"] == "en" for e in read_manifest(tmp_path / "idx")["files"].values())
