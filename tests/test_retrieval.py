import pytest

from conftest import LatinLeaning, mixed_store
from qa.embedding import HashingEmbedder
from qa.errors import SettingsError
from qa.index import open_index
from qa.retrieval import RetrievalSettings, dense_passages, fuse, lexical_passages, retrieve


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
    assert top.dense_rank == 1 and top.lexical_rank == 1 and top.sentence_rank == 1 and top.agreement == 1.0
    assert all(0.0 <= h.agreement <= 1.0 for h in hits)
    assert all(h.agreement == 1.0 for h in retrieve(store, q, None, k=3, settings=RetrievalSettings(method="lexical")))
    assert top.dense_score > 0 and top.lexical_score > 0
    # score fusion: first in all three lists -> every normalised score is 1, shares add to 1
    assert top.score == pytest.approx(1.0)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert top.text == store.passages[top.passage_id].text


def test_score_fusion_by_hand():
    lists = {"dense": [(1, 0.9), (2, 0.5), (3, 0.4)], "sentence": [(2, 0.8), (1, 0.6)], "lexical": [(3, 10.0), (2, 5.0)]}
    fused = fuse(lists, RetrievalSettings(lexical_share=0.6, sentence_share=0.5))
    # dense min-max: 1 -> 1.0, 2 -> 0.2, 3 -> 0.0; sentence: 2 -> 1.0, 1 -> 0.0; lexical / top: 3 -> 1.0, 2 -> 0.5
    assert fused[1] == pytest.approx(0.2 * 1.0)
    assert fused[2] == pytest.approx(0.2 * 0.2 + 0.2 * 1.0 + 0.6 * 0.5)
    assert fused[3] == pytest.approx(0.6 * 1.0)


def test_dense_agreement_by_hand():
    from qa.retrieval import dense_agreement

    lists = {"dense": [(1, 0.9), (2, 0.5), (3, 0.4)], "sentence": [(2, 0.8), (1, 0.6)]}
    agreement = dense_agreement(lists)
    # dense min-max: 1 -> 1.0, 2 -> 0.2, 3 -> 0.0; sentence: 2 -> 1.0, 1 -> 0.0; a list that misses a passage gives 0
    assert agreement(1) == pytest.approx(0.5) and agreement(2) == pytest.approx(0.6) and agreement(3) == 0.0
    assert agreement(9) == 0.0
    assert dense_agreement({"dense": [(4, 0.7)], "sentence": [(4, 0.9)]})(4) == 1.0  # first of both lists
    assert dense_agreement({})(1) == 1.0 and dense_agreement({"dense": []})(1) == 1.0  # no dense search: no say


def test_dense_agreement_within_each_language():
    from qa.retrieval import dense_agreement

    # passages 1 and 2 in Chinese, 7 and 8 in French: a French passage heads the sentence list
    lists = {"dense": [(1, 0.9), (7, 0.85), (2, 0.5), (8, 0.4)], "sentence": [(8, 0.95), (1, 0.8), (7, 0.7), (2, 0.6)]}
    language = {1: "zh", 2: "zh", 7: "fr", 8: "fr"}.get
    assert dense_agreement(lists)(1) < 1.0  # among all, the sentence search puts passage 8 first
    grouped = dense_agreement(lists, language)
    assert grouped(1) == 1.0  # first of both searches among the Chinese passages
    assert grouped(7) == pytest.approx(0.5) and grouped(8) == pytest.approx(0.5)  # first of one, last of the other
    assert dense_agreement({"dense": [(1, 0.9)], "sentence": []}, language)(1) == 1.0


def test_bm25_weighs_less_under_a_model_that_reads_many_languages():
    # passage 1: first by both dense lists, missed by BM25; passage 2: BM25's best, weak by meaning
    lists = {"dense": [(1, 0.9), (2, 0.5), (3, 0.4)], "sentence": [(1, 0.8), (2, 0.5), (3, 0.4)], "lexical": [(2, 9.0), (3, 8.0)]}
    english_only = fuse(lists, RetrievalSettings())
    multilingual = fuse(lists, RetrievalSettings(), multilingual=True)
    assert english_only[1] == pytest.approx(0.4) and multilingual[1] == pytest.approx(0.6)
    assert max(english_only, key=english_only.get) == 2 and max(multilingual, key=multilingual.get) == 1
    # a share given explicitly holds under any model
    assert fuse(lists, RetrievalSettings(lexical_share=0.6), multilingual=True) == english_only


def test_rrf_fusion_by_hand():
    lists = {"dense": [(1, 0.9), (2, 0.5)], "lexical": [(2, 3.0)]}
    fused = fuse(lists, RetrievalSettings(fusion="rrf", rrf_k=60))
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)


def test_a_missing_list_gives_its_share_to_the_other():
    fused = fuse({"lexical": [(7, 2.0)]}, RetrievalSettings())
    assert fused[7] == pytest.approx(1.0)


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


@pytest.mark.parametrize("kwargs", [{"method": "magic"}, {"depth": 0}, {"fusion": "max"}, {"lexical_share": 1.5}])
def test_settings_are_checked(kwargs):
    with pytest.raises(SettingsError):
        RetrievalSettings(**kwargs)


