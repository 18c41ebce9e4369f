"""qa.span: the short answer inside the quoted sentences, per kind of question, in several languages."""
import pytest

from qa.language import Identified
from qa.question import analyse_question
from qa.reader import Read
from qa.span import balanced, short_answer, whole_words
from qa.types import Citation, Quote


def short(question: str, *sentences: str, lang: str = "en", file_offset: int = 100):
    citations, quotes = [], []
    pos = file_offset
    for n, s in enumerate(sentences, 1):
        citations.append(Citation(n, f"doc{n}.txt", pos, pos + len(s), 1, s))
        quotes.append(Quote(s, (n,)))
        pos += len(s) + 1
    asked = analyse_question(question, Identified(lang, True))
    found = short_answer(asked, quotes, citations, {c.source: lang for c in citations})
    if found is not None:
        cited = citations[found.citation - 1]
        assert cited.quote[found.start - cited.start : found.end - cited.start] == found.text  # offsets into the file
    return found


@pytest.mark.parametrize(
    "question, sentence, lang, expected",
    [
        ("Who is the First Deputy Chairman?", "Addressing the conference, First Deputy Chairman Botir Tursunov noted progress.", "en", "Botir Tursunov"),
        ("How many delegations took part?", "The conference gathered 47 delegations from 20 countries.", "en", "47"),
        ("How much did the exercise cost?", "The exercise, held in 2024, cost $3.2 million in all.", "en", "$3.2 million"),
        ("When was the treaty signed?", "The treaty was signed on 14 July 1789 in Paris.", "en", "14 July 1789"),
        ("Where did the delegations meet?", "The delegations met in Tashkent last week.", "en", "Tashkent"),
        ("Combien de délégations ont participé ?", "La conférence a réuni 47 délégations de 20 pays.", "fr", "47"),
        ("Quand le traité a-t-il été signé ?", "Le traité a été signé le 14 juillet 1789 à Paris.", "fr", "14 juillet 1789"),
        ("Qui a présidé la séance ?", "La séance a été présidée par Marie Curie, qui a ouvert les débats.", "fr", "Marie Curie"),
        ("Wie lang ist der Turm?", "Der Turm ist 188 Meter hoch und wurde 1889 gebaut.", "de", "188 Meter"),
        ("Wann wurde er geboren?", "Er wurde am 5. März 1990 in Berlin geboren.", "de", "5. März 1990"),
        ("Когда он родился?", "Он родился 5 марта 1990 года в Москве.", "ru", "5 марта 1990"),
        ("特斯拉的专利是什么时候恢复的？", "1943 年，美国最高法院的一项判决恢复了特斯拉的专利。", "zh", "1943 年"),
        ("长城有多长？", "长城长约5000公里。", "zh", "5000公里"),
        ("誰がクォーターバックだったか？", "ジョン・エルウェイがクォーターバックだった。", "ja", "ジョン・エルウェイ"),
        # a number keeps the word that bounds it
        ("How many works are in the collection?", "The collection holds more than 70,000 works of art.", "en", "more than 70,000"),
        ("Combien d'entreprises compte Paris ?", "Paris compte près de 122 300 entreprises.", "fr", "près de 122 300"),
        ("Wie viele Unterschriften gab es?", "Die Petition hatte über 5.100 Unterschriften.", "de", "über 5.100"),
        # what something is called: the name told after "called", "known as", "appelé", "genannt"
        ("What was the museum originally called?", "It was originally called the Museum of Manufactures, and opened in 1852.", "en", "Museum of Manufactures"),
        ("What is the hymn known as in English?", 'The hymn, known as "Flung to the Heedless Winds" in English, spread fast.', "en", "Flung to the Heedless Winds"),
        ("Comment s'appelait le navire ?", "Le navire, appelé la Belle Poule, quitta Brest en juillet.", "fr", "Belle Poule"),
        ("Wie hieß das Schiff?", "Das Schiff, genannt Belle Poule, verließ Brest im Juli.", "de", "Belle Poule"),
        # "which X": the name told with an X
        ("What award has Marlee Matlin won?", "Academy Award winner Marlee Matlin provided the translation.", "en", "Academy Award"),
        ("Which museum received the loans?", "The loans went to the Horniman Museum in London.", "en", "Horniman Museum"),
        ("What hymn did Luther write?", "Luther wrote the hymn \"Ein neues Lied wir heben an\" in 1523.", "en", "Ein neues Lied wir heben an"),
        ("Which department houses the prints?", "The Word and Image department houses the prints.", "en", "Word and Image"),
        ("Which Buddhist monastery hosted the mausoleum?", "It was moved to a Buddhist monastery, the Dongshan Dafo Dian, for ten years.", "en", "Dongshan Dafo Dian"),
        ("What image campaign was the jingle based on?", "The jingle was based around the network's \"We Love TV\" image campaign.", "en", "We Love TV"),
        ("Quel général remporte la bataille d'Isly ?", "La bataille est remportée par le général Bugeaud en 1844.", "fr", "Bugeaud"),
        # a question asking for a year: the year of a date
        ("What year did Tesla die?", "Tesla died on 7 January 1943 in New York.", "en", "1943"),
        ("When did Tesla die?", "Tesla died on 7 January 1943 in New York.", "en", "7 January 1943"),
        ("In what decade did ABC switch to colour?", "In the early 1970s, ABC switched to colour.", "en", "early 1970s"),
        ("En quelle année le traité a-t-il été signé ?", "Le traité a été signé le 14 juillet 1789 à Paris.", "fr", "1789"),
        ("In welchem Jahr wurde er geboren?", "Er wurde am 5. März 1990 in Berlin geboren.", "de", "1990"),
        ("他哪一年去世？", "他于1943年1月7日去世。", "zh", "1943年1月7日"),  # the year keeps its 年: the whole date stays
    ],
)
def test_the_span_of_the_asked_kind(question, sentence, lang, expected):
    found = short(question, sentence, lang=lang)
    assert found is not None and found.text == expected


