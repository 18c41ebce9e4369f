"""Question analysis: the kind of answer asked for, the words left out of matching, the years and ranks named."""
import pytest

from qa.question import analyse_question
from qa.language import Identified


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
        # the first cue decides: a "who" question that mentions "when" still asks for a person
        ("Who read out the address when the event opened?", "person"),
        ("When did the man who founded it die?", "date"),
        ("On which days of September did the conference run?", "date"),
        ("On what day of the week did he speak?", "date"),
        ("Quel jour de la semaine a-t-il parlé ?", "date"),
        ("What is the population of Uzbekistan?", "number"),
        ("What was the budget of the exercise?", "money"),
        ("How much did the new stadium cost?", "money"),
        ("Combien coûte l'entrée ?", "money"),
        ("Quel est le prix d'entrée ?", "money"),
        ("How much of the land is forest?", "number"),
        ("Which city will host the next conference?", "place"),
        ("Quelle ville a accueilli la conférence ?", "place"),
        # a question opening with "what"/"which"/"quel" asks what it asks there; a later "when" opens a clause
        ("What was the tribe of the woman he married when he was 16?", None),
        ("Quelle était la tribu de sa femme quand il avait 16 ans ?", None),
        # ... and a clause before the question does not ask anything
        ("When many people are arrested, what is a common tactic?", None),
        ("In 1990, when did it open?", "date"),
        ("Wie lang ist der Turm?", "number"),
    ],
)
def test_question_type(question, kind):
    assert analyse_question(question).kind == kind


@pytest.mark.parametrize(
    "question, ignored",
    [
        ("In which city were the conferences held?", {"city"}),
        ("On what day of the week did he speak?", {"day", "week"}),
        ("Roughly how many delegations took part altogether?", {"roughly", "altogether"}),
        ("What year did the city council vote?", {"year"}),  # "city" is what is asked about here
        ("Environ combien de représentants sont venus ?", {"environ", "combien"}),
        ("Quelle ville a accueilli la conférence ?", {"quelle", "ville"}),
        ("How many delegations took part?", set()),
    ],
)
def test_words_naming_the_kind_of_answer_are_not_terms_to_match(question, ignored):
    assert analyse_question(question).ignored == ignored


@pytest.mark.parametrize(
    "question, language, interrogative, term",
    [
        ("Warum verließ Tesla die Firma von Edison?", "de", "warum", "tesla"),
        ("Wofür wurde das Preisgeld verwendet?", "de", "wofur", "preisgeld"),
        ("Waarom verliet Tesla het bedrijf van Edison?", "nl", "waarom", "tesla"),
        ("Почему Тесла ушёл из компании Эдисона?", "ru", "почему", "тесл"),
        ("¿Cuántos delegados asistieron a la conferencia?", "es", "cuantos", "deleg"),
    ],
)
def test_interrogatives_the_stop_words_miss_are_not_terms_to_match(question, language, interrogative, term):
    q = analyse_question(question, Identified(language, 0.99))
    assert q.language == language and interrogative in q.ignored
    assert term in q.terms and not any(t.startswith(interrogative[:4]) for t in q.terms)


def test_another_languages_interrogative_stays_a_word():
    # "quando" asks "when" in Italian; in a question in another language it is whatever it says there
    q = analyse_question("Who wrote the song Quando Quando Quando?", Identified("en", 0.99))
    assert "quando" not in q.ignored and "quando" in q.terms


@pytest.mark.parametrize(
    "question, clock",
    [
        ("At what time did the conference open on September 4?", True),
        ("What time does the museum close?", True),
        ("À quelle heure commence la garde ?", True),
        ("Um wie viel Uhr begann die Sitzung?", True),
        ("¿A qué hora empezó la conferencia?", True),
        ("Во сколько открылась конференция?", True),
        ("会议几点开始？", True),
        ("When did the conference open?", False),
        ("What time frame does the Seven Years War cover?", False),
        ("How many hours did the address last?", False),
    ],
)
def test_a_question_asking_for_a_time_of_day(question, clock):
    asked = analyse_question(question)
    assert asked.clock == clock
    if clock:
        assert asked.kind == "date"  # a time of day is a date, more precisely asked


