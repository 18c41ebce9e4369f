import pytest

from qa.corpus import LineIndex, decode, list_files, load_corpus, read_document
from qa.errors import CorpusError

SEED_NAMES = [
    "000_ae18acf054cccfff.txt",
    "001_509c7f3b92f5e133.txt",
    "002_05bf092ec5dfc80c.txt",
    "003_6226a6d43ac9964c.txt",
    "004_2bf75eb65d455bd3.txt",
]


def test_seed_corpus_is_read_whole(seed_copy):
    docs, skipped = load_corpus(seed_copy)
    assert [d.source for d in docs] == SEED_NAMES
    assert skipped == []
    for d in docs:
        assert d.text == (seed_copy / d.source).read_bytes().decode("utf-8")
        assert d.size == (seed_copy / d.source).stat().st_size
        assert len(d.sha256) == 64


def test_recursive_with_relative_names_and_only_text_files(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("Alpha text here.")
    (tmp_path / "sub" / "b.md").write_text("# Beta\n\nBeta text.")
    (tmp_path / "sub" / "deeper" / "c.txt").write_text("Gamma text.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("hidden")
    docs, _ = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["a.txt", "sub/b.md", "sub/deeper/c.txt"]


def test_unusable_files_are_skipped_with_the_reason(tmp_path):
    (tmp_path / "good.txt").write_text("A good file.")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\t\n")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00\x01\x02def")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1") + b"\xff\xfe\xfd")  # read as Windows-1252
    docs, skipped = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["good.txt", "latin.txt"]
    assert docs[1].text == "café\xff\xfe\xfd" and docs[1].encoding == "cp1252"
    reasons = {s.source: s.reason for s in skipped}
    assert set(reasons) == {"empty.txt", "blank.txt", "binary.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "white space" in reasons["blank.txt"]
    assert "binary" in reasons["binary.txt"]


def test_bom_is_dropped_crlf_kept(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfFirst line.\r\nSecond line.")
    doc = read_document(path, "bom.txt")
    assert doc.text == "First line.\r\nSecond line."


def test_utf16_with_bom_is_decoded():
    assert decode("Bonjour à tous.".encode("utf-16")) == "Bonjour à tous."


def test_missing_and_non_folder_corpus_raise(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        list_files(tmp_path / "nope")
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(CorpusError, match="not a folder"):
        list_files(f)


@pytest.mark.parametrize(
    "text, offset, line",
    [("abc", 0, 1), ("abc\ndef", 4, 2), ("abc\ndef", 3, 1), ("a\r\nb\r\nc", 6, 3), ("\n\nx", 2, 3)],
)
def test_line_index(text, offset, line):
    assert LineIndex(text).line(offset) == line
