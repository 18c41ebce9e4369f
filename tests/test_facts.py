"""qa.facts: the facts a sentence states, by kind, with exact offsets, in several languages and scripts."""
import pytest

from qa.facts import DATE, MONEY, NAME, NUMBER, RANK, TITLE, find_facts, holds_kind, is_clock_time, month_names, named_by


def kinds(text: str, lang: str | None = None) -> list[tuple[str, str]]:
    facts = find_facts(text, lang)
    for f in facts:
        assert text[f.start : f.end] == f.text  # offsets are exact in every script
    return [(f.kind, f.text) for f in facts]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("The conference was held on September 4-5, 2018 in Tashkent.", "en", (DATE, "September 4-5, 2018")),
        ("La réunion a eu lieu le 14 juillet 1789.", "fr", (DATE, "14 juillet 1789")),
        ("Er wurde am 5. März 1990 in Berlin geboren.", "de", (DATE, "5. März 1990")),
        ("Он родился 5 марта 1990 года.", "ru", (DATE, "5 марта 1990")),
        ("Nació el 3 de mayo.", "es", (DATE, "mayo")),
        ("1943 年，美国最高法院的一项判决恢复了专利。", "zh", (DATE, "1943 年")),
        ("会议于三月五日举行。", "zh", (DATE, "三月五日")),
        ("2019年4月1日に発表された。", "ja", (DATE, "2019年4月1日")),
        ("Plague remained until the 19th century.", "en", (DATE, "19th century")),
        ("It was Wednesday.", "en", (DATE, "Wednesday")),
    ],
)
def test_dates_in_many_languages(text, lang, expected):
    assert expected in kinds(text, lang)


def test_month_names_come_from_cldr_for_any_language():
    assert {"januar", "marz"} <= month_names("de")
    assert "марта" in month_names("ru")  # the genitive a date is written with
    assert "tammikuuta" in month_names("fi")  # a language nobody wrote rules for
    assert "january" in month_names("xx")  # an unknown code keeps English and French


def test_days_and_months_listed_together_are_no_name():
    found = find_facts("Committees meet on Wednesday and Thursday in Edinburgh.", "en")
    assert [(f.kind, f.text) for f in found if f.kind == NAME] == [(NAME, "Edinburgh")]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("The exercise cost $3.2 million.", "en", (MONEY, "$3.2 million")),
        ("Le budget était de 40 millions d'euros.", "fr", (MONEY, "40 millions d'euros")),
        ("Die Bank zahlte 2,5 Millionen Euro.", "de", (MONEY, "2,5 Millionen Euro")),
        ("Стоимость составила 300 рублей.", "ru", (MONEY, "300 рублей")),
        ("他们花费500万元。", "zh", (MONEY, "500万元")),
        ("It cost €12.", "en", (MONEY, "€12")),
    ],
)
def test_amounts_of_money_with_their_currency(text, lang, expected):
    assert expected in kinds(text, lang)


def test_numbers_ranks_and_percentages():
    assert (NUMBER, "1,500") in kinds("With 1,500 participants.", "en")
    assert (NUMBER, "32.9%") in kinds("Some 32.9% did not vote.", "en")
    assert (NUMBER, "40 pour cent") in kinds("Il y en a 40 pour cent.", "fr")
    assert (NUMBER, "two") in kinds("They won two titles.", "en")
    assert (NUMBER, "两次") in kinds("他们赢得了两次世界冠军。", "zh")
    assert (RANK, "17th") in kinds("The 17th exhibition opens.", "en")
    assert all(k != NUMBER for k, _ in kinds("一些买家感到沮丧。", "zh"))  # 一 alone is "a", not a number
    assert (NUMBER, "٣٥") in kinds("حضر ٣٥ وفدا.", "ar")  # digits of any script
    assert (NUMBER, "35件") in kinds("大约有35件乐器借给了博物馆。", "zh")  # with its counter
    assert (NUMBER, "24 次") in kinds("黑豹队有 24 次拦截。", "zh")
    assert (MONEY, "2.3亿美元") in kinds("哈佛减持了2.3亿美元的股份。", "zh")  # CLDR's Chinese name of the dollar



