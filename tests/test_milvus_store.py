"""The Milvus store's own cases: locations, an unreachable or lost server, a collection of another dimension,
a write failing or killed half-way, one Milvus Lite database shared by two processes, Milvus's own BM25.

The behaviour every store shares is in test_stores.py.
"""
from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa import QA, IndexStoreError
from qa.embedding import HashingEmbedder
from qa.errors import SettingsError, StoreUnreachableError
from qa.index import load_store, open_index, read_manifest
from qa.index import milvus_store
from qa.index.milvus_store import connect, disconnect, parse_location
from conftest import fruit_corpus

ROOT = Path(__file__).resolve().parent.parent
PATIENCE = 600  # seconds to wait for a process to reach a point: generous for a loaded machine, hit only when it never does
_names = itertools.count()


@pytest.fixture(scope="session")
def lite_db(tmp_path_factory):
    return tmp_path_factory.mktemp("milvus") / "own.db"


@pytest.fixture
def location(lite_db):
    return f"milvus://{lite_db}?collection=m{next(_names)}"


@pytest.fixture
def corpus(tmp_path):
    return fruit_corpus(tmp_path)


def rows_in(location: str, store) -> dict[str, int]:
    """How many rows each collection of the version holds in Milvus, live or not."""
    where = parse_location(location)
    client = connect(where)
    return {t: len(client.query(name, filter="id >= 0", output_fields=["id"])) for t, name in store.manifest["store"]["names"].items()}


@pytest.mark.parametrize("given, uri, collection, lexical", [
    ("milvus:///tmp/x/idx.db", "/tmp/x/idx.db", "qa", "own"),
    ("milvus://rel/idx.db?collection=reports", str(Path("rel/idx.db").resolve()), "reports", "own"),
    ("milvus+http://db.example:19530?lexical=milvus", "http://db.example:19530", "qa", "milvus"),
    ("milvus+https://db.example?collection=a_1", "https://db.example", "a_1", "own"),
])
def test_a_location_names_the_database_the_collections_and_the_lexical_search(given, uri, collection, lexical):
    where = parse_location(given)
    assert (where.uri, where.collection, where.lexical, where.given) == (uri, collection, lexical, given)
    assert where.lite == given.startswith("milvus://")


@pytest.mark.parametrize("given, says", [
    ("milvus://idx", "ending in .db"),
    ("milvus+http://", "HOST:PORT"),
    ("milvus://idx.db?collection=1bad", "collection name"),
    ("milvus://idx.db?collection=a-b", "collection name"),
    ("milvus://idx.db?lexical=words", "lexical must be one of own, milvus"),
    ("milvus://idx.db?shards=2", "unknown Milvus store option 'shards'"),
    ("postgres://x", "unknown store"),
])
def test_a_malformed_location_is_refused_at_once_saying_what_is_wrong(tmp_path, given, says):
    with pytest.raises(SettingsError, match=says):
        QA(tmp_path, tmp_path / "idx", model=HashingEmbedder(), store=given)


def test_an_unreachable_server_is_a_clear_error_and_a_built_index_keeps_answering(corpus, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=f"milvus+http://127.0.0.1:{port}")
    with pytest.raises(IndexStoreError, match=f"cannot reach Milvus at http://127.0.0.1:{port}.*start the server or check --store"):
        bot.refresh()
    assert read_manifest(tmp_path / "idx") is None  # nothing half-written


def test_a_collection_holding_another_dimension_is_named_and_the_index_rebuilt(corpus, tmp_path, location):
    store, _ = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    name = store.manifest["store"]["names"]["sentences"]
    client = connect(parse_location(location))
    client.drop_collection(name)  # replaced outside this index by one of another model's dimension
    client.create_collection(name, dimension=384)
    with pytest.raises(IndexStoreError, match=f"collection {name} .* dimension 384, the index's model gives 256"):
        load_store(tmp_path / "idx")
    store, report = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    assert report.rebuilt and "dimension 384" in report.reason
    assert name not in store.manifest["store"]["names"].values()
    assert client.has_collection(name)  # not ours: left alone


