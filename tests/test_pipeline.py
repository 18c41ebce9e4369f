import pytest

from qa import QA, QuestionError
from qa.embedding import HashingEmbedder
from qa.pipeline import MAX_QUESTION_CHARS, check_question


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "?!...", "¿¡", "\x00\x01"])
def test_empty_or_wordless_questions_are_refused(raw):
    with pytest.raises(QuestionError):
        check_question(raw)


def test_question_is_cleaned_and_cut_with_a_note():
    q = check_question("  What\x00 is\n\nthis?  ")
    assert q.text == "What is this?" and q.note is None
    long = check_question("word " * 10000)
    assert len(long.text) == MAX_QUESTION_CHARS and "cut" in long.note


def test_non_text_question_is_refused():
    with pytest.raises(QuestionError, match="must be text"):
        check_question(42)


def test_constructor_is_cheap_and_opens_on_first_use(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Apples are red fruit.")
    bot = QA(tmp_path / "c", tmp_path / "idx", model=HashingEmbedder())
    assert not (tmp_path / "idx").exists()
    assert bot.retrieve("apples")[0].source == "a.txt"
    assert (tmp_path / "idx" / "manifest.json").exists()


def test_model_defaults_to_the_one_the_index_was_built_with(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Apples are red fruit.")
    QA(tmp_path / "c", tmp_path / "idx", model="hashing-128").refresh()
    again = QA(tmp_path / "c", tmp_path / "idx")
    assert again.embedder.name == "hashing-128"
    assert not again.refresh().touched


def test_long_question_note_reaches_the_answer(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Apples are red fruit that grow on trees.")
    bot = QA(tmp_path / "c", tmp_path / "idx", model=HashingEmbedder())
    ans = bot.answer("apples " * 1000)
    assert "cut" in ans.reason
