"""Hostile corpus files: odd encodings, line ends, names, links, pipes, binaries, huge files, no permission.

Readable files are indexed with exact offsets into their decoded text; the others are skipped
and reported by name (UpdateReport.skipped, manifest.json "skipped", the CLI's warnings).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import QA
from qa.cli import cli
from qa.corpus import LineIndex, decode_text, list_files, load_corpus, read_document
from qa.index import MANIFEST

ROOT = Path(__file__).resolve().parent.parent

FR = "Le café est très apprécié à Noël. Les élèves étudient l'histoire de la région.\n"
RU = "Москва является столицей России. Население города составляет более двенадцати миллионов человек.\n"

# name -> (bytes on disk, the text the file must read as)
READABLE = {
    "latin1.txt": (FR.encode("latin-1"), FR),
    "latin1 short.txt": ("Café crème à côté.\n".encode("latin-1"), "Café crème à côté.\n"),
    "cp1252 quotes.txt": ("He said “hello” – and left… It cost 5€.\n".encode("cp1252"), "He said “hello” – and left… It cost 5€.\n"),
    "cp1251.txt": (RU.encode("cp1251"), RU),
    "cp1251 short.txt": ("Привет, мир.\n".encode("cp1251"), "Привет, мир.\n"),
    "koi8r.txt": (RU.encode("koi8_r"), RU),
    "utf8 bom.txt": (b"\xef\xbb\xbf" + FR.encode(), FR),
    "utf16 le bom.txt": (FR.encode("utf-16"), FR),
    "utf16 be bom.txt": (b"\xfe\xff" + FR.encode("utf-16-be"), FR),
    "utf16 no bom.txt": ("Hello world, this is a UTF-16 file without a byte-order mark.\n".encode("utf-16-le"),
                         "Hello world, this is a UTF-16 file without a byte-order mark.\n"),
    "utf32 bom.txt": (FR.encode("utf-32"), FR),
    "crlf.txt": (b"First line here.\r\nSecond line here.\r\n\r\nThird paragraph.\r\n", "First line here.\r\nSecond line here.\r\n\r\nThird paragraph.\r\n"),
    "mixed ends.txt": (b"one line.\ntwo line.\r\nthree line.\rfour line.\n", "one line.\ntwo line.\r\nthree line.\rfour line.\n"),
    "shift_jis.txt": ("これは日本語のテキストです。東京は日本の首都です。\n".encode("shift_jis"), "これは日本語のテキストです。東京は日本の首都です。\n"),
}

# name -> (bytes, words the skip reason must hold)
UNREADABLE = {
    "empty.txt": (b"", "empty file"),
    "blank.txt": (b" \n\t\r\n  \n", "only white space"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "it is an image"),
    "random.md": (bytes((i * 7919 + 13) % 256 for i in range(6000)), "binary"),
    "bad bom.txt": (b"\xff\xfe\x00\xd8a\x00", "byte-order mark"),
}


def test_decode_keeps_every_character(tmp_path):
    for name, (data, text) in READABLE.items():
        got, encoding = decode_text(data)
        assert got == text, (name, encoding)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_decode_refuses_what_is_not_text(tmp_path, name):
    data, why = UNREADABLE[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError, match=why):
        read_document(path)


def test_line_numbers_follow_lf_crlf_and_lone_cr():
    text = "one line.\ntwo line.\r\nthree line.\rfour line.\n"
    lines = LineIndex(text)
    assert [lines.line(text.index(w)) for w in ("one", "two", "three", "four")] == [1, 2, 3, 4]
    assert lines.line(text.index("\r\n")) == 2 and lines.line(text.index("\r\n") + 1) == 2


def _hostile_corpus(root: Path) -> dict[str, str]:
    """Write every readable and unreadable case, odd names and links into `root`; return the readable texts."""
    root.mkdir(parents=True, exist_ok=True)
    for name, (data, _) in {**READABLE, **UNREADABLE}.items():
        (root / name).write_bytes(data)
    odd = root / "notes d'été" / "Ünïcödé – rapport final (v2).md"
    odd.parent.mkdir()
    odd.write_text("Le rapport final décrit la délégation de Tachkent.\n", encoding="utf-8")
    (root / "loop a.txt").symlink_to("loop b.txt")
    (root / "loop b.txt").symlink_to("loop a.txt")
    (root / "dangling.txt").symlink_to("no such file.txt")
    (root / "notes d'été" / "back to top").symlink_to("..", target_is_directory=True)  # a folder link loop
    os.mkfifo(root / "pipe.txt")  # reading a pipe would block forever
    texts = {name: text for name, (_, text) in READABLE.items()}
    texts["notes d'été/Ünïcödé – rapport final (v2).md"] = odd.read_text(encoding="utf-8")
    return texts


def test_every_readable_file_is_indexed_with_exact_offsets_and_the_rest_reported(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    texts = _hostile_corpus(corpus)
    bot = QA(corpus, tmp_path / "index", model=fake_embedder)
    report = bot.refresh()
    store = bot.store

    assert sorted(store.manifest["files"]) == sorted(texts)
    assert {p.source for p in store.passages} == set(texts)
    for rec in [*store.passages, *store.sentences]:
        text = texts[rec.source]
        assert text[rec.start : rec.end] == rec.text
        assert rec.line == LineIndex(text).line(rec.start)
    encodings = {name: e["encoding"] for name, e in store.manifest["files"].items()}
    assert encodings["cp1251.txt"] == "cp1251" and encodings["latin1.txt"] == "cp1252"
    assert encodings["utf16 no bom.txt"] == "utf_16_le" and encodings["utf8 bom.txt"] == "utf-8-sig"

    skipped = {s.source: s.reason for s in report.skipped}
    expected = {*UNREADABLE, "loop a.txt", "loop b.txt", "dangling.txt", "pipe.txt"}
    assert set(skipped) == expected
    assert "symbolic links" in skipped["loop a.txt"] and "regular file" in skipped["pipe.txt"]
    manifest = json.loads((tmp_path / "index" / MANIFEST).read_text(encoding="utf-8"))
    assert {s["source"]: s["reason"] for s in manifest["skipped"]} == skipped
    # The link back to the top folder is not walked again: no name runs through it.
    assert not any("back to top" in name for name in store.manifest["files"])


def test_cli_names_every_skipped_file(tmp_path):
    corpus = tmp_path / "corpus"
    _hostile_corpus(corpus)
    result = CliRunner().invoke(cli, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "--model", "hashing", "-q"])
    assert result.exit_code == 0, result.output
    for name in [*UNREADABLE, "loop a.txt", "dangling.txt", "pipe.txt"]:
        assert f"warning: skipped {name}: " in result.output


def test_a_file_name_that_is_not_utf8_is_indexed_and_printed(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plain.txt").write_text("The harbour bridge was opened in 1932 by the governor.\n")
    raw = os.path.join(os.fsencode(corpus), b"caf\xe9 notes.txt")  # Latin-1 bytes in the name
    with open(raw, "wb") as f:
        f.write("The museum café opened in 1901 beside the harbour.\n".encode())
    bot = QA(corpus, tmp_path / "ix", model=fake_embedder)
    bot.refresh()
    assert len(bot.store.manifest["files"]) == 2
    again = QA(corpus, tmp_path / "ix", model=fake_embedder).refresh()  # the manifest round-trips the name
    assert not again.touched and again.unchanged == 2
    result = CliRunner().invoke(cli, ["ask", "When did the museum café open?", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "-q"])
    assert result.exit_code == 0, result.output
    assert "1901" in result.output and "caf\\xe9 notes.txt:1" in result.output


def _without_root_powers(cmd: list[str]) -> list[str]:
    """`cmd` as root runs it but unable to bypass file permissions (util-linux setpriv); as anyone else, unchanged."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without util-linux's setpriv: cannot take away root's right to read every file")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--", *cmd]