def test_a_write_failing_half_way_leaves_the_previous_version_and_the_next_update_clears_its_rows(
        corpus, tmp_path, location, monkeypatch):
    idx = tmp_path / "idx"
    bot = QA(corpus, idx, model=HashingEmbedder(), store=location)
    before = bot.answer("What colour are bananas?")
    first = bot.store
    (corpus / "beta.txt").write_text("Bananas are green when they are not ripe yet. " * 3 + "\n")
    (corpus / "delta.txt").write_text("The delta file talks about dates. Dates are brown.\n")

    client = connect(parse_location(location))
    real_insert, calls = client.insert, []

    def insert(name, rows, **kw):  # the passages go in, then the server goes away
        calls.append(name)
        if len(calls) > 1:
            raise ConnectionError("server went away")
        return real_insert(name, rows, **kw)

    monkeypatch.setattr(milvus_store, "BATCH", 1)
    monkeypatch.setattr(client, "insert", insert)
    with pytest.raises(IndexStoreError, match="Milvus at .* failed to insert into .*server went away"):
        bot.refresh()
    assert bot.store is first and bot.answer("What colour are bananas?").text == before.text
    monkeypatch.undo()
    again = QA(corpus, idx, model=HashingEmbedder(), store=location)
    assert again.use_existing() and again.store.version == first.version
    assert again.answer("What colour are bananas?").text == before.text
    assert len(again.store.search.stale["passages"]) == 1  # the row written before the failure, not live
    store, report = open_index(corpus, idx, HashingEmbedder(), store=location)
    assert report.changed == ["beta.txt"] and report.added == ["delta.txt"]
    # the failed write's row is gone; the replaced beta.txt rows stay until the next update, then go too
    old_beta = {"passages": sum(p.source == "beta.txt" for p in first.passages),
                "sentences": sum(s.source == "beta.txt" for s in first.sentences)}
    assert rows_in(location, store) == {"passages": len(store.passages) + old_beta["passages"],
                                        "sentences": len(store.sentences) + old_beta["sentences"]}
    (corpus / "delta.txt").write_text("Dates are brown and sweet.\n")
    store, _ = open_index(corpus, idx, HashingEmbedder(), store=location)
    assert rows_in(location, store)["passages"] == len(store.passages) + 1  # only the replaced delta.txt row


def test_a_full_rebuild_writes_new_collections_and_drops_the_replaced_ones(corpus, tmp_path, location):
    first, _ = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    second, report = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location, rebuild=True)
    client = connect(parse_location(location))
    assert report.rebuilt and set(first.manifest["store"]["names"].values()).isdisjoint(second.manifest["store"]["names"].values())
    assert not any(client.has_collection(n) for n in first.manifest["store"]["names"].values())
    assert all(client.has_collection(n) for n in second.manifest["store"]["names"].values())


def test_a_faiss_index_asked_for_in_milvus_is_rebuilt_there_and_says_why(corpus, tmp_path, location):
    QA(corpus, tmp_path / "idx", model=HashingEmbedder()).refresh()
    report = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=location).refresh()
    assert report.rebuilt and report.reason == f"store changed from FAISS files to {location}"
    milvus = read_manifest(tmp_path / "idx")["store"]["names"].values()
    report = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store="faiss").refresh()
    assert report.rebuilt and report.reason == f"store changed from {location} to FAISS files"
    client = connect(parse_location(location))
    assert not any(client.has_collection(n) for n in milvus)  # the Milvus version's collections went with it


def test_milvus_s_own_bm25_finds_the_passage_of_a_word(corpus, tmp_path, lite_db):
    store, _ = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=f"milvus://{lite_db}?collection=b{next(_names)}&lexical=milvus")
    hits = store.search.lexical(["cherri"], "Where do cherries grow?", 3)
    assert hits and store.passages[hits[0][0]].source == "gamma.md"
    assert store.manifest["store"]["lexical"] == "milvus"


def test_an_index_file_left_half_written_is_made_anew_from_the_rows(corpus, tmp_path):
    # Milvus Lite writes each segment's index file in place, when a collection is loaded: a process killed while
    # it writes one leaves a file no load can read again ("No data left in file"). Here the files are cut short.
    db = tmp_path / "cut.db"
    location = f"milvus://{db}"
    QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=location).refresh()
    disconnect(parse_location(location))
    index_files = sorted(db.rglob("*.idx"))
    assert index_files
    for f in index_files:
        f.write_bytes(f.read_bytes()[:7])
    try:
        bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=location)
        assert bot.use_existing()
        assert "yellow" in bot.answer("What colour are bananas?").text
        assert all(f.stat().st_size > 7 for f in db.rglob("*.idx"))  # made anew
        assert not bot.refresh().changed  # nothing to embed again
    finally:
        disconnect(parse_location(location))


