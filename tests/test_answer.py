"""compose_answer: quotes with exact citations, duplicates cited once, abstentions, settings."""
import re
from dataclasses import replace
from pathlib import Path

import pytest

from qa import QA, AnswerSettings
from qa.embedding import HashingEmbedder


def one_file_bot(tmp_path, text: str, **answer) -> QA:
    """A QA over a corpus of one file holding `text`, with the fast fake embedder."""
    root = tmp_path / "corpus"
    root.mkdir(parents=True)
    (root / "a.txt").write_text(text)
    return QA(root, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(**answer))


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


def test_confidence_mix_is_a_setting(corpus, tmp_path):
    question = "How many kilograms of apples did the farmers harvest?"
    default = QA(corpus, tmp_path / "idx", model=HashingEmbedder()).answer(question)
    dense_only = QA(
        corpus, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(confidence_overlap_weight=0.0, min_confidence=0.0)
    ).answer(question)
    assert 0.0 < dense_only.confidence < default.confidence


def test_at_most_max_sentences(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder(), answer=AnswerSettings(min_confidence=0.0, max_sentences=1))
    ans = bot.answer("What happened with apples, pears and the violinist?")
    assert len(set(c.quote for c in ans.citations)) == 1


def test_hits_are_cut_to_k(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    assert len(bot.answer("apples", k=1).hits) == 1
    assert len(bot.retrieve("apples", k=2)) == 2


def test_a_pronoun_sentence_without_the_asked_fact_is_quoted_after_its_antecedent(tmp_path):
    bot = one_file_bot(
        tmp_path,
        "The security summit opened on 4 September in the capital. "
        "It gathered delegations from twenty states to discuss security cooperation and border patrols.\n\n"
        "The weather was mild all week and the markets were busy.\n",
        min_confidence=0.0,
    )
    ans = bot.answer("When did the summit that gathered delegations from twenty states to discuss border patrols open?")
    quotes = [c.quote for c in ans.citations]
    pronoun = "It gathered delegations from twenty states to discuss security cooperation and border patrols."
    antecedent = "The security summit opened on 4 September in the capital."
    assert pronoun in quotes
    assert quotes.index(antecedent) == quotes.index(pronoun) - 1
    assert "4 September" in ans.text


def test_a_sentence_in_another_language_than_the_question_joins_the_best_when_it_scores_nearly_as_well():
    from types import SimpleNamespace

    import numpy as np

    from qa.answer import _pick
    from qa.scoring import Scored

    texts = ["该队在比赛中获得冠军并庆祝胜利。", "球队的防守球员表现出色令人印象深刻。"]
    store = SimpleNamespace(
        sentences=[SimpleNamespace(text=t, source="zh.txt") for t in texts], sentence_vectors=np.eye(2, dtype=np.float32)
    )
    settings = AnswerSettings()

    def scored(foreign: bool) -> list[Scored]:
        return [Scored(0, 1.0, 0.5, 0.5, frozenset(), 0.0, foreign), Scored(1, 0.95, 0.48, 0.48, frozenset(), 0.0, foreign)]

    # Words of another language cannot show what the second adds: it rides along.
    assert [s.sid for s in _pick(store, scored(True), settings)] == [0, 1]
    # In the question's language a second sentence must add a term, a fact of the asked kind or a name.
    assert [s.sid for s in _pick(store, scored(False), settings)] == [0]


def test_a_second_sentence_scoring_fairly_well_joins_only_while_the_answer_stays_brief():
    from types import SimpleNamespace

    import numpy as np

    from qa.answer import _pick
    from qa.scoring import Scored

    def pick(second: str, score: float) -> list[int]:
        texts = ["The summit opened in the capital on Monday.", second]
        store = SimpleNamespace(
            sentences=[SimpleNamespace(text=t, source="a.txt") for t in texts], sentence_vectors=np.eye(2, dtype=np.float32)
        )
        ranked = [Scored(0, 1.0, 0.5, 0.5, frozenset({"summit"}), 0.0), Scored(1, score, 0.3, 0.3, frozenset({"delegations"}), 0.0)]
        return [s.sid for s in _pick(store, ranked, AnswerSettings(extra_ratio=0.88, brief_ratio=0.6, brief_words=30))]

    short = "Forty delegations came."
    long = "Forty delegations came from every region of the country, " * 3
    assert pick(short, 0.7) == [0, 1]  # 7 + 3 words: brief, it joins
    assert pick(long, 0.7) == [0]  # too long for a sentence scoring 0.7 of the best
    assert pick(long, 0.9) == [0, 1]  # nearly as good as the best: joins whatever its length
    assert pick(short, 0.5) == [0]  # below brief_ratio


def test_short_answer_points_into_the_file(corpus, tmp_path):
    bot = QA(corpus, tmp_path / "idx", model=HashingEmbedder())
    ans = bot.answer("How many kilograms of apples did the farmers harvest?")
    assert ans.short is not None and ans.short.text == "4200 kilograms"
    cited = next(c for c in ans.citations if c.number == ans.short.citation)
    text = (corpus / ans.short.source).read_text()
    assert text[ans.short.start : ans.short.end] == "4200 kilograms" and cited.start <= ans.short.start < cited.end


def test_a_number_question_whose_sentences_state_none_is_refused_naming_what_they_mention(tmp_path):
    text = "The harvest festival of Lindow drew farmers from every village.\nThe apples of Lindow were sold at the market.\n"
    asked = "How many apples did the Lindow farmers sell at the market?"
    strict = one_file_bot(tmp_path / "a", text, min_confidence=0.3, reading_weight=0.0)
    ans = strict.answer(asked)
    assert ans.text is None and ans.short is None
    assert re.search(r"the documents mention .*(apples|Lindow).* but not the number asked for", ans.reason)
    # without the rule the same sentence is quoted, with a confidence twice as high (the reader's reading aside)
    lenient = one_file_bot(tmp_path / "b", text, min_confidence=0.0, unstated_fact_factor=1.0, reading_weight=0.0)
    quoted = lenient.answer(asked)
    assert quoted.text is not None and quoted.confidence == pytest.approx(2 * ans.confidence)


def test_a_refusal_in_a_script_without_spaces_names_the_words_found_not_the_whole_question(tmp_path):
    text = "東京タワーは1958年に完成した電波塔である。\n設計は内藤多仲が担当した。\n"
    ans = one_file_bot(tmp_path, text, min_confidence=0.99).answer("東京タワーの入場料はいくらですか？")
    assert ans.text is None
    # the question is one run of letters: what the sentences hold of it is 東京タワー, not the run
    assert re.search(r"the documents mention 東京タワー but not the amount asked for", ans.reason), ans.reason


def test_a_time_of_day_question_whose_sentences_give_only_the_day_is_refused(tmp_path):
    text = "The Lindow harvest festival opened on 4 September in the market square.\nThe festival of Lindow lasted three days.\n"
    asked = "At what time did the Lindow harvest festival open on 4 September?"
    ans = one_file_bot(tmp_path / "a", text, min_confidence=0.3, reading_weight=0.0).answer(asked)
    assert ans.text is None
    assert re.search(r"the documents mention .*(festival|Lindow).* but not the time of day asked for", ans.reason)
    timed = text.replace("on 4 September", "on 4 September at 10:30")
    found = one_file_bot(tmp_path / "b", timed, min_confidence=0.3).answer(asked)
    assert found.text is not None and found.short.text == "10:30"
    # without the rule the day-only sentence is quoted, with a confidence twice as high (the reader's reading aside)
    lenient = one_file_bot(tmp_path / "c", text, min_confidence=0.0, unstated_fact_factor=1.0, reading_weight=0.0).answer(asked)
    assert lenient.text is not None and lenient.confidence == pytest.approx(2 * ans.confidence)


def test_a_name_no_passage_in_its_language_writes_lowers_confidence(tmp_path):
    text = "The battle of Stirling Bridge was won by the Scots in 1297.\n"
    bot = one_file_bot(tmp_path / "a", text, min_confidence=0.0, reading_weight=0.0)  # (the reader's reading aside)
    named = bot.answer("Who won the battle of Stirling Bridge?")
    other = one_file_bot(tmp_path / "b", text, min_confidence=0.0, unnamed_name_factor=1.0, reading_weight=0.0).answer("Who won the battle of Bannockburn?")
    lowered = bot.answer("Who won the battle of Bannockburn?")
    assert lowered.confidence == pytest.approx(0.6 * other.confidence)
    assert named.confidence > lowered.confidence
    strict = one_file_bot(tmp_path / "c", text, min_confidence=0.99).answer("Who won the battle of Bannockburn?")
    assert strict.text is None and strict.reason.endswith("no passage names Bannockburn")


@pytest.mark.parametrize(
    "question, passage, source, missing",
    [
        ("Who won the battle of Bannockburn?", "The Scots won at Stirling Bridge.", "scottish-wars.txt", ["Bannockburn"]),
        # the file's name writes what its paragraphs call "she"
        ("Comment madame de Maintenon rencontre-t-elle le roi ?", "Elle rencontre le roi à Saint-Germain.", "madame-de-maintenon.txt", []),
        ("Comment madame de Maintenon rencontre-t-elle le roi ?", "Elle rencontre le roi à Saint-Germain.", "000_ae18acf054cccfff.txt", ["Maintenon"]),
        # a misspelt name is the name the passage writes
        ("Comment est morte Hegwige ?", "La chouette Hedwige meurt dans le septième tome.", "personnages.txt", []),
        ("Quels oeuvres de Guesaldo ont été redécouvertes ?", "Les madrigaux de Gesualdo furent redécouverts.", "a.txt", []),
        # ... but a shorter name one letter apart is another name, and a name is capitalised
        ("Where did Walker live?", "The Walter house stood empty.", "a.txt", ["Walker"]),
        ("Where did Hegwige live?", "The owl hedwige lived there.", "a.txt", ["Hegwige"]),
    ],
)
def test_a_name_is_written_by_a_files_name_or_misspelt(question, passage, source, missing):
    from types import SimpleNamespace

    from qa.answer import unnamed_names
    from qa.question import analyse_question

    assert unnamed_names(analyse_question(question), [SimpleNamespace(text=passage, source=source)]) == missing


def test_a_name_asked_in_another_language_is_written_by_a_files_name():
    from types import SimpleNamespace

    from qa.answer import unwritten_names
    from qa.language import Identified
    from qa.question import analyse_question

    asked = analyse_question("Où a vécu Mélèce après avoir quitté Héraklion ?", Identified("fr", True))
    answer = "He then lived at the monastery of Angarathos."
    assert unwritten_names(asked, [SimpleNamespace(text=answer, source="melece-syrigos.txt")], answer) == []
    assert unwritten_names(asked, [SimpleNamespace(text=answer, source="monasteries.txt")], answer) == ["Mélèce", "Héraklion"]
    # by its words' first letters only: nearly spelled alike, a file's short words are anything ("and", "Grand")
    asked = analyse_question("Quel peuple construit le Grand Zimbabwe ?", Identified("fr", True))
    answer = "Fort Caroline wurde 1564 gegründet."
    assert unwritten_names(asked, [SimpleNamespace(text=answer, source="french-and-indian-war.txt")], answer) == ["Grand Zimbabwe"]
    # a file's name in another script than its text says nothing of how the text writes names
    # (an English question answered in Chinese, by a sentence with more Latin letters than Chinese ones)
    asked = analyse_question("Who was the MVP of the game against the Denver Broncos?", Identified("en", True))
    answer = "Super Bowl 50 的 MVP 是 Von Miller。"
    passage = "超级碗第50届比赛在加利福尼亚州圣克拉拉的李维斯体育场举行。" + answer
    assert unwritten_names(asked, [SimpleNamespace(text=passage, source="super-bowl-50.txt")], answer) == []


def test_a_year_or_rank_no_passage_in_its_language_names_lowers_confidence(tmp_path):
    from types import SimpleNamespace

    from qa.answer import unnamed_values
    from qa.question import analyse_question

    asked = analyse_question("Which city will host the eleventh security conference?")
    tenth = [SimpleNamespace(text="The tenth security conference was held in Tashkent.")]
    assert unnamed_values(asked, tenth) == ["eleventh"]
    assert unnamed_values(asked, [SimpleNamespace(text="The 11th security conference will meet in Minsk.")]) == []
    in_2015 = analyse_question("Who won the cup in 2015?")
    assert unnamed_values(in_2015, [SimpleNamespace(text="2015年的冠军是谁")]) == []  # digits inside a word count
    assert unnamed_values(in_2015, [SimpleNamespace(text="In 20150 BC nobody did.")]) == ["2015"]
    assert unnamed_values(analyse_question("What happened before 1990?"), tenth) == []  # a bound, not a named year
    # passages write ranks in Roman numerals, and as "premier", which a question is not read for ("premier ministre")
    century = analyse_question("Qui défend le château au début du 14ème siècle ?")
    assert unnamed_values(century, [SimpleNamespace(text="Au début du XIVe siècle, Édouard II assiège Stirling.")]) == []
    assert unnamed_values(century, [SimpleNamespace(text="Au début du XIIIe siècle, le château est pris.")]) == ["14eme"]
    first = analyse_question("Quel réseau est à la première place ?")
    assert unnamed_values(first, [SimpleNamespace(text="Le réseau chinois est le premier du monde.")]) == []

    text = "The tenth security conference was held in Tashkent and gathered forty delegations.\n"
    asked_text = "Which city hosted the eleventh security conference?"
    bot = one_file_bot(tmp_path / "a", text, min_confidence=0.0, reading_weight=0.0)  # (the reader's reading aside)
    plain = one_file_bot(tmp_path / "b", text, min_confidence=0.0, unnamed_name_factor=1.0, reading_weight=0.0)
    assert bot.answer(asked_text).confidence == pytest.approx(0.6 * plain.answer(asked_text).confidence)
    refused = one_file_bot(tmp_path / "c", text, min_confidence=0.99).answer(asked_text)
    assert refused.text is None and refused.reason.endswith("no passage names eleventh")


@pytest.mark.parametrize(
    "question, lang, passages, missing",
    [
        # a French question about someone no English passage writes, even nearly
        ("Qui est le père de Jean Riolan le Jeune ?", "fr", ["René de Laudonnière founded Fort Caroline in 1564."], ["Jean Riolan le Jeune"]),
        ("Qui est le père de Jean Riolan le Jeune ?", "fr", ["Jean Ribault charted the St. Johns River."], []),  # a word of it
        # names are translated: a near spelling counts as written ("Poland", "Polen" 0.73)
        ("What is the basic unit of territorial division in Poland?", "en", ["Die Gemeinde ist die Grundeinheit in Polen."], []),
        ("Who fought at the Rhine?", "en", ["Am Rhein kämpften die Römer."], []),
        # one of the names written is enough: the question is about what the passages discuss
        ("When did Luther write On the Babylonian Captivity?", "en", ["Luther schrieb 1520 drei Schriften."], []),
        # names in another script than the passages cannot be looked for; nor can German nouns be told from names
        ("Что сказал Ташкентский губернатор?", "ru", ["The governor of Tashkent spoke first."], []),
        ("Wann wurde die Schlacht von Bannockburn geschlagen?", "de", ["The Scots won at Stirling Bridge."], []),
        # passages without case (Chinese): a Latin name would be transliterated
        ("Who is Jean Riolan?", "en", ["让·里奥兰是一位医生。"], []),
        # an answer in Chinese, beside French passages that never write the name: they say nothing of the Chinese ones
        ("Where did Tesla live for much of his life?", "en", ["特斯拉一生大部分时间住在纽约。", "La rue de Lyon est bordée d'arbres."], []),
        # ... while an answer in Latin letters is checked against the Latin passages, whatever other scripts are read
        ("Who is Jean Riolan?", "en", ["René de Laudonnière founded Fort Caroline.", "让·里奥兰是一位医生。"], ["Jean Riolan"]),
    ],
)
def test_names_a_question_writes_are_looked_for_in_passages_of_any_language_by_near_spelling(question, lang, passages, missing):
    from types import SimpleNamespace

    from qa.answer import unwritten_names
    from qa.language import Identified
    from qa.question import analyse_question

    asked = analyse_question(question, Identified(lang, True))
    # the answer is the first passage's sentence
    assert unwritten_names(asked, [SimpleNamespace(text=t, source=f"{i}.txt") for i, t in enumerate(passages)], passages[0]) == missing


def test_an_answer_in_another_language_is_not_judged_by_the_passages_read_in_the_questions(tmp_path):
    # An English question over Chinese and French articles and one English file about something else: the Chinese
    # sentence answers, and the English passage read beside it, which names neither OPEC nor 1973, says nothing of it
    from conftest import LatinLeaning, mixed_store

    mixed_store(tmp_path)
    (tmp_path / "corpus" / "en-river.txt").write_text("Rivers flow north through the quiet valley.\n")
    question = "When did the OPEC embargo begin in 1973?"
    bots = {factor: QA(tmp_path / "corpus", tmp_path / f"idx-{factor}", model=LatinLeaning(),
                       answer=AnswerSettings(min_confidence=0.0, unnamed_name_factor=factor)) for factor in (0.6, 1.0)}
    assert "en" in bots[0.6].store.corpus_languages
    ans = bots[0.6].answer(question)
    assert ans.citations[0].source == "zh-oil.txt" and "en-river.txt" in {h.source for h in ans.hits}
    assert "no passage names" not in (ans.reason or "")
    assert ans.confidence == pytest.approx(bots[1.0].answer(question).confidence)


PROBE = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "languages"


@pytest.fixture(scope="module")
def probe_bots(tmp_path_factory):
    """QA over the probe's three documents in English and Dutch, with the packaged model and reader."""
    return {lang: QA(PROBE / lang / "corpus", tmp_path_factory.mktemp(f"probe-{lang}")) for lang in ("en", "nl")}


@pytest.mark.slow
@pytest.mark.parametrize(
    "lang, question, expected",
    [
        # "The building was completed in 1911...", after the sentence that names the library
        ("en", "When was the Orlen City Library built?", "1911"),
        # "Tegenwoordig trekt ze jaarlijks zo'n 120.000 bezoekers...", three sentences after the one naming the library
        ("nl", "Hoeveel bezoekers heeft de bibliotheek van Orlen per jaar?", "120.000"),
    ],
)
def test_a_sentence_naming_its_topic_only_through_the_ones_before_it_answers(probe_bots, lang, question, expected):
    bot = probe_bots[lang]
    ans = bot.answer(question)
    assert ans.text is not None, ans.reason
    assert expected in ans.quotes[0].text
    # the terms the sentences before it hold are what lift it over the threshold
    without = replace(bot.answer_settings, context_credit=None)
    from qa.answer import compose_answer

    qvec = bot.embedder.embed_query(question)
    alone = compose_answer(bot.store, question, qvec, bot.retrieve(question, k=bot.answer_settings.passages), without)
    assert alone.text is None and alone.confidence < ans.confidence


@pytest.mark.slow
def test_the_sentences_before_lend_their_terms_only_where_the_reader_reads_the_answer_in_the_best(probe_bots):
    from qa.answer import in_context
    from qa.question import analyse_question
    from qa.reader import Read, default_reader
    from qa.retrieval import question_language
    from qa.scoring import score_sentences

    bot = probe_bots["en"]
    question = "When was the Orlen City Library built?"
    asked = analyse_question(question, question_language(bot.store, question))
    qvec = bot.embedder.embed_query(question)
    scored = score_sentences(bot.store, asked, qvec, bot.retrieve(question, k=5), bot.answer_settings)
    best = next(s for s in scored if "completed in 1911" in bot.store.sentences[s.sid].text)
    reader = default_reader()
    lent = in_context(bot.store, reader, asked, best, bot.answer_settings)
    assert lent.overlap > best.overlap and {"orlen", "librari", "citi"} <= lent.covered  # (stemmed)
    # the reader's span in the sentence before (or no reading at all) lends nothing
    lead = next(s.text for s in bot.store.sentences if s.text.startswith("The Orlen City Library is"))
    elsewhere = type("Elsewhere", (), {"read_many": lambda self, q, texts: [Read(0, 9, 0.9, -8.0) for _ in texts]})()
    assert in_context(bot.store, elsewhere, asked, best, bot.answer_settings) == best
    unsure = type("Unsure", (), {"read_many": lambda self, q, texts: [Read(len(lead) + 30, len(lead) + 34, 0.3, 2.0) for _ in texts]})()
    assert in_context(bot.store, unsure, asked, best, bot.answer_settings) == best
    first = next(s for s in scored if bot.store.sentences[s.sid].text == lead)
    assert in_context(bot.store, reader, asked, first, bot.answer_settings) == first  # nothing comes before it


@pytest.mark.slow
def test_a_markdown_documents_headings_lend_their_terms_to_the_sentences_under_them(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "library.md").write_text(
        "# Orlen City Library\n\n## History\n\nThe building was completed in 1911 to a design by the architect Marta Keller. "
        "A children's reading room was added in 1987.\n\n## Budget\n\nThe total for 2023 was 3.2 million euros, most of it "
        "for staff.\n\n## Visitors\n\nToday it welcomes about 120,000 visitors a year, many of them students.\n"
    )
    bot = QA(root, tmp_path / "idx")
    ans = bot.answer("What was the budget of the Orlen City Library in 2023?")
    assert ans.text is not None, ans.reason
    assert ans.quotes[0].text == "The total for 2023 was 3.2 million euros, most of it for staff."
    assert all(not q.text.startswith("#") for q in ans.quotes)  # a heading is quoted without its marker
    without = QA(root, tmp_path / "idx", answer=replace(bot.answer_settings, context_credit=None))
    assert without.answer("What was the budget of the Orlen City Library in 2023?").text is None


def test_a_refusal_names_no_piece_of_a_word_of_an_alphabet_written_without_spaces():
    from qa.answer import _mentioned
    from qa.language import Identified
    from qa.lexical import terms
    from qa.question import analyse_question
    from qa.scoring import rules_of

    # "How many handwritten books does the Orlen city library hold?": the documents hold the bigram ลา of ลายมือ
    # (handwriting) in other words, and ลายมือ nowhere
    asked = analyse_question("ห้องสมุดเมืองออร์เลนมีหนังสือกี่เล่มที่เขียนด้วยลายมือ", Identified("th", True))
    covered = frozenset(terms("ห้องสมุดเมืองออร์เลน มีหนังสือ ลา", rules_of("th")))
    assert _mentioned(asked, covered, "th") == "ห้องสมุดเมืองออร์เลน มีหนังสือ"
    # a Chinese or Japanese character is a word or a syllable: two of them are said
    asked = analyse_question("東京タワーの入場料はいくらですか", Identified("ja", True))
    assert _mentioned(asked, frozenset({"東京"}), "ja") == "東京"
    assert _mentioned(asked, frozenset({"タワ", "ワー"}), "ja") == "タワー"  # ("ー" is a KATAKANA-HIRAGANA mark)
