"""The real model over the whole seed corpus: the answers a person would check by hand."""
import re

import pytest

from qa.corpus import read_document
from tests.conftest import SEEDS, assert_quotes_the_files

EN = "000_ae18acf054cccfff.txt"
FR = "004_2bf75eb65d455bd3.txt"

ANSWERABLE = [
    # (question, a substring the answer must contain, files of which one must be cited)
    ("How many delegations took part in total?", "47", {EN, FR}),
    ("Combien de délégations ont participé ?", "47", {FR}),
    ("Who read the President's address at the opening?", "Viktor Makhmudov", {EN}),
    ("How many representatives attended the conferences?", "250", {EN, FR}),
    ("What percentage of repatriates lead a modern lifestyle?", "90.2", {EN}),
    ("How many repatriates have been returned to Uzbekistan since 2019?", "531", {EN}),
    ("What is the name of the humanitarian actions that brought repatriates back?", "Mehr", {EN}),
    ("Who is the Director of the RATS SCO Executive Committee?", "Mirzayev", {EN}),
    ("Who heads the Anti-Terrorism Center of the CIS member states?", "Sysoyev", {EN}),
    ("Which UN official sent a video message?", "Voronkov", {EN}),
    ("Who is the CIS Deputy Secretary-General?", "Seitimov", {EN}),
    ("Who is the First Deputy Chairman of the State Security Service?", "Tursunov", {EN}),
    ("Who chairs the State Security Service of Uzbekistan?", "Azizov", {EN, "003_6226a6d43ac9964c.txt"}),
    ("Where did the delegations lay flowers?", "Independence Monument", {EN}),
    ("When did Tashkent host the conferences?", "September 4-5", {EN, "001_509c7f3b92f5e133.txt"}),
    ("What joint anti-terrorist exercise is planned?", "2024", {EN, "001_509c7f3b92f5e133.txt", "002_05bf092ec5dfc80c.txt", FR}),
    ("Which strategy covers the years 2021-2026?", "National Strategy", {EN}),
    ("Who is the President of Uzbekistan?", "Shavkat Mirziyoyev", {EN, "001_509c7f3b92f5e133.txt", "002_05bf092ec5dfc80c.txt", "003_6226a6d43ac9964c.txt", FR}),
    ("Which Afghan group does the Afghan intelligence agency fight?", "ISKP", {"003_6226a6d43ac9964c.txt"}),
    ("What council was created together with the UN Counter-Terrorism Office?", "Regional Expert Council", {"002_05bf092ec5dfc80c.txt"}),
    ("Who become victims of online zombification?", "labor migrants", {"002_05bf092ec5dfc80c.txt"}),
    ("Qui a lu le message du président à l'ouverture ?", "message du président", {FR}),
    ("Combien de représentants ont participé aux conférences ?", "250", {FR}),
    ("Quel est le nom des exercices antiterroristes conjoints ?", "Est-Antiterror 2024", {FR}),
]

UNANSWERABLE = [
    "Who won the 2022 FIFA World Cup?",
    "What is the boiling point of water at sea level?",
    "How do I bake sourdough bread?",
    "Quelle est la capitale de l'Australie ?",
    "What is the population of Brazil?",
]


@pytest.mark.parametrize("question, expected, files", ANSWERABLE)
def test_answers_on_the_seed_corpus(seed_qa, question, expected, files):
    ans = seed_qa.answer(question)
    assert_quotes_the_files(ans, expected, files)
    assert len(ans.text.split()) < 160


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_off_topic_questions_get_no_answer(seed_qa, question):
    ans = seed_qa.answer(question)
    assert ans.text is None, f"answered {ans.text!r}"
    assert ans.reason


def test_boilerplate_is_never_quoted(seed_qa):
    furniture = {"Related News", "[gallery-19115]", "UzA", "News", "12:26", "19:09 / 16.12.2024"}
    for q in ["Related News", "What is in the gallery?", "What time was it published?", "News", "Which exhibition is held in November 2026?"]:
        ans = seed_qa.answer(q)
        for c in ans.citations:
            assert c.quote not in furniture
            assert not re.fullmatch(r"[\d:/. ]+", c.quote)


def test_fact_told_in_two_files_cites_both(seed_qa):
    ans = seed_qa.answer("How many delegations took part in total?")
    assert {EN, FR} <= {c.source for c in ans.citations}


def test_retrieve_gives_hits_with_exact_offsets(seed_qa):
    hits = seed_qa.retrieve("Who read the President's address at the opening?", k=5)
    assert len(hits) == 5
    assert hits[0].source == EN
    for h in hits:
        doc = read_document(SEEDS / h.source, h.source)
        assert doc.text[h.start : h.end] == h.text