def test_never_what_the_question_names_and_nearest_its_words():
    # 2024 is named by the question; the amount near "budget" wins over the one far from it
    found = short("What was the budget in 2024?", "In 2024 the budget was €40 million, while in 1990 the museum cost €2 million.")
    assert found.text == "€40 million"
    assert short("Who founded the Tashkent Institute?", "The Tashkent Institute was founded in 1990.") is None


def test_never_what_a_question_in_a_script_without_spaces_names():
    # the question writes 第 33 届 and 2000 年 inside runs of characters: they are its words all the same
    assert short("埃尔维参加第 33 届超级碗时多大？", "埃尔维在第 33 届超级碗时年满 38 岁。", lang="zh").text == "38 岁"
    assert short("华沙在 2000 年之前是什么时候夺得冠军的？", "华沙在 2000 年之前的 1946 年夺得冠军。", lang="zh").text == "1946 年"


def test_the_name_told_with_most_of_the_question_wins_over_the_one_nearest_a_single_word():
    # "épousa" stands just before Sir William Boleyn; "roi", "Henri" and "VIII" all stand by Anne Boleyn
    sentence = ("Elle épousa Sir William Boleyn et était la grand-mère paternelle d'Anne Boleyn, "
                "deuxième femme du roi Henri VIII d'Angleterre.")
    found = short("Qui était la 2ème épouse du roi Henri VIII ?", sentence, lang="fr")
    assert found is not None and found.text == "Anne Boleyn"


def test_a_number_is_told_with_the_word_it_counts_and_a_tie_goes_to_the_one_told_with_more_of_the_question():
    sentence = ("The Panthers defense gave up just 308 points, ranking sixth in the league, while also leading the NFL "
                "in interceptions with 24.")
    assert short("How many interceptions are the Panthers defense credited with?", sentence).text == "24"
    sentence = ("It was attended by about 250 representatives from competent authorities of 20 CIS and SCO member states "
                "and 9 working structures.")
    assert short("How many CIS and SCO member countries sent representatives?", sentence).text == "20"


def test_people_listed_together_are_one_answer():
    found = short("Who did Tesla partner with in 1886?", "In 1886 Tesla partnered with Robert Lane and Benjamin Vail to found a company.")
    assert found.text == "Robert Lane and Benjamin Vail"


def test_the_first_quote_wins_and_the_citation_is_named():
    found = short("How many delegations took part?", "In all 47 delegations took part.", "Next year 50 delegations may come.")
    assert (found.text, found.citation, found.source) == ("47", 1, "doc1.txt")
    found = short("How many delegations took part?", "Delegations came from far away.", "There were 47 of them.")
    assert (found.text, found.citation) == ("47", 2)