def test_a_file_or_folder_without_read_permission_is_reported_by_name(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "open.txt").write_text("The lighthouse keeper counted forty ships in the storm.\n")
    (corpus / "secret.txt").write_text("The password is swordfish.\n")
    (corpus / "locked").mkdir()
    (corpus / "locked" / "inside.txt").write_text("Nobody may read this folder.\n")
    os.chmod(corpus / "secret.txt", 0o000)
    os.chmod(corpus / "locked", 0o000)
    index = tmp_path / "index"
    try:
        code = "from qa.cli import main; main(['index', '--corpus', %r, '--index', %r, '--model', 'hashing', '-q'])" % (
            str(corpus), str(index))
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        out = subprocess.run(_without_root_powers([sys.executable, "-c", code]), env=env, capture_output=True, text=True, timeout=120)
    finally:
        os.chmod(corpus / "secret.txt", 0o644)
        os.chmod(corpus / "locked", 0o755)
    assert out.returncode == 0, out.stderr
    assert "warning: skipped secret.txt: cannot be read (Permission denied)" in out.stderr
    assert "warning: skipped locked: cannot be read (Permission denied)" in out.stderr
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    assert list(manifest["files"]) == ["open.txt"]
    assert {s["source"] for s in manifest["skipped"]} == {"secret.txt", "locked"}
    # Once readable again, the next update picks them up.
    report = QA(corpus, index, model="hashing").refresh()
    assert sorted(report.added) == ["locked/inside.txt", "secret.txt"] and not report.skipped


def test_a_file_of_tens_of_megabytes_reads_with_exact_offsets(tmp_path):
    line = "Row {i}: the river council met at the old station to count the harvest.\r\n"
    path = tmp_path / "big.txt"
    with open(path, "w", encoding="cp1252", newline="") as f:
        for i in range(320_000):  # about 25 MB
            f.write(line.format(i=i) if i % 1000 else "Année {i}: récolte à la gare.\n".format(i=i))
    doc = read_document(path, "big.txt")
    assert doc.size > 20_000_000 and doc.encoding == "cp1252"
    lines = LineIndex(doc.text)
    for i in (0, 1, 1000, 199_999, 319_999):
        at = doc.text.index(f"{'Année' if i % 1000 == 0 else 'Row'} {i}:")
        assert lines.line(at) == i + 1


def test_half_a_megabyte_on_one_line_is_indexed(tmp_path, fake_embedder):
    """A file without line breaks (an export, a minified page) once took time growing with its square."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = "The {n}th barge carried grain past the lock at dawn. "
    text = "".join(sentence.format(n=n) for n in range(8_000))  # ~450 kB, one line
    (corpus / "one line.txt").write_text(text)
    bot = QA(corpus, tmp_path / "ix", model=fake_embedder)
    bot.refresh()
    covered = sorted((s.start, s.end) for s in bot.store.sentences)
    assert covered[0][0] == 0 and covered[-1][1] == len(text.rstrip())
    for s in bot.store.sentences:
        assert text[s.start : s.end] == s.text
    assert any("7999th barge" in s.text for s in bot.store.sentences)


def test_load_corpus_reports_what_it_skips(tmp_path):
    corpus = tmp_path / "c"
    _hostile_corpus(corpus)
    docs, skipped = load_corpus(corpus)
    assert {d.source for d in docs} >= set(READABLE)
    assert {s.source for s in skipped} >= set(UNREADABLE)
    assert all(p.name != "back to top" for p in list_files(corpus))
