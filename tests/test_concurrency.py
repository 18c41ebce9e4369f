"""Many threads calling answer() while incremental re-indexes run: no exceptions, every answer from one index version."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from qa import QA
from qa.embedding import HashingEmbedder
from qa.reader import default_reader

SEEDS = Path(__file__).resolve().parent.parent / "corpus"
# Seconds to wait for threads to make progress or finish: generous for a loaded 2-core machine running the
# real model, reached only when they never do.
PATIENCE = 600
QUESTIONS = [
    "What count does depot 4 ledger 2 hold?",
    "Which ledger names the lantern orchard?",
    "How many barrels did the quarry station send?",
    "What does the edition say?",
]


def _texts(version: int, files: int = 12) -> dict[str, str]:
    """File texts of one corpus version: counts name the version, and each version shifts every offset."""
    out = {}
    for i in range(files):
        paras = [
            f"Depot {i} ledger {j} holds the count {version}{i:02d}{j}: {version * 10 + j} barrels went "
            f"from the quarry station to the lantern orchard."
            for j in range(6)
        ]
        out[f"depot {i:02d}.txt"] = "Edition %d of the ledgers.\n\n" % version * version + "\n\n".join(paras) + "\n"
    return out


def _write(root: Path, texts: dict[str, str]) -> None:
    for name, text in texts.items():
        (root / name).write_text(text)


def _versions_consistent_with(ans, versions: dict[int, dict[str, str]]) -> set[int]:
    """The corpus versions in which every hit and citation of `ans` stands exactly where it says."""
    spans = [(h.source, h.start, h.end, h.text) for h in ans.hits] + [
        (c.source, c.start, c.end, c.quote) for c in ans.citations
    ]
    return {
        v for v, texts in versions.items()
        if all(src in texts and texts[src][a:b] == t for src, a, b, t in spans)
    }


def _wait_for(condition) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the threads made no progress")
        time.sleep(0.01)


def _join(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(PATIENCE)
    assert not any(t.is_alive() for t in threads), "a thread never finished"


def _hammer(bot: QA, questions: list[str], stop: threading.Event, answers: list, errors: list) -> None:
    i = 0
    while not stop.is_set():
        q = questions[i % len(questions)]
        try:
            answers.append(bot.answer(q, k=5))
        except Exception as err:  # any exception is a failure of the test
            errors.append(repr(err))
        i += 1


def hammer_through_updates(tmp_path, store: str | None = None) -> tuple[list, list, list[str], dict]:
    """Eight threads answer while every file of a 12-file corpus changes three times, each change an incremental
    update; the answers, the errors, the versions seen and the texts of each version of the corpus."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    versions = {v: _texts(v) for v in (1, 2, 3, 4)}
    _write(corpus, versions[1])
    bot = QA(corpus, tmp_path / "ix", model=HashingEmbedder(), store=store)
    bot.refresh()

    stop = threading.Event()
    answers: list = []
    errors: list = []
    threads = [threading.Thread(target=_hammer, args=(bot, QUESTIONS, stop, answers, errors)) for _ in range(8)]
    for t in threads:
        t.start()
    seen_versions = [bot.store.version]
    try:
        # Answers from every version, however the machine schedules the threads: 13 more before each change
        # and after the last, so more than 50 in all.
        _wait_for(lambda: len(answers) >= 13 or errors)
        for v in (2, 3, 4):
            _write(corpus, versions[v])
            report = bot.refresh()  # incremental: every file changed, the model and settings did not
            assert not report.rebuilt and len(report.changed) == 12
            seen_versions.append(bot.store.version)
            done = len(answers)
            _wait_for(lambda: len(answers) >= done + 13 or errors)
    finally:
        stop.set()
        _join(threads)
    return answers, errors, seen_versions, versions


def test_answers_during_incremental_reindexes_each_come_from_one_version(tmp_path):
    answers, errors, seen_versions, versions = hammer_through_updates(tmp_path)
    assert errors == []
    assert len(answers) > 50
    for ans in answers:
        assert _versions_consistent_with(ans, versions), ans
    assert len(set(seen_versions)) == 4


