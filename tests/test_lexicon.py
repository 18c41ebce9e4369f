"""BM25 as sparse vectors: their inner product is bm25s's score, and updates move the statistics as a rebuild would."""
import numpy as np
import pytest

from qa.index.lexicon import Lexicon, load_lexicon

DOCS = [
    "apple banana apple cherry",
    "banana banana date",
    "cherry elder fig grape apple",
    "fig",
]


def toks(text):
    return text.split()


def dot(a: dict, b: dict) -> float:
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def test_the_inner_product_of_passage_and_question_vectors_is_bm25s_score():
    import bm25s

    lex = Lexicon().changed([], [toks(d) for d in DOCS])
    retriever = bm25s.BM25()
    retriever.index([toks(d) for d in DOCS], show_progress=False)
    for query in (["apple"], ["banana", "fig"], ["cherry", "apple", "grape"]):
        expected = retriever.get_scores(query)
        got = [dot(lex.passage_vector(toks(d)), lex.query_vector(query)) for d in DOCS]
        assert np.allclose(got, expected, rtol=1e-5), query


def test_an_update_gives_the_statistics_of_a_fresh_build_and_keeps_term_ids():
    lex = Lexicon().changed([], [toks(d) for d in DOCS])
    ids = dict(lex.ids)
    updated = lex.changed([toks(DOCS[1])], [toks("kiwi apple")])
    fresh = Lexicon().changed([], [toks(d) for d in (DOCS[0], DOCS[2], DOCS[3], "kiwi apple")])
    assert updated.passages == fresh.passages == 4 and updated.length == fresh.length
    assert {t: updated.df[i] for t, i in updated.vocab_dict.items()} == {t: fresh.df[i] for t, i in fresh.vocab_dict.items()}
    assert all(updated.ids[t] == i for t, i in ids.items())  # an id, once given, never changes
    assert "date" not in updated.vocab_dict and "date" in updated.ids  # no passage holds it any more
    assert updated.query_vector(["date"]) == {}
    assert updated.document_frequency([updated.ids["banana"], updated.ids["apple"]]) == [1, 3]


def test_a_lexicon_reads_back_as_it_was_written(tmp_path):
    lex = Lexicon().changed([], [toks(d) for d in DOCS])
    lex.save(tmp_path / "lexicon.json")
    again = load_lexicon(tmp_path / "lexicon.json")
    assert again == lex and again.query_vector(["fig", "apple"]) == pytest.approx(lex.query_vector(["fig", "apple"]))
