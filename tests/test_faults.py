"""Faults: a build or update killed with SIGKILL at every stage, and two processes indexing one folder.

The indexer runs in a real subprocess (the fast fake embedder over a generated corpus) that
stops at a chosen point and says so; the test then kills it with SIGKILL, or lets it go on.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qa import QA, IndexStoreError
from qa.embedding import HashingEmbedder
from qa.index import MANIFEST, load_current, read_manifest

pytestmark = pytest.mark.slow  # every test starts indexing processes (a second or more of imports each)

ROOT = Path(__file__).resolve().parent.parent
# Seconds to wait for an indexing process or thread to reach a point or finish: generous for a loaded 2-core
# machine (imports alone take seconds), reached only when it never does.
PATIENCE = 600
WORDS = "river council museum delegation bridge harvest winter station library lantern orchard quarry".split()

# The indexer: builds or updates with the fake embedder; it prints READY once its imports are done, and at the
# hook it prints HOLD and waits for a GO file.
INDEXER = r"""
import os, sys, time
import numpy as np
import qa.index.manifest as ix
from qa import QA
from qa.embedding import HashingEmbedder

corpus, index, hook, go = sys.argv[1:5]

def hold():
    print("HOLD", flush=True)
    while not os.path.exists(go):
        time.sleep(0.02)

progress = None
if hook == "embedding":
    def progress(stage, done, total):
        if stage == "embedding sentences" and 0 < done < total and not os.path.exists(go):
            hold()
elif hook == "writing data":
    real_save = np.save
    def save(*a, **k):
        real_save(*a, **k)
        hold()
    np.save = save
elif hook in ("switching manifest", "writing manifest"):
    real_write, real_replace = ix.write_json, ix.os.replace
    def write(path, obj):
        if path.name == ix.MANIFEST and hook == "switching manifest":
            hold()  # the data folder is complete, the manifest still names the old one
        real_write(path, obj)
    def replace(src, dst):
        if str(dst).endswith(ix.MANIFEST) and hook == "writing manifest":
            hold()  # the new manifest is written to its temporary file, not yet renamed
        real_replace(src, dst)
    ix.write_json, ix.os.replace = write, replace
elif hook == "none":
    pass