@pytest.mark.parametrize(
    "question, thing",
    [
        ("In which hotel did the foreign delegations stay?", ("hotel",)),
        ("What award has Marlee Matlin won?", ("award",)),
        ("Dans quel hôtel les délégations ont-elles séjourné ?", ("hôtel",)),
        ("In welchem Hotel wohnten die Delegationen?", ("Hotel", "wohnten")),
        ("Which city will host the next conference?", ()),  # a kind of answer: a place
        ("What type of beings does the Doctor take along?", ()),  # generic
        ("What is septicemia?", ()),
        ("Who founded the museum?", ()),
        ("塔什干会议在哪家酒店举行？", ()),  # no rule for Chinese
        ("What is the name of the quarterback who was 38 in Super Bowl XXXIII?", ("quarterback",)),  # "the name of X"
        ("Quel est le nom de l’hôtel où logeaient les délégations ?", ("hôtel",)),
        ("What was the name of Wesley's famous sermon?", ("famous", "sermon")),  # the possessor is not the thing
    ],
)
def test_the_thing_a_which_question_asks_to_pick_out(question, thing):
    assert analyse_question(question).thing == thing


@pytest.mark.parametrize(
    "question, naming",
    [
        ("What was the museum originally called?", True),
        ("What is the hymn known as in English?", True),
        ("Comment s'appelle le fleuve qui traverse Paris ?", True),
        ("Wie heißt der Fluss, der durch Berlin fließt?", True),
        ("What did the museum collect?", False),
        ("Who was called to the bar in 1890?", False),  # a person is asked for: the person rules answer
        ("Why was this short termed organization created?", False),  # a name never answers why
    ],
)
def test_a_question_that_asks_what_something_is_called(question, naming):
    assert analyse_question(question).naming is naming


@pytest.mark.parametrize(
    "question, year",
    [
        ("What year did Tesla die?", True),
        ("In which year was the gallery closed?", True),
        ("En quelle année la stratégie a-t-elle été adoptée ?", True),
        ("In welchem Jahr wurde er geboren?", True),
        ("В каком году он родился?", True),
        ("When did Tesla die?", False),
        ("How many years did the war last?", False),
        ("What was the budget of the year?", False),
    ],
)
def test_a_question_asking_for_a_year(question, year):
    assert analyse_question(question).year == year


def test_a_question_is_read_once_into_a_record():
    q = analyse_question("Roughly how many journalists attended the 11th conference in 2024?")
    assert q.kind == "number" and q.asks_fact
    assert q.counted == {"journalist"}
    assert q.asked_values == {("rank", 11), ("year", 2024)}
    assert "roughly" in q.ignored and "roughly" in q.words
    assert "journalist" in q.terms and not any(t.startswith("rough") for t in q.terms)
    assert q.language == "en"
    assert analyse_question("Combien de délégations ont participé ?").language == "fr"


def test_a_question_in_a_script_without_spaces_writes_every_stretch_of_its_runs():
    q = analyse_question("约翰·埃尔维参加第 33 届超级碗时多大？", Identified("zh", 0.99))
    assert {"33", "届", "超级碗", "埃尔维"} <= q.words and "33 届" not in q.words
    assert analyse_question("How old was Elway?").words == {"how", "old", "was", "elway"}


@pytest.mark.parametrize(
    "question, kind",
    [
        ("ヴェルナ川の長さはどれくらいですか？", "number"),
        ("ヴェルナ川の長さはどのくらいですか？", "number"),  # its voicing mark once kept the cue from matching
        ("図書館の建物を設計したのはだれですか？", "person"),
        ("リバーサイド図書館はいつ開館しましたか？", "date"),
    ],
)
def test_japanese_cues_with_voiced_kana_are_seen(question, kind):
    assert analyse_question(question, Identified("ja", True)).kind == kind