def test_first_use_from_many_threads_opens_one_index_and_one_model(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    bot = QA(corpus, tmp_path / "ix", model="hashing")
    results: list = []
    errors: list = []
    barrier = threading.Barrier(6)

    def ask():
        barrier.wait()
        try:
            results.append((bot.answer("Which city hosts the conference?"), bot.embedder, bot.store.version))
        except Exception as err:
            errors.append(repr(err))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    _join(threads)
    assert errors == []
    assert len({id(e) for _, e, _ in results}) == 1  # one embedder shared, not one loaded per thread
    assert len({v for _, _, v in results}) == 1
    assert len({a.text for a, _, _ in results}) == 1


def test_real_model_answers_while_a_file_is_added(tmp_path, seed_qa, real_embedder):
    """The real path: the sentence-transformers model embeds new passages while threads embed questions."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)  # file times kept: the copied seed index is up to date for it
    shutil.copytree(seed_qa.index_dir, tmp_path / "ix")
    bot = QA(corpus, tmp_path / "ix", model=real_embedder)
    assert not bot.refresh().touched
    before = {name: (corpus / name).read_text(encoding="utf-8") for name in bot.store.manifest["files"]}
    added = "The lighthouse of Tashkent was painted green in 1931 by the harbour guild.\n\n" + "".join(
        f"Keeper number {i} of the lighthouse logged {i * 3} ships passing the breakwater that winter.\n" for i in range(300)
    )  # long enough that its embedding overlaps many answers
    after = dict(before, **{"lighthouse.txt": added})

    stop = threading.Event()
    answers: list = []
    errors: list = []
    questions = ["How many representatives attended the conferences?", "Who painted the lighthouse green?"]
    threads = [threading.Thread(target=_hammer, args=(bot, questions, stop, answers, errors)) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        _wait_for(lambda: len(answers) >= 4 or errors)
        (corpus / "lighthouse.txt").write_text(added)
        report = bot.refresh()
        done = len(answers)
        _wait_for(lambda: len(answers) >= done + 4 or errors)
    finally:
        stop.set()
        _join(threads)
    assert errors == []
    assert report.added == ["lighthouse.txt"]
    for ans in answers:
        assert _versions_consistent_with(ans, {1: before, 2: after})
    final = bot.answer("Who painted the lighthouse green?")
    assert final.citations and final.citations[0].source == "lighthouse.txt"


def test_counting_tokens_beside_encoding_never_breaks_a_batch(real_embedder):
    """CI caught it once: an index update counts tokens (no padding) while answers encode (padding)
    on the same fast tokenizer, whose settings are shared state, and a batch came back unpadded."""
    texts = [" ".join(["word"] * (i % 40 + 1)) for i in range(64)]
    errors: list = []
    stop = threading.Event()
    rounds = [0, 0, 0, 0]

    def loop(i, work):
        while not stop.is_set():
            try:
                work()
            except Exception as err:  # any failure is the defect
                errors.append(err)
                stop.set()
            rounds[i] += 1

    workers = [
        threading.Thread(target=loop, args=(0, lambda: real_embedder.count_tokens(texts))),
        threading.Thread(target=loop, args=(1, lambda: real_embedder.count_tokens(texts[:8]))),
        threading.Thread(target=loop, args=(2, lambda: real_embedder.embed_batch(texts[:16]))),
        threading.Thread(target=loop, args=(3, lambda: real_embedder.embed_query("How many representatives attended?"))),
    ]
    for w in workers:
        w.start()
    try:
        # Every worker overlaps the others many times (some seconds on a quiet machine), however loaded it is.
        _wait_for(lambda: min(rounds) >= 50 or errors)
    finally:
        stop.set()
        _join(workers)
    assert errors == []


def test_warm_up_loads_the_model_and_opens_the_index_before_the_first_question(tmp_path, seed_qa):
    """The load benchmark found the first question after start waiting 5-12 s for the model."""
    from qa.embedding import SentenceTransformerEmbedder

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    shutil.copytree(seed_qa.index_dir, tmp_path / "ix")
    emb = SentenceTransformerEmbedder()
    bot = QA(corpus, tmp_path / "ix", model=emb)
    assert emb._model is None and bot._store is None  # the constructor is cheap
    bot.warm_up()
    assert emb._model is not None and bot._store is not None
    assert default_reader()._loaded and default_reader().state is not None  # the span reader's session too
    assert not bot.last_update.touched