def test_a_which_question_gets_no_span_when_no_name_is_told_with_the_thing():
    assert short("Which museum received the loans?", "The loans went to London, where Horniman kept them.") is None
    assert short("What did Luther call the mass?", "He called it a gift, to be received by the congregation.") is None
    # a name the question names itself is not the answer
    assert short("Which museum did Horniman found?", "Horniman founded the Horniman Museum in London.") is None


def test_a_which_question_in_german_takes_no_one_word_name():
    # every German noun has a capital: "Erkrankung" beside "Zustand" is no name
    assert short("Welcher Zustand führt zu einer Immunschwäche?", "Der Zustand Erkrankung führt zu Immunschwäche.", lang="de") is None
    found = short("Welcher Architekt entwarf das Museum?", "Das Museum entwarf der Architekt Gottfried Semper.", lang="de")
    assert found.text == "Gottfried Semper"


def test_the_thing_ends_where_the_question_pauses():
    # "On what principle, Azizov said, ...": Azizov is not part of the thing asked for
    assert short("On what principle, Azizov said, must the enemy be beaten?",
                 "The enemy must be beaten together, said Lieutenant General Mr. Azizov.") is None


def test_a_time_of_day_answers_at_what_time_and_a_date_does_not():
    found = short("At what time did the conference open?", "On September 4 the conference opened at 10:00 in Tashkent.")
    assert found.text == "10:00"
    assert short("At what time did the conference open?", "The conference opened on September 4 in Tashkent.") is None
    assert short("When did the conference open?", "The conference opened on September 4 in Tashkent.").text == "September 4"
    assert short("À quelle heure l'émission est-elle diffusée ?", "En 2016, l'émission est diffusée à 21 h.", lang="fr").text == "21 h"


@pytest.mark.parametrize(
    "question, sentence",
    [
        ("Why was the conference held?", "The conference was held to coordinate the fight against terrorism."),
        ("What was the museum originally called?", "The museum opened in 1852 beside the Royal Albert Hall."),  # no "called"
        ("How does the system work?", "The system reads 47 documents and answers."),
        ("What did the minister say?", "The minister said that 2024 would be decisive."),
        ("How many delegations took part?", "The delegations came from many countries."),  # no number in it
        ("谁是主席？", "主席发表了讲话。"),  # a name in Chinese has no capital to be seen by
    ],
)
def test_no_span_when_none_is_reliable(question, sentence):
    lang = "zh" if "谁" in question else "en"
    assert short(question, sentence, lang=lang) is None


def test_no_span_when_nothing_in_the_sentence_tells_the_candidates_apart():
    sentence = "About 250 representatives came from 20 states (47 delegations in total)."
    assert short("Сколько делегаций приняли участие?", sentence, lang="ru") is None  # no Russian word in it
    assert short("How many delegations took part?", sentence).text == "47"
    # an ambiguous later quote does not take the first quote's answer away
    found = short("How many delegations took part?", "In all 47 delegations took part.", "About 250 came from 20 states.")
    assert (found.text, found.citation) == ("47", 1)


@pytest.mark.parametrize(
    "sentence, span, expected",
    [
        # a bracket or a quotation mark left open takes its other half
        ("Members of the American Medical Association (AMA) met.", "American Medical Association (AMA", "American Medical Association (AMA)"),
        ('Tesla became the archetypal "mad scientist" in popular culture.', 'archetypal "mad scientist', 'archetypal "mad scientist"'),
        ("Il arrive à la « sixième heure de la nuit » enfin.", "la « sixième heure de la nuit", "la « sixième heure de la nuit »"),
        ("波兰联合工人党 (PZPR) 统治了波兰。", "波兰联合工人党 (PZPR", "波兰联合工人党 (PZPR)"),
        ("他写了《终结战争的机器》一书。", "《终结战争的机器", "《终结战争的机器》"),
        # a quotation mark closed alone takes its opening one; „…“ is German
        ('He may not give them "kickback" payments.', 'kickback" payments', '"kickback" payments'),
        ("Die „White Flight“-Welle erreichte die Stadt.", "White Flight“-Welle", "„White Flight“-Welle"),
        # a span that starts inside a bracket drops what is left of it
        ("The Engineering News-Record (ENR) is a trade magazine.", "ENR) is a trade magazine", "is a trade magazine"),
        # a mark whose other half is far away is left out
        ("The cells (see the long account of what goes on in the many parts of such a cell) work.", "cells (see the", "cells"),
        ('He said "no', '"no', "no"),
        # whole marks and apostrophes stay as they are
        ("The American Medical Association (AMA) met.", "American Medical Association (AMA)", "American Medical Association (AMA)"),
        ("It is the Lord's Enclosure in the east.", "Lord's Enclosure", "Lord's Enclosure"),
        ("Sie sahen „Soap“ und „Benson“.", "„Soap“ und „Benson“", "„Soap“ und „Benson“"),
    ],
)
def test_a_span_leaves_no_bracket_or_quotation_mark_alone(sentence, span, expected):
    start = sentence.index(span)
    a, b = balanced(sentence, start, start + len(span))
    assert sentence[a:b] == expected


