"""Hostile corpus and index folders: missing, empty, truncated, corrupted, from another model or format, half-written.

Each case ends in a clear message and a rebuild, or an error saying what to do; never in a
wrong answer from a stale or mismatched index.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import QA, CorpusError, IndexStoreError, ModelError
from qa.cli import cli, main
from qa.embedding import HashingEmbedder
from qa.index import FORMAT_VERSION, MANIFEST, load_current, read_manifest

QUESTION = "How many representatives attended the conferences?"


def _built(corpus: Path, index: Path, embedder=None) -> QA:
    bot = QA(corpus, index, model=embedder or HashingEmbedder())
    bot.refresh()
    return bot


def _data(index: Path) -> Path:
    return index / read_manifest(index)["data"]


def _set_manifest(index, field: str, value) -> None:
    """Rewrite one field of an index's manifest, as a damaged or foreign index would have it."""
    manifest = read_manifest(index)
    manifest[field] = value
    (index / MANIFEST).write_text(json.dumps(manifest))


def _same_answers(a: QA, b: QA) -> None:
    for q in (QUESTION, "Who is the chairman of the State Security Service?", "Which city hosts the conference?"):
        x, y = a.answer(q), b.answer(q)
        assert (x.text, [c.quote for c in x.citations]) == (y.text, [c.quote for c in y.citations])


def test_a_missing_corpus_folder_says_create_it(tmp_path):
    with pytest.raises(CorpusError, match="does not exist: create it"):
        QA(tmp_path / "nowhere", tmp_path / "ix", model=HashingEmbedder()).refresh()
    assert not (tmp_path / "ix" / MANIFEST).exists()


def test_a_corpus_path_that_is_a_file(tmp_path):
    (tmp_path / "file.txt").write_text("hello there")
    with pytest.raises(CorpusError, match="is not a folder"):
        QA(tmp_path / "file.txt", tmp_path / "ix", model=HashingEmbedder()).refresh()


def test_an_empty_corpus_folder_builds_nothing_and_says_why(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "picture.png").write_bytes(b"\x89PNG")  # not a document type: not listed
    with pytest.raises(CorpusError, match="no readable documents"):
        QA(tmp_path / "corpus", tmp_path / "ix", model=HashingEmbedder()).refresh()
    assert not (tmp_path / "ix" / MANIFEST).exists()


def test_a_corpus_of_only_unreadable_files_names_them(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(CorpusError, match=r"skipped binary.md: binary.*empty.txt: empty file"):
        QA(corpus, tmp_path / "ix", model=HashingEmbedder()).refresh()


def test_the_cli_reports_a_missing_corpus_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["index", "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "ix"), "--model", "hashing", "-q"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: corpus folder") and "create it" in err


def test_an_index_path_that_is_a_file_or_unwritable_is_an_error_saying_so(tmp_path, seed_copy):
    (tmp_path / "ix").write_text("not a folder")
    with pytest.raises(IndexStoreError, match="cannot write the index"):
        QA(seed_copy, tmp_path / "ix", model=HashingEmbedder()).refresh()


def test_a_missing_index_is_built(seed_copy, tmp_path):
    report = QA(seed_copy, tmp_path / "ix", model=HashingEmbedder()).refresh()
    assert report.rebuilt and report.reason == "no index yet" and len(report.added) == 5


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "empty"])
@pytest.mark.parametrize("part", ["passages.faiss", "sentences.faiss", "passage_vectors.npy", "passages.json", "bm25"])
def test_a_damaged_data_file_is_detected_and_rebuilt(seed_copy, tmp_path, part, damage):
    index = tmp_path / "ix"
    good = _built(seed_copy, index)
    data = _data(index)
    target = data / part
    if target.is_dir():
        target = max(target.iterdir(), key=lambda p: p.stat().st_size)
    raw = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":  # same size, some bytes changed in the middle: loads "fine" without a checksum
        mid = len(raw) // 2
        target.write_bytes(raw[:mid] + bytes(b ^ 0x5A for b in raw[mid : mid + 64]) + raw[mid + 64 :])
    elif damage == "delete":
        target.unlink()
    else:
        target.write_bytes(b"")

    assert load_current(index, good.embedder.name, good.chunk_settings) is None  # never served as it is
    again = QA(seed_copy, index, model=HashingEmbedder())
    report = again.refresh()
    assert report.rebuilt and "damaged" in report.reason and target.relative_to(data).as_posix() in report.reason
    assert not data.exists()  # the damaged version is gone
    _same_answers(good, again)


def test_a_manifest_naming_a_missing_data_folder_is_rebuilt(seed_copy, tmp_path):
    index = tmp_path / "ix"
    _built(seed_copy, index)
    import shutil

    shutil.rmtree(_data(index))
    report = QA(seed_copy, index, model=HashingEmbedder()).refresh()
    assert report.rebuilt and "never finished" in report.reason