def test_a_passage_in_another_language_takes_its_dense_evidence_in_place_of_bm25():
    # Passage 1 matches the question's words; passage 2 (another language) cannot, but is the closest by meaning.
    lists = {"dense": [(2, 0.9), (1, 0.5), (3, 0.1)], "sentence": [(2, 0.8), (1, 0.6), (3, 0.2)], "lexical": [(1, 7.0), (3, 1.0)]}
    blind = fuse(lists, RetrievalSettings())
    aware = fuse(lists, RetrievalSettings(), foreign={2})
    assert max(blind, key=blind.get) == 1  # BM25 alone decides when languages are ignored
    assert max(aware, key=aware.get) == 2 and aware[2] == pytest.approx(1.0)  # the best dense match, in full
    assert aware[1] == blind[1] and aware[3] == blind[3]  # passages in the question's language are untouched


def test_question_language_prefers_the_documents_languages_and_knows_when_it_is_sure(store):
    from qa.retrieval import question_language

    assert question_language(store, "Wie viele Delegationen kamen im Jahr 2024 nach Taschkent?").language == "de"
    assert question_language(store, "Wie viele Delegationen kamen im Jahr 2024 nach Taschkent?").sure
    assert question_language(store, "DELEGATIONS etaient").language == "fr"  # Basque to the model alone
    assert question_language(store, "2024").language == store.main_language  # no letters: the corpus's language
    assert not question_language(store, "2024").sure


def test_language_offsets_measure_the_lean_and_even_out_only_a_question_in_none_of_the_languages(tmp_path):
    from qa.language import Identified

    mixed = mixed_store(tmp_path)
    assert set(mixed.corpus_languages) == {"zh", "fr"} and mixed.several_languages
    q = "When did the OPEC embargo begin in 1973?"
    qvec = LatinLeaning().embed_query(q)
    offsets = mixed.language_offsets(qvec)
    assert set(offsets) == {"fr", "zh"} and offsets["fr"] > 0.1 > offsets["zh"]  # the lean, measured

    def first(language):
        return retrieve(mixed, q, qvec, 1, RetrievalSettings(method="dense"), language)[0].source

    assert first(Identified("en", 0.9)) == "zh-oil.txt"  # evened out
    assert first(Identified("fr", 0.9)) == "fr-rues.txt"  # asked in a language of the documents: looked for as it is
    assert first(Identified("en", 0.2)) == "fr-rues.txt"  # language not surely known


def test_language_offsets_need_documents_in_several_languages_and_a_multilingual_model(store, tmp_path):
    qvec = HashingEmbedder().embed_query("zebras")
    assert store.language_offsets(qvec) == {} and not store.several_languages  # HashingEmbedder reads no language in particular
    one = tmp_path / "one"
    one.mkdir()
    (one / "fr.txt").write_text(" ".join(f"La rue numéro {i} de Lyon est bordée d'arbres." for i in range(30)) + "\n")
    s, _ = open_index(one, tmp_path / "one-idx", LatinLeaning())
    assert s.corpus_languages == ("fr",) and s.language_offsets(LatinLeaning().embed_query("zebras")) == {}


def test_a_question_in_a_third_language_finds_the_answer_in_a_language_far_from_its_own(tmp_path):
    mixed = mixed_store(tmp_path)
    q = "When did the OPEC embargo begin in 1973?"
    qvec = LatinLeaning().embed_query(q)
    for method in ("dense", "hybrid"):
        raw = retrieve(mixed, q, qvec, 3, RetrievalSettings(method=method, even_languages=False))
        evened = retrieve(mixed, q, qvec, 3, RetrievalSettings(method=method))
        assert raw[0].source == "fr-rues.txt"  # the lean beats the words
        assert evened[0].source == "zh-oil.txt"
    raw_list = dense_passages(mixed, qvec, 3)
    evened_list = dense_passages(mixed, qvec, 3, mixed.language_offsets(qvec))
    assert mixed.passages[raw_list[0][0]].source == "fr-rues.txt"
    assert mixed.passages[evened_list[0][0]].source == "zh-oil.txt" and len(evened_list) == 3


def test_among_documents_in_several_languages_agreement_is_measured_within_a_passages_language(tmp_path):
    # English is one of the documents' languages here, so the question is searched as it is (no offsets); still, a
    # Chinese passage's agreement is measured among the Chinese passages: the French ones the model leans to say
    # nothing of it
    from qa.retrieval import dense_agreement, dense_sentences

    mixed_store(tmp_path)  # the Chinese and French files
    root = tmp_path / "corpus"
    rivers = [f"River number {i} flows north through the quiet valley." for i in range(25)]
    (root / "en-rivers.txt").write_text("\n\n".join(" ".join(rivers[i:i + 5]) for i in range(0, 25, 5)) + "\n")
    mixed, _ = open_index(root, tmp_path / "idx-en", LatinLeaning())
    question = "When did the OPEC embargo begin in 1973?"
    qvec = LatinLeaning().embed_query(question)
    assert mixed.several_languages and "en" in mixed.language_offsets(qvec)  # so its questions are not evened out
    lists = {"dense": dense_passages(mixed, qvec, 50), "sentence": dense_sentences(mixed, qvec, 50)}
    within = dense_agreement(lists, mixed.passage_language)
    oil = next(h for h in retrieve(mixed, question, qvec, 50) if h.source == "zh-oil.txt")
    assert oil.agreement == pytest.approx(within(oil.passage_id))
    assert oil.agreement > dense_agreement(lists)(oil.passage_id)  # among all, the lean to Latin letters drags it down
