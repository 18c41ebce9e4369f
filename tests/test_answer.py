import re

import pytest

from qa import QA, AnswerSettings
from qa.answer import is_content, is_heading, question_type, type_match
from qa.embedding import HashingEmbedder


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many delegations took part?", "number"),
        ("Combien de délégations ont participé ?", "number"),
        ("What percentage of repatriates lead a modern life?", "number"),
        ("When was the conference held?", "date"),
        ("En quelle année la stratégie a-t-elle été adoptée ?", "date"),
        ("Who read the address?", "person"),
        ("Qui a lu le message ?", "person"),
        ("Where did the delegations lay flowers?", "place"),
        ("Why is cooperation needed?", None),
    ],
)
def test_question_type(question, kind):
    assert question_type(question) == kind


@pytest.mark.parametrize(
    "text, ok",
    [
        ("[gallery-19115]", False),
        ("UzA", False),
        ("19:09 / 16.12.2024", False),
        ("Related News", False),
        ("Bananas are yellow.", True),
        ("The conference gathered 47 delegations in total.", True),
    ],
)
def test_is_content(text, ok):
    assert is_content(text) is ok


def test_is_heading():
    assert is_heading("Shavkat Mirziyoyev to visit Russia for CIS and EAEU summit meetings")
    assert not is_heading("Shavkat Mirziyoyev will visit Russia.")


def test_type_match_ignores_what_the_question_already_names():
    assert type_match("number", "There were 47 delegations.", {"how", "many", "delegations"}) == 1.0
    assert type_match("number", "In 2024 there were delegations.", {"2024", "delegations"}) == 0.0
    assert type_match("date", "It opened on 4 September.", set()) == 1.0
    assert type_match("person", "The address was read by Viktor Makhmudov.", {"who", "read"}) == 1.0


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text(
        "Fruit report\n"
        "The harvest festival took place in the village of Lindow.\n"
        "The farmers harvested 4200 kilograms of apples this autumn.\n"
        "Related News\n"
        "19:09 / 16.12.2024\n"
    )
    (root / "b.txt").write_text(
        "Other outlet.\n\nThe farmers harvested 4200 kilograms of apples this autumn.\n\n"
        "The pears were sold at the market on Sunday morning.\n"
    )
    (root / "c.txt").write_text("Music notes.\n\nThe violinist practised scales every morning before breakfast.\n")
    return root


def test_answer_quotes_a_sentence_with_markers_and_exact_citations(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    ans = bot.answer("How many kilograms of apples did the farmers harvest?")
    assert ans.text is not None and "4200 kilograms" in ans.text
    markers = re.findall(r"\[(\d+)\]", ans.text)
    assert [int(m) for m in markers] == [c.number for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    for c in ans.citations:
        text = (corpus / c.source).read_text()
        assert text[c.start : c.end] == c.quote
        assert c.line == text.count("\n", 0, c.start) + 1
        assert c.quote in ans.text


def test_the_same_sentence_in_two_files_is_one_sentence_citing_both(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    ans = bot.answer("How many kilograms of apples did the farmers harvest?")
    assert ans.text.count("4200 kilograms") == 1
    assert {c.source for c in ans.citations if "4200" in c.quote} == {"a.txt", "b.txt"}
    assert "[1][2]" in ans.text


def test_off_topic_question_abstains_with_a_reason(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    ans = bot.answer("Who won the 2022 FIFA World Cup?")
    assert ans.text is None and ans.citations == []
    assert "do not seem to answer" in ans.reason
    assert ans.hits  # the closest passages are still offered


def test_threshold_is_a_setting(corpus, tmp_path):
    strict = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(min_confidence=0.99))
    assert strict.answer("How many kilograms of apples did the farmers harvest?").text is None
    lax = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(min_confidence=0.0))
    assert lax.answer("Who won the 2022 FIFA World Cup?").text is not None


def test_page_furniture_never_becomes_an_answer(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(min_confidence=0.0))
    for q in ["Related News", "19:09 16.12.2024", "news related"]:
        ans = bot.answer(q)
        for c in ans.citations:
            assert c.quote not in {"Related News", "19:09 / 16.12.2024"}


def test_at_most_max_sentences(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(min_confidence=0.0, max_sentences=1))
    ans = bot.answer("What happened with apples, pears and the violinist?")
    assert len(set(c.quote for c in ans.citations)) == 1


def test_hits_are_cut_to_k(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    assert len(bot.answer("apples", k=1).hits) == 1
    assert len(bot.retrieve("apples", k=2)) == 2