# --- in other processes: a kill in the middle of a write, a database held by another process ---

WRITER = r"""
import os, sys, time
from qa import QA
from qa.embedding import HashingEmbedder
from qa.index import milvus_store

corpus, index, location, go = sys.argv[1:5]
milvus_store.BATCH = 1
client = milvus_store.connect(milvus_store.parse_location(location))
real_insert = client.insert
calls = []
def insert(name, rows, **kw):
    out = real_insert(name, rows, **kw)
    calls.append(name)
    if len(calls) == 2 and go != "-":
        print("HOLD", flush=True)  # two rows of the update written, the manifest not switched
        while not os.path.exists(go):
            time.sleep(0.02)
    return out
client.insert = insert
print("READY", flush=True)
report = QA(corpus, index, model=HashingEmbedder(), store=location).refresh()
print("DONE", report.summary, flush=True)
"""


def _run(args, wait_for: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + PATIENCE
    for line in proc.stdout:
        if line.startswith(wait_for):
            return proc
        assert time.monotonic() < deadline
    raise AssertionError(f"the writer ended before {wait_for}: {proc.stderr.read()[-2000:]}")


@pytest.mark.slow
def test_a_write_killed_half_way_leaves_the_previous_version_answering(corpus, tmp_path):
    db = tmp_path / "killed.db"
    location = f"milvus://{db}"
    idx = tmp_path / "idx"
    proc = _run([str(corpus), str(idx), location, "-"], "DONE")  # the first version, in another process
    proc.wait(timeout=PATIENCE)
    (corpus / "beta.txt").write_text("Bananas are green when they are not ripe yet.\n")
    proc = _run([str(corpus), str(idx), location, str(tmp_path / "go")], "HOLD")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=PATIENCE)
    try:
        bot = QA(corpus, idx, model=HashingEmbedder(), store=location)
        assert bot.use_existing()
        first = bot.store
        assert "yellow" in bot.answer("What colour are bananas?").text
        report = bot.refresh()
        assert report.changed == ["beta.txt"] and "green" in bot.answer("What colour are bananas?").text
        # what the killed write left is gone; only the replaced beta.txt rows wait for the next update
        old_beta = {"passages": sum(p.source == "beta.txt" for p in first.passages),
                    "sentences": sum(s.source == "beta.txt" for s in first.sentences)}
        assert rows_in(location, bot.store) == {"passages": len(bot.store.passages) + old_beta["passages"],
                                                "sentences": len(bot.store.sentences) + old_beta["sentences"]}
    finally:
        disconnect(parse_location(location))


@pytest.mark.slow
def test_a_lite_database_open_in_another_process_is_a_clear_error(corpus, tmp_path):
    location = f"milvus://{tmp_path / 'held.db'}"
    proc = _run([str(corpus), str(tmp_path / "a"), location, str(tmp_path / "go")], "HOLD")
    try:
        with pytest.raises(IndexStoreError, match="Milvus Lite serves one process at a time.*milvus-lite server"):
            QA(corpus, tmp_path / "b", model=HashingEmbedder(), store=location).refresh()
    finally:
        (tmp_path / "go").touch()
        proc.wait(timeout=PATIENCE)


