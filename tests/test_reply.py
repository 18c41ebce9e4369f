"""qa/reply.py: the plain-text reply that `qa ask` prints and the /chat endpoint returns."""
from __future__ import annotations

from qa.reply import NOT_ANSWERED, format_reply, snippet
from qa.types import Answer, Citation, Hit, Quote, quotes_text


def hit(source: str, text: str, line: int) -> Hit:
    return Hit(source, text, 0.5, 0, len(text), line, 0)


def answered(reason: str | None = None) -> Answer:
    quotes = [Quote("Alpha holds [1] here.", (1,)), Quote("Beta.", (2, 3))]
    cites = [Citation(1, "a.txt", 0, 21, 4, "Alpha holds [1] here."), Citation(2, "b.txt", 0, 5, 1, "Beta."),
             Citation(3, "sub/c.md", 10, 15, 2, "Beta.")]
    return Answer("q", quotes_text(quotes), cites, [], 0.7, reason, quotes)


def test_answer_is_the_quotes_with_markers_then_numbered_sources():
    assert format_reply(answered()) == "Alpha holds [1] here. [1] Beta. [2][3]\n\n[1] a.txt:4\n[2] b.txt:1\n[3] sub/c.md:2"


def test_a_note_follows_the_sources():
    text = format_reply(answered("the question was cut at 100 words"))
    assert text.endswith("[3] sub/c.md:2\n\nnote: the question was cut at 100 words")


def test_abstention_says_so_why_and_the_closest_passages():
    hits = [hit("a.txt", f"Passage {i}\n  with   spaces.", i) for i in range(1, 6)]
    text = format_reply(Answer("q", None, [], hits, 0.1, "nothing close enough"))
    lines = text.split("\n")
    assert lines[:4] == [NOT_ANSWERED, "(nothing close enough)", "", "Closest passages:"]
    assert lines[4:] == [f"- a.txt:{i}  Passage {i} with spaces." for i in range(1, 4)]
    assert "[1]" not in text


def test_abstention_without_passages_or_reason_is_one_line():
    assert format_reply(Answer("q", None)) == NOT_ANSWERED


def test_snippet_cuts_at_a_word():
    assert snippet("a  b\n c") == "a b c"
    cut = snippet("word " * 100, 50)
    assert cut.endswith("…") and len(cut) <= 51 and not cut[:-1].endswith(" ")
