import pytest

from qa.embedding import HashingEmbedder
from qa.errors import SettingsError
from qa.index import open_index
from qa.retrieval import RetrievalSettings, dense_passages, lexical_passages, retrieve


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "fr.txt").write_text("Les délégations étaient au nombre de quarante-sept au total.\n")
    (root / "en.txt").write_text("The orchestra played a symphony in the evening.\n")
    (root / "mix.txt").write_text("Zebras and giraffes live on the savanna of Africa.\n")
    s, _ = open_index(root, tmp_path / "idx", HashingEmbedder())
    return s


def test_lexical_folds_case_and_accents(store):
    ranked = lexical_passages(store, "DELEGATIONS etaient", 10)
    assert ranked and store.passages[ranked[0][0]].source == "fr.txt"


def test_lexical_with_no_known_term_finds_nothing(store):
    assert lexical_passages(store, "quantum chromodynamics", 10) == []


def test_dense_ranks_by_cosine(store):
    qvec = HashingEmbedder().embed_query("giraffes savanna")
    ranked = dense_passages(store, qvec, 3)
    assert store.passages[ranked[0][0]].source == "mix.txt"
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_hybrid_hits_carry_each_retrievers_rank_and_score(store):
    q = "orchestra symphony"
    hits = retrieve(store, q, HashingEmbedder().embed_query(q), k=3)
    top = hits[0]
    assert top.source == "en.txt"
    assert top.dense_rank == 1 and top.lexical_rank == 1 and top.sentence_rank == 1
    assert top.dense_score > 0 and top.lexical_score > 0
    # reciprocal rank fusion: 1/(60+1) from each of the three lists
    assert top.score == pytest.approx(3 / 61)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert top.text == store.passages[top.passage_id].text


def test_fusion_rewards_agreement():
    # a passage ranked 2nd by all three lists beats one ranked 1st by one list only
    assert 3 / (60 + 2) > 1 / (60 + 1)


@pytest.mark.parametrize("method", ["dense", "lexical"])
def test_single_retriever_methods(store, method):
    q = "zebras giraffes"
    hits = retrieve(store, q, HashingEmbedder().embed_query(q), k=2, settings=RetrievalSettings(method=method))
    assert hits[0].source == "mix.txt"
    if method == "dense":
        assert hits[0].lexical_rank is None and hits[0].dense_rank == 1
    else:
        assert hits[0].dense_rank is None and hits[0].lexical_rank == 1


def test_k_larger_than_the_corpus(store):
    q = "anything at all about Africa"
    assert len(retrieve(store, q, HashingEmbedder().embed_query(q), k=50)) == len(store.passages)


@pytest.mark.parametrize("kwargs", [{"method": "magic"}, {"depth": 0}])
def test_settings_are_checked(kwargs):
    with pytest.raises(SettingsError):
        RetrievalSettings(**kwargs)