print("READY", flush=True)
report = QA(corpus, index, model=HashingEmbedder(), progress=progress).refresh()
print("DONE", report.rebuilt, len(report.added), len(report.changed), flush=True)
"""


def _write_corpus(root: Path, version: int, files: int = 30, paragraphs: int = 12) -> None:
    """Files whose every sentence names the version, so an answer shows which one it came from."""
    rng = random.Random(files)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        paras = []
        for j in range(paragraphs):
            words = " ".join(rng.choice(WORDS) for _ in range(12))
            paras.append(f"Depot {i} ledger {j} says the count is {version}{i:03d}{j:02d} for {words}.")
        (root / f"depot {i:02d}.txt").write_text(("Edition %d.\n\n" % version) * (version - 1) + "\n\n".join(paras) + "\n")


class Indexer:
    """An indexing subprocess that stops at `hook` until released or killed."""

    def __init__(self, tmp: Path, corpus: Path, index: Path, hook: str):
        self.go = tmp / f"go-{time.monotonic_ns()}"
        script = tmp / "indexer.py"
        script.write_text(INDEXER)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(corpus), str(index), hook, str(self.go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []  # stderr, read as it comes so that the process never blocks on a full pipe
        self._ready, self._held = threading.Event(), threading.Event()
        self._readers = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=lambda: self.errors.extend(self.proc.stderr), daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.startswith("READY"):
                self._ready.set()
            if line.startswith("HOLD"):
                self._held.set()

    def _wait(self, event: threading.Event, what: str) -> None:
        """Wait for `event`, or fail (killing the process) if the process exits or PATIENCE runs out first."""
        deadline = time.monotonic() + PATIENCE
        while not event.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                for reader in self._readers:
                    reader.join(PATIENCE)
                if event.is_set():
                    return
                raise AssertionError(f"the indexer never {what}: {''.join(self.errors)}")

    def wait_ready(self) -> None:
        self._wait(self._ready, "finished its imports")

    def wait_held(self) -> None:
        self._wait(self._held, "reached its hook")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(PATIENCE) == -signal.SIGKILL

    def release(self) -> str:
        """Let the process go on; its last line once it has exited and all its output is read."""
        self.go.touch()
        code = self.proc.wait(PATIENCE)
        for reader in self._readers:
            reader.join(PATIENCE)
        assert code == 0, "".join(self.errors)
        return self.lines[-1]


def _version_of(bot: QA) -> int:
    """Which corpus version the answer to a fixed question quotes."""
    ans = bot.answer("What count does depot 7 ledger 3 say?")
    assert ans.citations, ans.reason
    quotes = {c.quote for c in ans.citations}
    versions = {int(q.split("count is ")[1][0]) for q in quotes if "count is " in q}
    assert len(versions) == 1, quotes
    return versions.pop()


def _no_leftovers(index: Path) -> None:
    names = sorted(p.name for p in index.iterdir())
    data = [n for n in names if n.startswith("data-")]
    assert data == [read_manifest(index)["data"]], names
    assert not [n for n in names if ".tmp-" in n], names


@pytest.mark.parametrize("hook", ["embedding", "writing data", "switching manifest", "writing manifest"])
def test_killed_update_leaves_the_previous_index_answering_then_the_update_finishes(tmp_path, hook):
    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 1)
    first = QA(corpus, index, model=HashingEmbedder())
    first.refresh()
    v1 = first.store.version
    _write_corpus(corpus, 2)  # every file changes

    indexer = Indexer(tmp_path, corpus, index, hook)
    indexer.wait_held()
    indexer.kill()

    assert read_manifest(index)["data"] == v1
    restarted = QA(corpus, index, model=HashingEmbedder())
    assert restarted.use_existing()  # the previous good index, at once, without re-embedding
    assert restarted.store.version == v1 and _version_of(restarted) == 1
    report = restarted.refresh()  # then the update is finished
    assert len(report.changed) == 30 and not report.rebuilt
    assert restarted.store.version != v1 and _version_of(restarted) == 2
    _no_leftovers(index)


@pytest.mark.parametrize("hook", ["embedding", "writing data", "switching manifest"])
def test_killed_first_build_leaves_nothing_half_used_and_the_next_start_builds(tmp_path, hook):
    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 1)
    indexer = Indexer(tmp_path, corpus, index, hook)
    indexer.wait_held()
    indexer.kill()

    assert not (index / MANIFEST).exists()
    restarted = QA(corpus, index, model=HashingEmbedder())
    assert not restarted.use_existing()
    report = restarted.refresh()
    assert report.rebuilt and report.reason == "no index yet"
    assert _version_of(restarted) == 1
    _no_leftovers(index)


def test_killed_at_random_moments_the_index_on_disk_is_always_whole(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 1, files=40, paragraphs=25)
    QA(corpus, index, model=HashingEmbedder()).refresh()
    rng = random.Random(7)
    for round_ in range(3):
        _write_corpus(corpus, 2 + round_ % 2, files=40, paragraphs=25)
        indexer = Indexer(tmp_path, corpus, index, "none")
        indexer.wait_ready()
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment of the build, which takes a few seconds
        indexer.proc.kill()  # SIGKILL (nothing if the build is already done)
        indexer.proc.wait(PATIENCE)
        store = load_current(index, HashingEmbedder().name)
        assert store is not None  # whatever the moment, manifest.json names a whole, checked version
        bot = QA(corpus, index, model=HashingEmbedder())
        bot.refresh()
        assert _version_of(bot) == 2 + round_ % 2
        _no_leftovers(index)


def test_two_processes_indexing_one_folder_one_waits_and_says_so(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 1)
    indexer = Indexer(tmp_path, corpus, index, "embedding")
    indexer.wait_held()  # the subprocess holds the lock in the middle of its build

    stages: list[tuple[str, int, int]] = []
    result: dict = {}
    waiting = threading.Event()

    def progress(stage, done, total):
        stages.append((stage, done, total))
        if stage.startswith("waiting"):
            waiting.set()

    def second():
        bot = QA(corpus, index, model=HashingEmbedder(), progress=progress)
        result["report"] = bot.refresh()
        result["version"] = bot.store.version

    t = threading.Thread(target=second)
    t.start()
    assert waiting.wait(PATIENCE)  # it says it is waiting instead of building alongside
    assert t.is_alive()
    last = indexer.release()
    t.join(PATIENCE)
    assert not t.is_alive(), "the second indexer never finished"
    assert last.startswith("DONE True 30")
    assert ("waiting for another process indexing this folder", 1, 1) in stages
    # The second process finds the first one's fresh index and uses it: nothing rebuilt twice.
    assert not result["report"].touched and result["version"] == read_manifest(index)["data"]
    _no_leftovers(index)


def test_a_lock_held_too_long_is_an_error_saying_what_to_do(tmp_path, monkeypatch):
    import qa.index.lock

    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 1, files=8)  # enough sentences for two embedding batches
    indexer = Indexer(tmp_path, corpus, index, "embedding")
    indexer.wait_held()
    monkeypatch.setattr(qa.index.lock, "LOCK_TIMEOUT", 0.3)
    with pytest.raises(IndexStoreError, match="another process has been indexing .* wait for it, or stop it"):
        QA(corpus, index, model=HashingEmbedder()).refresh()
    indexer.kill()  # the kernel drops a dead process's lock: no stale lock file to delete by hand
    report = QA(corpus, index, model=HashingEmbedder()).refresh()
    assert report.rebuilt
    _no_leftovers(index)


def test_the_cli_rebuilds_after_a_kill(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    _write_corpus(corpus, 1, files=8)
    QA(corpus, index, model=HashingEmbedder()).refresh()
    _write_corpus(corpus, 2, files=8)
    indexer = Indexer(tmp_path, corpus, index, "writing data")
    indexer.wait_held()
    indexer.kill()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "What count does depot 7 ledger 3 say?", "--corpus", str(corpus), "--index", str(index), "--json", "-q"],
        capture_output=True, text=True, env=env, timeout=PATIENCE,
    )
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout)
    assert "count is 2" in ans["citations"][0]["quote"]  # quotes the new version of the files
    _no_leftovers(index)
