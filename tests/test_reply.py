"""qa/reply.py: the plain-text reply that `qa ask` prints and the /chat endpoint returns."""
from __future__ import annotations

from qa.reply import NOT_ANSWERED, format_reply, snippet
from qa.types import Answer, Citation, Hit, Quote, Short, quotes_text


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
    hits = [hit("a.txt", f"Passage {i} tells\n  of   things we read.", i) for i in range(1, 6)]
    text = format_reply(Answer("q", None, [], hits, 0.1, "nothing close enough"))
    lines = text.split("\n")
    assert lines[:4] == [NOT_ANSWERED, "(nothing close enough)", "", "Closest passages:"]
    assert lines[4:] == [f"- a.txt:{i}  Passage {i} tells of things we read." for i in range(1, 4)]
    assert "[1]" not in text


def test_page_furniture_is_never_offered():
    headlines = hit("news.txt", "Related News\n12:26 Minister to visit Russia\n11:40 New metro line opens", 1)
    prose = hit("a.txt", "The conference gathered delegations from many countries.", 7)
    text = format_reply(Answer("q", None, [], [headlines, prose], 0.1, "nothing close enough"))
    assert "news.txt" not in text and "- a.txt:7  The conference" in text
    assert "Closest passages" not in format_reply(Answer("q", None, [], [headlines], 0.1))


def test_the_short_answer_leads_the_line():
    ans = answered()
    ans = Answer(ans.question, ans.text, ans.citations, [], 0.7, None, ans.quotes, Short("Alpha", "a.txt", 0, 5, 1))
    assert format_reply(ans).startswith("Alpha — Alpha holds [1] here. [1] Beta. [2][3]\n")


def test_abstention_without_passages_or_reason_is_one_line():
    assert format_reply(Answer("q", None)) == NOT_ANSWERED


def test_snippet_cuts_at_a_word():
    assert snippet("a  b\n c") == "a b c"
    cut = snippet("word " * 100, 50)
    assert cut.endswith("…") and len(cut) <= 51 and not cut[:-1].endswith(" ")