def test_the_readers_span_is_shown_with_its_brackets_whole():
    sentence = "The award went to the American Medical Association (AMA) last year."
    cut = "American Medical Association (AMA"

    class Reader:  # the reader's span as the head gave it, ")" left out
        def read(self, question, text):
            at = text.index(cut)
            return Read(at, at + len(cut), 0.9)

    citation = Citation(1, "doc1.txt", 100, 100 + len(sentence), 1, sentence)
    asked = analyse_question("What got the award?", Identified("en", True))
    found = short_answer(asked, [Quote(sentence, (1,))], [citation], {"doc1.txt": "en"}, reader=Reader())
    assert found is not None and found.text == "American Medical Association (AMA)"
    assert sentence[found.start - 100 : found.end - 100] == found.text


@pytest.mark.parametrize(
    "sentence, span, expected",
    [
        ("Er ist der drittgrößte Flughafen.", "dritt", "drittgrößte"),
        ("Ein Apothekentechniker, der sich qualifiziert hat.", "techniker", "Apothekentechniker"),
        ("They generally serve as pastors in local congregations.", "pastor", "pastors"),
        ("नई दिल्ली भारत की राजधानी है।", "दिल्", "दिल्ली"),  # a vowel sign is part of its word
        ("القاهرة هي عاصمة مصر.", "عاصم", "عاصمة"),
        ("特斯拉的专利恢复了。", "特斯拉", "特斯拉"),  # no spaces: every character is a word's edge
        ("ジョン・エルウェイがクォーターバックだった。", "エルウェイ", "エルウェイ"),
        ("The 17th conference met.", "17th", "17th"),
    ],
)
def test_a_span_is_made_of_whole_words(sentence, span, expected):
    start = sentence.index(span)
    a, b = whole_words(sentence, start, start + len(span))
    assert sentence[a:b] == expected


class Weighing:
    """A reader whose own best span is `best` (probability 0.4), and which gives every candidate span `weight`."""

    def __init__(self, best: str, weight: float):
        self.best, self.weight = best, weight

    def read(self, question, text):
        at = text.index(self.best)
        return Read(at, at + len(self.best), 0.4)

    def span_probabilities(self, question, text, spans):
        return [self.weight] * len(spans)


SECRETARY = ("At the opening, Secretary of the Security Council under the President of the Republic of Uzbekistan "
             "Viktor Makhmudov read the Address of the President.")


@pytest.mark.parametrize(
    "reader, expected",
    [
        # a run of capitals holds two names; the reader, sure of neither whole run, is sure of a name inside one
        (Weighing("Viktor Makhmudov", 0.001), "Viktor Makhmudov"),
        # the reader sure of none: the rules' own choice, whole
        (None, "Security Council"),
        # the reader's span outside every name, or the question's own words: the rules' choice
        (Weighing("read the Address", 0.001), "Security Council"),
        (Weighing("Secretary", 0.001), "Security Council"),
    ],
)
def test_the_reader_finds_the_name_inside_a_run_of_capitals(reader, expected):
    citation = Citation(1, "doc1.txt", 100, 100 + len(SECRETARY), 1, SECRETARY)
    asked = analyse_question("Who was the Secretary that read the President's address?", Identified("en", True))
    found = short_answer(asked, [Quote(SECRETARY, (1,))], [citation], {"doc1.txt": "en"}, reader=reader)
    assert found is not None and found.text == expected
    assert SECRETARY[found.start - 100 : found.end - 100] == expected
