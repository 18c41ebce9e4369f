import json

import pytest

from qa.cli import main


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text("The harvest festival took place in Lindow.\nThe farmers harvested 4200 kilograms of apples.\n")
    (root / "bad.txt").write_bytes(b"\x00\x00binary")
    return root


def run(capsys, *args):
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_index_then_ask(capsys, corpus, tmp_path):
    idx = str(tmp_path / "idx")
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--index", idx, "--model", "hashing-256", "-q")
    assert code == 0
    assert "index built" in out and "1 files" in out
    assert "skipped bad.txt" in err
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--index", idx, "-q")
    assert code == 0 and "up to date" in out
    code, out, err = run(capsys, "ask", "How many kilograms of apples?", "--corpus", str(corpus), "--index", idx, "-q")
    assert code == 0
    assert "4200 kilograms" in out and "[1] a.txt:2" in out
    assert out.startswith("4200 kilograms — ")  # the short answer leads the first line


def test_ask_json(capsys, corpus, tmp_path):
    code, out, _ = run(
        capsys, "ask", "How many kilograms of apples?", "--json", "-k", "1",
        "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--model", "hashing-256",
    )
    assert code == 0
    data = json.loads(out)
    assert "4200" in data["text"]
    assert data["short"]["text"] == "4200 kilograms" and data["short"]["citation"] == 1
    assert data["citations"][0]["source"] == "a.txt" and data["citations"][0]["line"] == 2
    assert len(data["hits"]) == 1 and "lexical_rank" in data["hits"][0]


def test_abstention_is_said_plainly(capsys, corpus, tmp_path):
    code, out, _ = run(
        capsys, "ask", "Who won the 2022 FIFA World Cup?",
        "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--model", "hashing-256", "-q",
    )
    assert code == 0
    assert "The documents do not answer this question." in out
    assert "Closest passages" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "   "], "question is empty"),
        (["ask", "???"], "has no words"),
        (["ask", "hello", "--corpus", "/no/such/folder"], "does not exist"),
        (["ask", "hello", "-k", "0"], "Invalid value"),
        pytest.param(["index", "--model", "/no/such/model"], "cannot load embedding model",
                     marks=pytest.mark.slow),  # tries sentence-transformers: imports torch
        (["frobnicate"], "No such command"),
    ],
)
def test_errors_are_one_line_without_traceback(capsys, corpus, tmp_path, args, message):
    full = args + (["--corpus", str(corpus)] if "--corpus" not in args and args[0] != "frobnicate" else [])
    full += ["--index", str(tmp_path / "idx")] if args[0] != "frobnicate" else []
    if "--model" not in args and args[0] != "frobnicate":
        full += ["--model", "hashing-256"]
    code, out, err = run(capsys, *full)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert len([l for l in err.strip().splitlines() if not l.startswith("warning:")]) == 1


def test_help_does_not_load_torch(capsys):
    import subprocess
    import sys

    code = "import sys; from qa.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit: pass\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")


def test_index_into_milvus_lite_then_ask_where_the_manifest_says(capsys, corpus, tmp_path):
    idx, db = str(tmp_path / "idx"), tmp_path / "m.db"
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--index", idx, "--model", "hashing-256", "--store", f"milvus://{db}", "-q")
    assert code == 0 and "index built" in out and f"in milvus://{db}" in out
    code, out, err = run(capsys, "ask", "How many kilograms of apples?", "--corpus", str(corpus), "--index", idx, "-q")
    assert code == 0 and "4200 kilograms" in out and "[1] a.txt:2" in out
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--index", idx, "--store", "faiss", "-q")
    assert code == 0 and f"built (store changed from milvus://{db} to FAISS files)" in out


@pytest.mark.parametrize("store, says", [
    ("milvus://idx", "error: a Milvus Lite store is a path ending in .db"),
    ("elastic://x", "error: unknown store 'elastic://x'"),
    ("milvus+http://127.0.0.1:9", "error: cannot reach Milvus at http://127.0.0.1:9"),
])
def test_a_bad_or_unreachable_store_is_one_line_saying_so(capsys, corpus, tmp_path, store, says):
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--model", "hashing-256", "--store", store, "-q")
    assert code == 1 and err.startswith(says) and len(err.strip().splitlines()) == 1
