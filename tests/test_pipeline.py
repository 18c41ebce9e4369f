import json
from pathlib import Path

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


def test_an_index_of_the_default_model_follows_the_default_and_says_why_it_rebuilds(tmp_path, monkeypatch):
    import json

    from qa import pipeline
    from qa.embedding import HashingEmbedder as Fake

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Apples are red fruit.")
    monkeypatch.setattr(pipeline, "DEFAULT_MODEL", "hashing-128")
    QA(tmp_path / "c", tmp_path / "idx").refresh()  # no model named: the default, recorded as such
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["model"] == "hashing-128" and manifest["model_chosen"] is False
    monkeypatch.setattr(pipeline, "DEFAULT_MODEL", "hashing-64")  # the default changes
    after = QA(tmp_path / "c", tmp_path / "idx")
    assert after.embedder.name == "hashing-64"
    assert after.refresh().reason == "model changed from 'hashing-128' to 'hashing-64'"

    # An index whose manifest does not say (written before the default changed) and names the former default
    # was built with the default: it follows it too. One that names another model keeps it.
    class FormerDefault(Fake):
        def __init__(self):
            super().__init__()
            self.name = pipeline.FORMER_DEFAULT_MODEL

    for model, kept in ((FormerDefault(), False), ("hashing-32", True)):
        QA(tmp_path / "c", tmp_path / "old", model=model).refresh(rebuild=True)
        path = tmp_path / "old" / "manifest.json"
        old = json.loads(path.read_text())
        del old["model_chosen"]
        path.write_text(json.dumps(old))
        reopened = QA(tmp_path / "c", tmp_path / "old")
        assert (reopened.embedder.name == old["model"]) is kept
        assert not kept or not reopened.refresh().touched


def test_long_question_note_reaches_the_answer(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Apples are red fruit that grow on trees.")
    bot = QA(tmp_path / "c", tmp_path / "idx", model=HashingEmbedder())
    ans = bot.answer("apples " * 1000)
    assert "cut" in ans.reason



SMALL = json.loads((Path(__file__).parent / "data" / "small_documents.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", sorted(SMALL))
def test_three_small_documents_in_any_of_fifteen_languages_answer_a_date_and_refuse_the_world_cup(tmp_path, lang):
    """Three short documents (a library, a river, a festival) written in one language, asked in it: the opening year
    is quoted from the library's file in a sentence of its own, and the 2018 World Cup is refused. Hindi's vowel signs
    are combining marks: its sentences once read as mostly punctuation, not prose, and its date question was refused
    (confidence 0.00); a Bengali paragraph was one sentence (its full stop, the danda, was no sentence end)."""
    case = SMALL[lang]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in case["documents"].items():
        (corpus / name).write_text(text + "\n", encoding="utf-8")
    bot = QA(corpus, tmp_path / "idx", model="multilingual-e5-small")
    bot.refresh()
    assert set(bot.store.corpus_languages) == {lang}  # each file identified in its language
    question, year = case["answered"]
    ans = bot.answer(question)
    assert ans.text is not None and year in ans.text and ans.citations[0].source == "library.txt", ans.reason
    assert len(ans.quotes[0].text) < len(case["documents"]["library.txt"]) / 2  # a sentence, not the file
    assert ans.short is not None and year in ans.short.text
    assert bot.answer(case["refused"]).text is None


LUTHER = [
    "Published at a time of rising demand for German-language publications, Luther's version quickly became a popular "
    "and influential Bible translation.",
    "As such, it made a significant contribution to the evolution of the German language and literature.",
]


@pytest.mark.slow
def test_the_sentence_after_the_best_joins_when_the_reader_finds_the_answer_there_and_gives_the_short_answer(tmp_path):
    """The best sentence repeats the question's words ("Luther's", "popular") but the next one says what it
    contributed to: read together, the reader puts its span there, so the next sentence is quoted after the best and
    its span is the short answer (it was "influential", from the best sentence)."""
    from dataclasses import replace

    from qa.answer import AnswerSettings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "luther.txt").write_text("Luther's Bible\n\n" + " ".join(LUTHER) + " It was reprinted many times.\n")
    (corpus / "river.txt").write_text("The Velna is a river in the north. It is 340 kilometres long.\n")
    question = "What did the popularity of Luther's translation contribute to?"
    bot = QA(corpus, tmp_path / "idx", model="multilingual-e5-small")
    ans = bot.answer(question)
    assert [q.text for q in ans.quotes[:2]] == LUTHER, ans.text
    assert ans.short is not None and "evolution of the German language" in ans.short.text and ans.short.citation == 2
    off = QA(corpus, tmp_path / "idx", answer=replace(AnswerSettings(), reader_next_margin=None)).answer(question)
    assert [q.text for q in off.quotes] == LUTHER[:1]
