"""Sentence scoring: eligibility, the kind of fact a sentence holds, term overlap, the candidates' evidence."""
import pytest

from qa import QA, AnswerSettings
from qa.embedding import HashingEmbedder
from qa.question import analyse_question
from qa.scoring import candidates, conflicting_value, is_content, is_heading, overlap, question_terms, type_match


def one_file_bot(tmp_path, text: str, **answer) -> QA:
    """A QA over a corpus of one file holding `text`, with the fast fake embedder."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text(text)
    return QA(root, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(**answer))


def candidates_for(bot: QA, question: str):
    qvec = bot.embedder.embed_query(question)
    return candidates(bot.store, analyse_question(question), qvec, bot.retrieve(question, k=5), bot.answer_settings)


@pytest.mark.parametrize(
    "text, ok",
    [
        ("[gallery-19115]", False),
        ("UzA", False),
        ("19:09 / 16.12.2024", False),
        ("Related News", False),
        ("Bananas are yellow.", True),
        ("The conference gathered 47 delegations in total.", True),
        ("रिवरसाइड पुस्तकालय 1987 में खुला।", True),  # its vowel signs are letters' marks, not punctuation
        ("इमारत का डिज़ाइन वास्तुकार पाओलो रिनाल्डी ने बनाया था।", True),
        ("特斯拉于 1943 年 1 月 7 日去世。", True),  # a number is one character: a Chinese character is a word
        ("它们是 17,786,419 的大洛杉矶地区和5,105,768人口的圣地亚哥-提华纳地区。", True),
        # two words and a number make a sentence where words take their endings (Indonesian, Turkish, Korean) ...
        ("Panjangnya 340 kilometer.", True),
        ("Uzunluğu 340 kilometredir.", True),
        ("길이는 340킬로미터이다.", True),
        ("È lungo 340 chilometri.", True),  # (a word of one letter is no word)
        # ... but not two words alone, nor two words and a number that do not end as a sentence
        ("Read more.", False),
        ("Page 2 of 10", False),
        ("Panjangnya kilometer.", False),
        ("2 verbrannt wird.", False),
    ],
)
def test_is_content(text, ok):
    assert is_content(text) is ok


def test_is_heading():
    assert is_heading("Shavkat Mirziyoyev to visit Russia for CIS and EAEU summit meetings")
    assert not is_heading("Shavkat Mirziyoyev will visit Russia.")


def test_type_match_dates_weekdays_and_ordinals():
    assert type_match("date", "He spoke in Tashkent on Wednesday.", {"what", "day"}) == 1.0
    # the month is named by the question, the days beside it are the answer
    assert type_match("date", "On September 4-5, Tashkent hosts the conference.", {"which", "days", "of", "september"}) == 1.0
    assert type_match("date", "The 17th exhibition opens.", set()) == 0.0  # a rank, not a date
    assert type_match("date", "Room 12 is open.", set()) == 0.5  # a bare number may be a date


def test_type_match_amounts_want_a_currency():
    assert type_match("money", "The exercise cost $2 million.", set()) == 1.0
    assert type_match("money", "Le budget était de 40 millions d'euros.", set()) == 1.0
    assert type_match("money", "It cost 40 million.", set()) == 0.5  # an amount without a currency may be a count
    assert type_match("money", "It was held in 2024.", set()) == 0.0  # a year is no amount
    assert type_match("number", "Visitors came in 2026.", set()) == 0.0  # nor a count
    assert type_match("money", "It was held in spring.", set()) == 0.0


def test_overlap_gives_borrowed_terms_partial_credit():
    qterms = {"azizov": 2.0, "tashkent": 2.0}
    assert overlap(qterms, {"tashkent"}, 0.7)[0] == 0.5
    share, covered = overlap(qterms, {"tashkent"}, 0.7, borrowed={"azizov"}, borrowed_credit=0.7)
    assert share == pytest.approx((2.0 + 0.7 * 2.0) / 4.0)
    assert covered == {"azizov", "tashkent"}


def test_a_sentence_opening_with_a_pronoun_borrows_its_antecedents_terms(tmp_path):
    bot = one_file_bot(
        tmp_path,
        "Chairman Azizov opened the conference of security services in Tashkent. "
        "He was speaking on Wednesday before the delegations.\n\n"
        "The weather was mild. It rained on Wednesday in the afternoon.\n",
    )
    c = candidates_for(bot, "On which day was Azizov speaking?")
    by_text = {bot.store.sentences[sid].text: i for i, sid in enumerate(c.sids)}
    he = by_text["He was speaking on Wednesday before the delegations."]
    it = by_text["It rained on Wednesday in the afternoon."]
    assert "azizov" in c.covered[he] and "azizov" not in c.covered[it]
    assert c.overlap[he] > c.overlap[it]


def test_a_pronoun_of_a_language_whose_pronouns_are_other_languages_words_counts_in_a_file_of_that_language():
    """Ukrainian "Його" opens a sentence that points back; "To" opens an English sentence that does not."""
    from types import SimpleNamespace

    from qa.scoring import pronoun_antecedent

    def store(language, *texts):
        return SimpleNamespace(sentences=[SimpleNamespace(text=t, source="a.txt") for t in texts], language_of=lambda source: language)

    uk = store("uk", "Свято врожаю відбувається щовересня в містечку Мірен.", "Його заснували місцеві фермери у 1952 році.")
    assert pronoun_antecedent(uk, 1) == 0
    pl = store("pl", "Święto plonów odbywa się we wrześniu.", "To święto założyli rolnicy.")
    assert pronoun_antecedent(pl, 1) == 0
    en = store("en", "The harvest festival takes place in September.", "To the north lies the river.")
    assert pronoun_antecedent(en, 1) is None
    el = store("el", "Ο Βέλνα είναι ποταμός.", "Ο ποταμός έχει μήκος 340 χιλιόμετρα.")  # "Ο" is the article
    assert pronoun_antecedent(el, 1) is None


def test_type_match_ignores_what_the_question_already_names():
    assert type_match("number", "There were 47 delegations.", {"how", "many", "delegations"}) == 1.0
    assert type_match("number", "In 2024 there were delegations.", {"2024", "delegations"}) == 0.0
    assert type_match("date", "It opened on 4 September.", set()) == 1.0
    assert type_match("person", "The address was read by Viktor Makhmudov.", {"who", "read"}) == 1.0


@pytest.mark.parametrize(
    "question, text, conflict",
    [
        ("Which city will host the eleventh conference?", "Tashkent hosts the Tenth International Conference.", True),
        ("Which city will host the eleventh conference?", "The eleventh conference will be held in Minsk.", False),
        ("Which city will host the 11th conference?", "Tashkent hosts the 10th conference.", True),
        ("How many attacks were prevented in 2023?", "The strategy for 2021-2026 was adopted.", True),
        ("How many attacks were prevented in 2023?", "In 2023, 14 attacks were prevented.", False),
        ("How many attacks were prevented in 2023?", "Many attacks were prevented.", False),  # silent, not conflicting
        ("Who spoke at the conference?", "The 2024 conference heard Azizov.", False),  # the question names no value
    ],
)
def test_conflicting_value(question, text, conflict):
    assert conflicting_value(analyse_question(question), text) is conflict


@pytest.mark.parametrize(
    "question, text, conflict",
    [
        ("Qui était la 2ème épouse du roi ?", "Anne Boleyn, deuxième femme du roi.", False),  # the same rank, spelt two ways
        ("Which city will host the 11th conference?", "The eleventh conference is in Minsk.", False),
        ("When did they win the championship prior to 2000?", "They won the championship in 1946.", False),  # a bound
        ("What happened after 1990?", "In 1992 the treaty was signed.", False),
        ("Qui est le premier ministre en 2008 ?", "Gilani devient le deuxième chef du gouvernement en 2008.", False),
    ],
)
def test_conflicting_value_compares_values_not_spellings(question, text, conflict):
    assert conflicting_value(analyse_question(question), text) is conflict


def test_candidates_mark_sentences_naming_another_year(tmp_path):
    bot = one_file_bot(
        tmp_path,
        "The 2024 summit of the league was held in the northern city.\n\n"
        "The 2026 summit of the league will be held in the southern port.\n",
        min_confidence=0.0,
    )
    question = "Where will the 2026 summit of the league be held?"
    c = candidates_for(bot, question)
    marks = {bot.store.sentences[sid].text: float(x) for sid, x in zip(c.sids, c.conflict)}
    assert marks == {
        "The 2024 summit of the league was held in the northern city.": 1.0,
        "The 2026 summit of the league will be held in the southern port.": 0.0,
    }
    assert "southern port" in bot.answer(question).text.split("[")[0]



def test_every_sentence_of_a_passage_carries_the_passages_dense_similarity(tmp_path):
    import numpy as np

    from qa.scoring import calibrated, combine, dense_background

    root = tmp_path / "corpus"
    root.mkdir()
    (root / "orchard.txt").write_text("The orchard grows apples on the hill. The harvest came in late that year.\n")
    (root / "bakery.txt").write_text("The bakery on the square sells bread. Its ovens are lit before dawn.\n")
    bot = QA(root, tmp_path / "idx", model=HashingEmbedder())
    question = "When did the apple harvest of the orchard come in?"
    qvec = bot.embedder.embed_query(question)
    c = candidates_for(bot, question)
    store = bot.store
    expected = calibrated(np.asarray(store.passage_vectors[[store.sentences[sid].passage for sid in c.sids]]) @ qvec,
                          dense_background(store, qvec))
    assert np.allclose(c.passage_dense, expected)
    by_passage = {}
    for sid, value in zip(c.sids, c.passage_dense):
        by_passage.setdefault(store.sentences[sid].passage, set()).add(round(float(value), 6))
    assert len(by_passage) == 2 and all(len(v) == 1 for v in by_passage.values())
    asked = analyse_question(question)
    with_it, without = combine(c, asked, bot.answer_settings), combine(c, asked, AnswerSettings(passage_dense_weight=0.0))
    assert np.allclose(with_it - without, c.passage_dense)


@pytest.mark.parametrize("field", ["brief_ratio", "partial_credit", "antecedent_credit", "context_term_weight", "duplicate_word_share", "context_credit"])
def test_credits_are_shares(field):
    from qa.errors import SettingsError

    with pytest.raises(SettingsError, match=field):
        AnswerSettings(**{field: 1.5})


def test_type_match_names_only_where_the_script_has_capitals():
    assert type_match("person", "The speech was given by Sergei Lavrov.", {"who"}) == 1.0
    assert type_match("person", "Речь произнёс Сергей Лавров.", {"кто"}) == 1.0
    # a Latin acronym inside Chinese text is not a name; Chinese names have no capitals to be seen by
    assert type_match("person", "该活动由NFL主办，并在加州举行。", {"who"}) == 0.0
    assert type_match("person", "ألقى الكلمة وزير الخارجية.", set()) == 0.0


def test_a_chinese_question_is_not_held_to_its_seam_bigrams(tmp_path):
    # 守丢 (the seam of 防守 and 丢了) is in no sentence: counted, it would lower every Chinese sentence's overlap alike
    bot = one_file_bot(tmp_path, "黑豹队的防守只丢了308分，排名联盟第六。\n\n野马队的进攻在第四节得到了十一分。\n")
    asked = analyse_question("黑豹队的防守丢了多少分？")
    weights = question_terms(bot.store, asked, None, bot.answer_settings)
    assert "守丢" in asked.terms and "守丢" not in weights and {"防守", "丢了"} <= set(weights)
    c = candidates(bot.store, asked, bot.embedder.embed_query(asked.text), bot.retrieve(asked.text, k=5), bot.answer_settings)
    best = max(range(len(c.sids)), key=lambda i: c.overlap[i])
    assert bot.store.sentences[c.sids[best]].text.startswith("黑豹队的防守") and c.overlap[best] > 0.8


def test_a_sentence_in_a_language_far_from_the_questions_is_measured_against_its_own_languages_background(tmp_path):
    import numpy as np

    from conftest import LatinLeaning, mixed_store
    from qa.retrieval import RetrievalSettings, question_language, retrieve
    from qa.scoring import calibrated, dense_background, score_sentences

    store = mixed_store(tmp_path)
    question = "When did the OPEC embargo begin in 1973?"
    qvec = LatinLeaning().embed_query(question)
    language = question_language(store, question)
    assert language.language == "en" and language.sure
    asked = analyse_question(question, language)
    hits = retrieve(store, question, qvec, 5, RetrievalSettings(), language)
    oil = next(sid for sid in range(len(store.sentences)) if "OPEC" in store.sentences[sid].text)
    even = {s.sid: s for s in score_sentences(store, asked, qvec, hits, AnswerSettings())}
    raw = {s.sid: s for s in score_sentences(store, asked, qvec, hits, AnswerSettings(even_languages=False))}
    cosine = float(store.sentence_vectors[oil] @ qvec)
    background = dense_background(store, qvec)
    assert raw[oil].dense == pytest.approx(float(calibrated(np.array([cosine]), background)[0]), abs=1e-6)
    level = background + store.language_offsets(qvec)["zh"]
    assert even[oil].dense == pytest.approx(float(calibrated(np.array([cosine]), level)[0]), abs=1e-6)
    assert even[oil].dense > raw[oil].dense  # Chinese sits below the documents' mixed background for an English question
    best_even = max(even.values(), key=lambda s: s.score)
    best_raw = max(raw.values(), key=lambda s: s.score)
    assert best_even.sid == oil and best_raw.sid != oil


def test_a_question_in_a_language_of_the_documents_keeps_its_own_languages_sentences_at_the_documents_level(tmp_path):
    import numpy as np

    from conftest import LatinLeaning, mixed_store
    from qa.language import Identified
    from qa.retrieval import RetrievalSettings, retrieve
    from qa.scoring import calibrated, candidates, dense_background

    store = mixed_store(tmp_path)
    question = "Quand l'embargo de l'OPEC a-t-il commencé en 1973 ?"
    qvec = LatinLeaning().embed_query(question)
    asked = analyse_question(question, Identified("fr", 0.9))
    hits = retrieve(store, question, qvec, 10, RetrievalSettings(method="dense"), Identified("fr", 0.9))  # every passage
    c = candidates(store, asked, qvec, hits, AnswerSettings(passages=10))
    background, offsets = dense_background(store, qvec), store.language_offsets(qvec)
    for sid, dense in zip(c.sids, c.dense):
        lang = store.language_of(store.sentences[sid].source)
        level = background if lang == "fr" else background + offsets[lang]
        assert dense == pytest.approx(float(calibrated(np.array([float(store.sentence_vectors[sid] @ qvec)]), level)[0]), abs=1e-6)
    assert {store.language_of(store.sentences[sid].source) for sid in c.sids} == {"fr", "zh"}
