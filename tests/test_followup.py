"""Follow-up questions resolved with the conversation, without a language model."""
from __future__ import annotations

import pytest

from qa.followup import key_terms, leans_on_context, resolve, resolve_conversation

FIRST = "Who chairs the State Security Service of Uzbekistan?"


def test_key_terms_drop_stop_and_question_words():
    assert key_terms(FIRST) == ("chairs", "State", "Security", "Service", "Uzbekistan")
    assert key_terms("Qui préside le Service de sécurité ?") == ("préside", "Service", "sécurité")
    assert key_terms("What is it?") == ()


@pytest.mark.parametrize(
    "question",
    [
        "What did he say about Afghanistan?",
        "And his first deputy?",
        "When?",
        "What about the exercises?",
        "Et son adjoint ?",
        "Qu'a-t-il dit sur l'Afghanistan ?",
    ],
)
def test_questions_that_lean_on_the_conversation(question):
    assert leans_on_context(question)


@pytest.mark.parametrize(
    "question",
    [
        FIRST,
        "How many representatives attended the conferences?",
        "Who is Abdusalom Azizov?",
        "Combien de représentants ont participé ?",
        "Where is the Securex exhibition held?",
    ],
)
def test_questions_that_stand_alone(question):
    assert not leans_on_context(question)


def test_followup_is_joined_with_the_topic_terms():
    r = resolve("What did he say about Afghanistan?", resolve(FIRST))
    assert r.is_followup
    assert r.asked == "What did he say about Afghanistan? chairs State Security Service Uzbekistan"
    assert r.question == "What did he say about Afghanistan?"


def test_topic_lasts_through_a_chain_of_followups():
    r = resolve_conversation([FIRST, "What did he say about Afghanistan?", "And his first deputy?"])
    assert r.asked == "And his first deputy? chairs State Security Service Uzbekistan"


def test_a_question_that_stands_alone_starts_a_new_topic():
    r = resolve_conversation([FIRST, "How many representatives attended the conferences?", "And when?"])
    assert r.asked == "And when? representatives attended conferences"
    assert "Uzbekistan" not in r.asked


def test_first_question_and_terms_already_there_are_left_alone():
    assert not resolve("What did he say?").is_followup
    r = resolve("And his role in the State Security Service of Uzbekistan?", resolve(FIRST))
    assert r.added == ("chairs",)


def test_empty_conversation_is_an_error():
    with pytest.raises(ValueError, match="at least one question"):
        resolve_conversation([])


@pytest.mark.slow
def test_followups_find_what_the_conversation_is_about(seed_qa):
    """With the real model: the resolved follow-ups reach the sentences about the SSS chairman and his deputy."""
    r = resolve_conversation([FIRST, "What did he say about Afghanistan?"])
    afghanistan = seed_qa.answer(r.question, context=" ".join(r.added))
    assert afghanistan.text and "Afghan" in afghanistan.text and "Azizov" in afghanistan.text
    r = resolve_conversation([FIRST, "And his first deputy?"])
    deputy = seed_qa.answer(r.question, context=" ".join(r.added))
    assert deputy.text and "First Deputy Chairman of the State Security Service" in deputy.text
