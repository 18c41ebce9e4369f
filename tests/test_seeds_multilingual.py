"""The packaged multilingual model over the seed reports (English and French), asked in other languages."""
import pytest

from tests.conftest import assert_quotes_the_files

EN = "000_ae18acf054cccfff.txt"
FR = "004_2bf75eb65d455bd3.txt"

ASKED_ELSEWHERE = [
    # (question, a substring the answer must contain, files of which one must be cited)
    ("Сколько делегаций приняли участие в конференциях?", "47", {EN, FR}),
    pytest.param(
        "塔什干会议共有多少个代表团参加？", "47", {EN, FR},
        marks=pytest.mark.xfail(strict=True, reason="known gap: the English sentence that answers is chosen, but the "
                                "Chinese question's vector is far from it (calibrated similarity 0.22): refused at 0.21"),
    ),
    ("Wie viele Delegationen nahmen an den Konferenzen teil?", "47", {EN, FR}),
    ("¿Cuántas delegaciones participaron en las conferencias?", "47", {EN, FR}),
    ("Кто является первым заместителем председателя Службы государственной безопасности Узбекистана?", "Tursunov", {EN}),
    ("Wer ist der Direktor des Exekutivkomitees der RATS SCO?", "Mirzayev", {EN}),
]


# The same two questions in languages neither the dev sets nor the reader's tuning (French alone) hold: before the
# reader's reading of the quotes weighed in the confidence, the Portuguese and Ukrainian "who" questions were refused
# (0.255, 0.238) and 3 of 44 such questions in 22 languages were answered wrongly; 0 since (docs/evaluation.md)
DELEGATIONS = {
    "pt": "Quantas delegações participaram das conferências?", "it": "Quante delegazioni hanno partecipato alle conferenze?",
    "nl": "Hoeveel delegaties namen deel aan de conferenties?", "pl": "Ile delegacji wzięło udział w konferencjach?",
    "uk": "Скільки делегацій взяли участь у конференціях?", "hi": "सम्मेलनों में कितने प्रतिनिधिमंडलों ने भाग लिया?",
    "id": "Berapa banyak delegasi yang menghadiri konferensi?", "sv": "Hur många delegationer deltog i konferenserna?",
    "th": "มีคณะผู้แทนเข้าร่วมการประชุมกี่คณะ",
}
DIRECTOR = {
    "pt": "Quem é o diretor do Comitê Executivo da RATS da OCX?", "it": "Chi è il direttore del Comitato esecutivo della RATS SCO?",
    "nl": "Wie is de directeur van het uitvoerend comité van RATS SCO?", "pl": "Kto jest dyrektorem Komitetu Wykonawczego RATS SzOW?",
    "uk": "Хто є директором Виконавчого комітету РАТС ШОС?", "hi": "आरएटीएस एससीओ कार्यकारी समिति के निदेशक कौन हैं?",
    "el": "Ποιος είναι ο διευθυντής της Εκτελεστικής Επιτροπής του RATS SCO;", "sv": "Vem är direktör för RATS SCO:s verkställande kommitté?",
    "th": "ใครเป็นผู้อำนวยการคณะกรรมการบริหาร RATS SCO", "vi": "Ai là giám đốc Ủy ban điều hành RATS SCO?",
    "id": "Siapa direktur Komite Eksekutif RATS SCO?", "fi": "Kuka on RATS SCO:n toimeenpanevan komitean johtaja?",
}
ASKED_IN_MANY = [(q, "47", {EN, FR}) for q in DELEGATIONS.values()] + [(q, "Mirzayev", {EN}) for q in DIRECTOR.values()]


@pytest.mark.parametrize("question, expected, files", ASKED_IN_MANY)
def test_languages_no_dev_set_holds_are_answered_too(seed_qa_multilingual, question, expected, files):
    assert_quotes_the_files(seed_qa_multilingual.answer(question), expected, files)


@pytest.mark.parametrize("question, expected, files", ASKED_ELSEWHERE)
def test_questions_in_other_languages_get_the_sentence_that_answers(seed_qa_multilingual, question, expected, files):
    assert_quotes_the_files(seed_qa_multilingual.answer(question), expected, files)


def test_a_french_question_is_answered_from_the_french_report(seed_qa_multilingual):
    ans = seed_qa_multilingual.answer("Combien de délégations ont participé aux conférences ?")
    assert ans.text is not None and "47 délégations" in ans.text
    assert seed_qa_multilingual.store.language_of(seed_qa_multilingual.store.passages[0].source) in ("en", "fr")
    assert ans.quotes[0].citations[0] == 1 and ans.citations[0].source == FR  # quoted in the question's language


@pytest.mark.parametrize("question", ["Кто выиграл чемпионат мира по футболу 2022 года?", "2022年世界杯冠军是谁？"])
def test_questions_the_reports_do_not_answer_are_refused_in_any_language(seed_qa_multilingual, question):
    assert seed_qa_multilingual.answer(question).text is None


def test_an_answer_in_another_language_is_trusted_as_far_as_both_dense_searches_agree_on_its_passage(seed_qa_multilingual):
    from dataclasses import replace

    from qa import QA

    def bot(**settings) -> QA:
        base = seed_qa_multilingual
        return QA(base.corpus_dir, base.index_dir, model=base.embedder, answer=replace(base.answer_settings, min_confidence=0.0, **settings))

    question = "Сколько делегаций приняли участие в конференциях?"
    judged, blind = bot().answer(question), bot(foreign_agreement=False).answer(question)
    assert judged.text == blind.text  # the rule weighs the answer; it does not choose it
    store = seed_qa_multilingual.store
    cited = judged.citations[0]
    holding = [h for h in seed_qa_multilingual.retrieve(question, k=5) if h.source == cited.source and h.start <= cited.start < h.end]
    assert holding and 0.0 < holding[0].agreement <= 1.0
    assert judged.confidence == pytest.approx(blind.confidence * holding[0].agreement)
    assert store.language_of(cited.source) in ("en", "fr")


def test_a_question_naming_what_no_report_writes_in_any_language_is_refused_naming_it(seed_qa_multilingual):
    from dataclasses import replace

    from qa import QA

    base = seed_qa_multilingual

    def bot(**settings) -> QA:
        return QA(base.corpus_dir, base.index_dir, model=base.embedder, answer=replace(base.answer_settings, **settings))

    question = "¿Cuántos delegados envió Transnistria a la conferencia?"  # no report is in Spanish; none names it
    refused = base.answer(question)
    assert refused.text is None and refused.reason.endswith("no passage names Transnistria")
    blind = bot(foreign_names=False, min_confidence=0.0, reading_weight=0.0).answer(question)
    assert blind.text is not None  # the English sentence about the delegations, trusted for its similarity alone
    assert bot(min_confidence=0.0, reading_weight=0.0).answer(question).confidence == pytest.approx(0.6 * blind.confidence)
    # a name the reports write in another spelling ("Taskent", "Tashkent") leaves the confidence as it was
    near = "¿Cuántas delegaciones participaron en las conferencias de Taskent?"
    assert base.answer(near).confidence == pytest.approx(bot(foreign_names=False).answer(near).confidence)