@pytest.mark.parametrize(
    "manifest, says",
    [
        (b"", "unreadable"),
        (b"{\"format\": 1, \"model\": ", "unreadable"),
        (b"\x00\xff\xfe garbage", "unreadable"),
        (b"[1, 2, 3]", "not an index manifest"),
        (b"null", "not an index manifest"),
        (b"{}", "index format None differs"),
    ],
)
def test_a_garbage_manifest_is_rebuilt(seed_copy, tmp_path, manifest, says):
    index = tmp_path / "ix"
    good = _built(seed_copy, index)
    (index / MANIFEST).write_bytes(manifest)
    bot = QA(seed_copy, index)  # no model given: the model comes from the (broken) manifest, else the default
    bot._model = HashingEmbedder()  # keep the test fast; the path that matters is the manifest handling
    report = bot.refresh()
    assert report.rebuilt and says in report.reason
    _same_answers(good, bot)
    assert len([p for p in index.iterdir() if p.name.startswith("data-")]) == 1


@pytest.mark.parametrize(
    "field, value",
    [("files", "garbage"), ("files", {"a.txt": 5}), ("files", {"a.txt": {"size": "big"}}), ("data", 7), ("skipped", {})],
)
def test_a_manifest_with_fields_of_the_wrong_shape_is_rebuilt(seed_copy, tmp_path, field, value):
    index = tmp_path / "ix"
    good = _built(seed_copy, index)
    _set_manifest(index, field, value)
    bot = QA(seed_copy, index, model=HashingEmbedder())
    report = bot.refresh()
    assert report.rebuilt and "malformed" in report.reason
    _same_answers(good, bot)


def test_a_manifest_from_another_format_version_is_rebuilt(seed_copy, tmp_path):
    index = tmp_path / "ix"
    _built(seed_copy, index)
    _set_manifest(index, "format", 99)
    report = QA(seed_copy, index, model=HashingEmbedder()).refresh()
    assert report.rebuilt and report.reason == f"index format 99 differs from this version's {FORMAT_VERSION}"


def test_an_index_from_another_model_is_rebuilt_never_queried(seed_copy, tmp_path):
    index = tmp_path / "ix"
    _built(seed_copy, index, HashingEmbedder(dim=128))
    other = HashingEmbedder(dim=256)
    assert load_current(index, other.name) is None  # a 128-d index is never searched with 256-d questions
    bot = QA(seed_copy, index, model=other)
    report = bot.refresh()
    assert report.rebuilt and report.reason == "model changed from 'hashing-128' to 'hashing-256'"
    assert bot.store.passage_vectors.shape[1] == 256
    _same_answers(_built(seed_copy, tmp_path / "fresh", HashingEmbedder(dim=256)), bot)


def test_a_manifest_whose_dimension_lies_is_rebuilt(seed_copy, tmp_path):
    index = tmp_path / "ix"
    _built(seed_copy, index)
    _set_manifest(index, "dim", 384)
    report = QA(seed_copy, index, model=HashingEmbedder()).refresh()
    assert report.rebuilt and "inconsistent" in report.reason


@pytest.mark.slow  # tries sentence-transformers: imports torch
def test_an_index_whose_model_cannot_be_loaded_says_which_and_what_to_do(seed_copy, tmp_path, capsys):
    index = tmp_path / "ix"
    _built(seed_copy, index)
    _set_manifest(index, "model", "no-such-org/no-such-model")
    with pytest.raises(SystemExit):
        main(["ask", QUESTION, "--corpus", str(seed_copy), "--index", str(index), "-q"])
    err = capsys.readouterr().err
    assert "no-such-org/no-such-model" in err and "--model" in err
    # Naming a model that works rebuilds the index for it.
    result = CliRunner().invoke(cli, ["index", "--corpus", str(seed_copy), "--index", str(index), "--model", "hashing", "-q"])
    assert result.exit_code == 0 and "model changed from 'no-such-org/no-such-model' to 'hashing-256'" in result.output


def test_a_leftover_half_written_build_is_ignored_then_cleaned(seed_copy, tmp_path):
    index = tmp_path / "ix"
    good = _built(seed_copy, index)
    version = good.store.version
    half = index / "data-20200101-000000-deadbeef"
    half.mkdir()
    (half / "passages.json").write_text('{"source": ["x"')  # cut off mid-write, no completion marker
    (index / (MANIFEST + ".tmp-1234abcd")).write_text('{"format": 1, "da')
    bot = QA(seed_copy, index, model=HashingEmbedder())
    assert bot.use_existing() and bot.store.version == version
    report = bot.refresh()
    assert not report.touched and bot.store.version == version
    assert not half.exists() and not (index / (MANIFEST + ".tmp-1234abcd")).exists()
    _same_answers(good, bot)


def test_a_stale_index_is_brought_up_to_date_before_answering(seed_copy, tmp_path):
    index = tmp_path / "ix"
    _built(seed_copy, index)
    (seed_copy / "new.txt").write_text("The museum of the harbour was founded in 1874 by the fishermen's guild.\n")
    os.remove(seed_copy / "001_509c7f3b92f5e133.txt")
    bot = QA(seed_copy, index, model=HashingEmbedder())
    ans = bot.answer("When was the museum of the harbour founded?")
    assert bot.last_update.added == ["new.txt"] and bot.last_update.removed == ["001_509c7f3b92f5e133.txt"]
    assert ans.citations and ans.citations[0].source == "new.txt"
    assert "001_509c7f3b92f5e133.txt" not in {p.source for p in bot.store.passages}