def test_times_counts_in_words_and_currency_codes():
    assert (DATE, "4:51") in kinds("With 4:51 left in regulation, Carolina got the ball.", "en")
    assert (DATE, "9:30 pm") in kinds("It opens at 9:30 pm.", "en")
    assert (NUMBER, "Six") in kinds("Six-time Grammy winner Lady Gaga sang.", "en")
    assert (NUMBER, "twice") in kinds("They won the cup twice.", "en")
    assert (NUMBER, "vingt-deux") in kinds("Il y avait vingt-deux personnes.", "fr")
    assert (MONEY, "40 USD") in kinds("It cost 40 USD.", "en")
    assert all(k != MONEY for k, _ in kinds("They won the cup twice.", "en"))  # "cup" is a cup; "CUP" a peso
    assert (DATE, "10 - 12 November 2026") in kinds("10 - 12 November 2026, Uzexpocentre", "en")


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("La garde commence officiellement à 07H45 précise.", "fr", ["07H45"]),
        ("Diffusée à 21 h en 2016, l'émission passe ensuite à 20 h 50.", "fr", ["21 h", "20 h 50"]),
        ("The doors open at 9 a.m. and close at 5pm.", "en", ["9 a.m", "5pm"]),
        ("At noon the bells rang; by 3 o'clock the square was empty.", "en", ["noon", "3 o'clock"]),
        ("Die Sitzung beginnt um 10.30 Uhr und endet um 18 Uhr.", "de", ["10.30 Uhr", "18 Uhr"]),
        ("会议于上午9点半开幕，下午3点结束。", "zh", ["上午9点半", "下午3点"]),
    ],
)
def test_times_of_day_in_several_languages(text, lang, expected):
    found = [f for f in find_facts(text, lang) if is_clock_time(f)]
    assert [f.text for f in found] == expected
    assert all(text[f.start : f.end] == f.text for f in found)


def test_a_time_of_day_is_held_and_a_date_is_its_near_kind():
    assert holds_kind("clock", find_facts("The session opened at 10:30 on 4 September.", "en"), set()) == 1.0
    assert holds_kind("clock", find_facts("The session opened on 4 September.", "en"), set()) == 0.5
    assert holds_kind("clock", find_facts("The session opened with a speech.", "en"), set()) == 0.0


def test_a_date_a_year_or_a_decimal_is_no_time_of_day():
    facts = find_facts("On 4 September 2024 the index rose 3.5 h-points; it was 2.5 times higher.", "en")
    assert not [f for f in facts if is_clock_time(f)]
    assert any(f.kind == DATE and f.text == "4 September 2024" for f in facts)


def test_names_and_titles():
    found = kinds("Addressing the conference, Major General Botir Tursunov spoke in Tashkent.", "en")
    assert (NAME, "Major General Botir Tursunov") in found and (NAME, "Tashkent") in found
    assert (NAME, "Addressing") not in found  # a sentence's first word is capitalised anyway
    assert (NAME, "Liber") in kinds("His Liber servitoris is of interest.", "en")  # "His" is not part of it
    assert (NAME, "University of Chicago") in kinds("She taught at the University of Chicago.", "en")
    assert (NAME, "Seamus O'Brien") in kinds("It was Seamus O'Brien who paid.", "en")
    assert (TITLE, "Tashkent Declaration") in kinds('They signed the "Tashkent Declaration" there.', "en")
    assert (TITLE, "红楼梦") in kinds("《红楼梦》是曹雪芹写的。", "zh")
    assert (TITLE, "Le Monde") in kinds("Selon « Le Monde », c'est vrai.", "fr")
    assert not [k for k, _ in kinds("Речь произнёс министр.", "ru") if k == NAME]
    assert (NAME, "Сергей Лавров") in kinds("Речь произнёс Сергей Лавров.", "ru")


def test_holds_kind_ignores_what_the_question_names():
    facts = find_facts("In 2024 there were 47 delegations.", "en")
    assert holds_kind("number", facts, {"how", "many", "delegations"}) == 1.0
    assert holds_kind("date", facts, {"when"}) == 1.0
    assert holds_kind("date", facts, {"2024", "when"}) == 0.5  # only the bare number is left
    assert holds_kind("money", facts, set()) == 0.5  # a number without a currency may be a count
    assert holds_kind("person", facts, set()) == 0.0
    assert holds_kind(None, facts, set()) == 0.0
    assert named_by(find_facts("in 2024", "en")[0], {"2024"})


def test_a_japanese_foreign_name_is_katakana_joined_by_a_middle_dot():
    assert (NAME, "ジョン・エルウェイ") in kinds("ジョン・エルウェイはクォーターバックだった。", "ja")
    assert not [k for k, _ in kinds("クォーターバックだった。", "ja") if k == NAME]  # one katakana word is any loanword


def test_roman_centuries_in_capitals_only():
    assert (DATE, "XVIe siècle") in kinds("Au XVIe siècle, la ville grandit.", "fr")
    assert (DATE, "siglo XX") in kinds("En el siglo XX creció.", "es")
    assert all(k != DATE for k, _ in kinds("Le siècle dernier fut long.", "fr"))  # "le" is no numeral
