"""Hostile questions: each gets an answer, a clear "not in the documents", or a clear error; never a crash.

Most cases run against the real model over the seed corpus (`seed_qa`), since what the
model makes of emoji, right-to-left text or a foreign script is the point.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import QA, Answer, QuestionError
from qa.cli import cli
from qa.pipeline import MAX_QUESTION_CHARS, check_question, fit_question

SEEDS = Path(__file__).resolve().parent.parent / "corpus"

BASE = "How many representatives attended the conferences?"


def _file_text(source: str) -> str:
    return (SEEDS / source).read_text(encoding="utf-8-sig")


def _assert_sound(ans: Answer) -> None:
    """An answer quotes the files exactly, or abstains saying why."""
    assert isinstance(ans, Answer)
    if ans.text is None:
        assert ans.reason and ans.citations == []
    else:
        assert ans.citations
        for c in ans.citations:
            assert _file_text(c.source)[c.start : c.end] == c.quote
            assert f"[{c.number}]" in ans.text


@pytest.mark.parametrize(
    "question, says",
    [
        ("", "empty"),
        ("   \n\t  ", "empty"),
        ("\u00a0\u2003\u3000", "empty"),  # no-break, em and ideographic spaces
        ("\x00\x01\x02\x1b[31m\x1b[0m", "empty"),  # control characters and terminal colour codes only
        ("?!... ;-) ¿¡ «»", "no words"),
        ("😀🎉👍🏽", "no words"),
        ("\u200f\u200e\u202e", "empty"),  # only right-to-left and left-to-right marks
    ],
)
def test_questions_without_words_are_refused_with_a_clear_error(question, says):
    with pytest.raises(QuestionError, match=says):
        check_question(question)


@pytest.mark.parametrize("question", [None, 42, b"How many?", ["How many?"]])
def test_a_question_that_is_not_text_is_refused(question):
    with pytest.raises(QuestionError, match="must be text"):
        check_question(question)


def test_the_cli_refuses_an_empty_question_in_one_line(seed_copy, tmp_path):
    from qa.cli import main

    runner = CliRunner()
    result = runner.invoke(cli, ["ask", "  ", "--corpus", str(seed_copy), "--index", str(tmp_path / "ix"), "--model", "hashing", "-q"])
    assert isinstance(result.exception, QuestionError)
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "?!", "--corpus", str(seed_copy), "--index", str(tmp_path / "ix"), "--model", "hashing", "-q"])
    assert exit_.value.code == 1


@pytest.mark.parametrize(
    "noisy",
    [
        BASE.replace(" ", " \x00 ", 1),  # NUL
        "\x07" + BASE.replace("attended", "\x1b attended\x7f"),  # bell, escape, delete
        "\u202e" + BASE + "\u200f",  # right-to-left override and mark
        BASE.replace(" ", "\u200b ", 2),  # zero-width spaces
        "  " + BASE.replace(" ", " \t\n ") + "\r\n",
    ],
)
def test_control_and_invisible_characters_change_nothing(seed_qa, noisy):
    clean = seed_qa.answer(BASE)
    got = seed_qa.answer(noisy)
    assert got.question == clean.question == BASE
    assert (got.text, got.confidence, [c.quote for c in got.citations]) == (clean.text, clean.confidence, [c.quote for c in clean.citations])
    assert got.text is not None  # the base question is answered by the seed corpus


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert('representatives')</script>",
        '<img src=x onerror="fetch(\'//evil\')"> How many representatives attended?',
        "'; DROP TABLE passages; --",
        "SELECT * FROM documents WHERE 1=1 OR ''=''",
        "{{7*7}} ${jndi:ldap://x} %s%s%n",
        "../../../../etc/passwd",
    ],
)
def test_html_sql_and_template_strings_are_plain_questions(seed_qa, question):
    version = seed_qa.store.version
    passages = len(seed_qa.store.passages)
    ans = seed_qa.answer(question)
    _assert_sound(ans)
    if ans.text is not None:  # whatever it quotes comes from the files (each cited exactly), never from the question
        # (a fact told again in another file cites that file too, in its own words: "[1][2]", the French report)
        assert all(q.text in ans.text and q.text == ans.citations[q.citations[0] - 1].quote for q in ans.quotes)
        assert "evil" not in ans.text and "DROP" not in ans.text
    assert seed_qa.store.version == version and len(seed_qa.store.passages) == passages


@pytest.mark.parametrize(
    "question",
    [
        "代表团有多少个？",  # Chinese
        "كم عدد الوفود المشاركة في المؤتمر؟",  # Arabic, right to left
        "מה מספר המשלחות שהשתתפו?",  # Hebrew
        "会議には何人の代表が出席しましたか？",  # Japanese
        "Wie viele Vertreter nahmen an den Konferenzen teil?",  # German
    ],
)
def test_a_question_in_a_language_the_corpus_lacks_is_not_answered_wrongly(seed_qa, question):
    ans = seed_qa.answer(question)
    _assert_sound(ans)
    if ans.text is not None:  # the one right answer is the 250 representatives
        assert "250" in ans.text


def test_emoji_inside_a_question_are_kept_and_harmless(seed_qa):
    q = "How many representatives 🎉 attended the conferences? 👍🏽"
    ans = seed_qa.answer(q)
    assert ans.question == q
    _assert_sound(ans)
    assert [h.source for h in seed_qa.retrieve(q, k=3)]


@pytest.mark.parametrize("question", [(BASE + " ") * 2000, "a" * 100_000, ("représentants " * 8000)[:100_000], "x " * 50_000])
def test_a_100k_character_question_is_cut_to_what_the_model_reads_and_says_so(seed_qa, question):
    ans = seed_qa.answer(question)
    _assert_sound(ans)
    assert ans.reason and "cut" in ans.reason and str(len(question)) in ans.reason
    emb = seed_qa.embedder
    assert sum(emb.count_tokens(ans.question.split(" "))) <= emb.max_tokens
    assert question.startswith(ans.question) or " ".join(question.split()).startswith(ans.question)
    again = seed_qa.answer(ans.question)  # asking the cut question gives the same answer, without the note
    assert (again.text, again.confidence) == (ans.text, ans.confidence)


def test_a_question_just_inside_the_window_is_not_cut(seed_qa):
    emb = seed_qa.embedder
    words = ["representatives"] * (emb.max_tokens // emb.count_tokens(["representatives"])[0])
    q = " ".join(words)
    assert fit_question(check_question(q), emb).note is None
    assert fit_question(check_question(q + " attended"), emb).note is not None


def test_fit_question_cuts_at_word_boundaries(fake_embedder):
    q = check_question(" ".join(f"w{i}" for i in range(1000)))
    fitted = fit_question(q, fake_embedder)
    assert fitted.text == " ".join(f"w{i}" for i in range(fake_embedder.max_tokens))
    assert "cut to its first 256 words" in fitted.note
    long = check_question("y" * (MAX_QUESTION_CHARS + 1))
    assert long.note and str(MAX_QUESTION_CHARS) in long.note


def test_hostile_questions_with_the_fake_embedder_never_crash(seed_copy, tmp_path, fake_embedder):
    bot = QA(seed_copy, tmp_path / "ix", model=fake_embedder)
    for q in ["\u202eكم؟", "😀 ok", "'; DROP x --", "<b>x</b>", "\x00a\x00", "ß" * 3000, "١٢٣", "Ⅻ"]:
        _assert_sound(bot.answer(q))
        assert isinstance(bot.retrieve(q, k=3), list)