@pytest.mark.slow
def test_a_server_that_goes_away_is_a_clear_error_and_answers_resume_from_the_last_version(corpus, tmp_path):
    """A Milvus server (Milvus Lite's gRPC server in its own process) stopped and started again."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [str(Path(sys.executable).parent / "milvus-lite"), "server", "--data-dir", str(tmp_path / "server"),
           "--host", "127.0.0.1", "--port", str(port)]

    def start():
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + PATIENCE
        while True:  # until it answers
            try:
                connect(parse_location(location))
                return server
            except StoreUnreachableError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)

    location = f"milvus+http://127.0.0.1:{port}"
    server = start()
    try:
        bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=location)
        before = bot.answer("What colour are bananas?").text
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=PATIENCE)
        (corpus / "beta.txt").write_text("Bananas are green when they are not ripe yet.\n")
        with pytest.raises(StoreUnreachableError, match=f"Milvus at http://127.0.0.1:{port}"):
            bot.refresh()
        assert read_manifest(tmp_path / "idx")["data"] == bot.store.version  # never rebuilt for a server away
        with pytest.raises(StoreUnreachableError, match=f"(cannot reach Milvus at|Milvus at) http://127.0.0.1:{port}"):
            bot.answer("What colour are bananas?")
        server = start()
        assert bot.answer("What colour are bananas?").text == before  # the last complete version
        bot.refresh()
        assert "green" in bot.answer("What colour are bananas?").text
    finally:
        server.kill()
        server.wait(timeout=PATIENCE)
        disconnect(parse_location(location))


def test_opening_an_index_reads_no_text_and_answering_fetches_only_the_records_it_reads(tmp_path, location, monkeypatch):
    root = tmp_path / "many"
    root.mkdir()
    for i in range(40):
        (root / f"town{i:02d}.txt").write_text(
            f"Town {i} lies by the river number {i}. Its market opens on day {i} of the month.\n\n"
            f"The mayor of town {i} was elected {i} years ago. The bridge of town {i} is {i * 10} metres long.\n"
        )
    (root / "harbour.txt").write_text("The harbour keeps a lighthouse painted green. Fishing boats leave at dawn.\n")
    open_index(root, tmp_path / "idx", HashingEmbedder(), store=location)  # build
    store = load_store(tmp_path / "idx")  # the manifest names the store
    records = store.search.record_cache
    assert len(records) == 0  # opened: keys, files and links only
    n = len(store.passages) + len(store.sentences)
    assert store.main_language and store.corpus_languages  # the languages come from what each file holds
    assert store.passages.source_counts()["harbour.txt"] == 1 and int(store.sentences.from_files({"harbour.txt"}).sum()) == 2
    assert len(records) == 0
    bot = QA(root, tmp_path / "idx", model=HashingEmbedder(), store=location)
    bot.warm_up()
    cache = bot.store.search.record_cache
    asked = []
    ask = milvus_store.MilvusSearch._ask
    monkeypatch.setattr(milvus_store.MilvusSearch, "_ask", lambda self, table, method, *a, **kw: asked.append(method) or ask(self, table, method, *a, **kw))
    ans = bot.answer("What colour is the lighthouse of the harbour?")
    assert ans.citations[0].source == "harbour.txt" and "green" in ans.text
    # three searches, then four reads: the passages found, the sentences to score, their vectors, their passages' vectors
    assert asked.count("search") == 3 and asked.count("get") <= 4
    assert 0 < len(cache) < n / 4  # the passages found and the sentences of those read (29 of 203 here), not the index


def test_milvus_records_read_like_a_list(corpus, tmp_path, location):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), store=location)
    records = bot.store.sentences
    as_list = list(records)
    assert len(as_list) == len(records) and records == as_list and records != as_list[:-1]
    assert records[-1] == as_list[-1] and records[1:3] == as_list[1:3] and records[[2, 0]] == [as_list[2], as_list[0]]
    mask = records.from_files({"beta.txt"})
    assert records[mask] == [s for s in as_list if s.source == "beta.txt"] and records[~mask] != records[mask]
    assert all(bot.store.passages[s.passage].source == s.source for s in records)
    with pytest.raises(IndexError):
        records[len(records)]


def test_a_version_written_before_its_keys_were_saved_reads_them_from_the_rows(corpus, tmp_path, location):
    from qa.index.milvus_store import KEYS
    from qa.index.store import COMPLETE, checksums
    from qa.jsonfile import write_json

    built, _ = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    data = built.path
    assert (data / KEYS).exists()
    (data / KEYS).unlink()  # as the previous version of this code wrote it
    write_json(data / COMPLETE, {"data": data.name, "checksums": checksums(data)})
    scanned = load_store(tmp_path / "idx")
    assert scanned.passages == built.passages and scanned.sentences == built.sentences
    assert np.array_equal(scanned.ranges, built.ranges)
    for t in ("passages", "sentences"):
        assert np.array_equal(scanned.search.pks[t], built.search.pks[t])
        assert [scanned.search.files[c] for c in scanned.search.file_of[t]] == [built.search.files[c] for c in built.search.file_of[t]]


def test_damaged_keys_are_a_clear_error_and_the_index_is_rebuilt(corpus, tmp_path, location):
    from qa.index.milvus_store import KEYS

    built, _ = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    before = list(built.passages)
    (built.path / KEYS).write_bytes(b"not the keys")
    with pytest.raises(IndexStoreError, match="damaged"):
        load_store(tmp_path / "idx")
    store, report = open_index(corpus, tmp_path / "idx", HashingEmbedder(), store=location)
    assert report.rebuilt and "damaged" in report.reason and store.passages == before  # into new collections