def test_a_japanese_questions_kana_endings_are_not_terms_to_match():
    asked = analyse_question("ヴェルナ川の長さはどれくらいですか？", Identified("ja", True))
    assert "長さ" in asked.terms and "ヴェ" in asked.terms
    assert not {"すか", "です", "くら", "らい"} & set(asked.terms)


@pytest.mark.parametrize(
    "lang, question, cue",
    [
        ("pl", "Ile mostów przecina Velnę?", "ile"),
        ("cs", "Kolik návštěvníků přišlo na dožínky?", "kolik"),
        ("fi", "Kuinka monta vierailijaa juhlilla kävi?", "kuinka"),
        ("hu", "Hány látogató érkezett az aratóünnepre?", "hany"),
        ("hi", "वेल्ना नदी पर कितने पुल हैं?", "कितने"),
        ("bn", "ভেলনা নদীর ওপর কয়টি সেতু আছে?", "কয়টি"),
        ("vi", "Có bao nhiêu cây cầu bắc qua sông Velna?", "nhiêu"),
        ("sw", "Ni madaraja mangapi yanayovuka Mto Velna?", "mangapi"),
        ("ko", "벨나강을 가로지르는 다리는 몇 개인가요?", None),
    ],
)
def test_how_many_in_a_language_with_no_other_cue_asks_for_a_number_and_is_no_term(lang, question, cue):
    asked = analyse_question(question, Identified(lang, True))
    assert asked.kind == "number"
    assert cue is None or not any(cue in t or t in cue for t in asked.terms)


def test_a_count_cue_is_read_only_in_a_question_of_its_language():
    """Polish "ile" is the French "île" folded."""
    assert analyse_question("Sur quelle île est né Napoléon ?", Identified("fr", True)).kind != "number"
    assert analyse_question("Ile mostów przecina Velnę?", Identified("pl", True)).kind == "number"


@pytest.mark.parametrize(
    "lang, question, asked",
    [
        ("pl", "Kto zaprojektował budynek biblioteki?", "kto"),
        ("cs", "Kdo navrhl budovu knihovny?", "kdo"),
        ("fi", "Kuka suunnitteli kirjaston rakennuksen?", "kuka"),
        ("he", "מי תכנן את בניין הספרייה?", "מי"),
        ("fa", "چه کسی ساختمان کتابخانه را طراحی کرد؟", "کسی"),
        ("bn", "কে গ্রন্থাগার ভবনের নকশা করেছিলেন?", "কে"),
        ("hi", "पुस्तकालय भवन का डिज़ाइन किसने किया?", "किसने"),
        ("ro", "Cine a proiectat clădirea bibliotecii?", "cine"),
        ("vi", "Ai đã thiết kế tòa nhà thư viện?", "ai"),
    ],
)
def test_the_interrogatives_of_languages_without_stop_words_are_not_terms_to_match(lang, question, asked):
    """bm25s has no stop words for these languages: a question word no passage holds was the question's heaviest term."""
    from qa.lexical import terms as terms_of

    found = analyse_question(question, Identified(lang, True)).terms
    assert terms_of(asked, lang)[0] in terms_of(question, lang)  # a term by the language's rules alone
    assert terms_of(asked, lang)[0] not in found and len(found) >= 2


def test_ranks_a_passage_writes():
    from qa.question import ranks_written

    assert ranks_written("Au XIVe siècle, sous François Ier, Louis XIV et la Première Guerre") == {14, 1}
    assert ranks_written("World War II ended; the 3rd and the eleventh came later; le premier rang") == {2, 3, 11, 1}
    # single capitals are words ("Le", "Ce", "I"), capital words are not numerals, and numerals are written as they should be
    assert ranks_written("Le Ce I CIVIL LIVE IIII VX XIIV") == set()
