"""Lexical analysis: the historical English/French terms unchanged, and per-language stemming, stop words, segmentation."""
from __future__ import annotations

import pytest

from qa.lexical import (
    covered_stretches, fold, fold_for, has_stemmer, seams, segment, stopwords, stopwords_for, stretches, terms, words,
    written_parts,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("How many delegations took part in the Tashkent conference in 2019?",
         ["mani", "deleg", "took", "part", "tashkent", "confer", "2019"]),
        ("Combien de délégations ont participé à la conférence de Tachkent ?",
         ["combien", "deleg", "particip", "confer", "tachkent"]),
        ("L'Organisation a été créée le 5 mai.", ["organis", "creee", "5", "mai"]),
    ],
)
def test_terms_without_language_are_the_historical_ones(text, expected):
    assert terms(text) == expected


def test_words_and_fold_without_language_are_unchanged():
    assert fold("Délégations") == "delegations"
    assert words("Qu'est-ce que l'ONU?") == ["qu", "est", "ce", "que", "l", "onu"]
    assert "the" in stopwords() and "les" in stopwords()


def test_english_terms_with_their_language_match_the_historical_ones():
    # the historical analysis was English + French stop words and the English stemmer
    question = "How many delegations took part in the Tashkent conference in 2019?"
    assert terms(question, "en") == terms(question)


def test_french_terms_get_the_french_stemmer():
    french = "Combien de délégations ont participé à la conférence ?"
    assert terms(french, "fr") == ["combien", "deleg", "particip", "conferent"]


def test_german_words_get_the_german_stemmer():
    assert terms("Häuser Delegationen", "de") == ["haus", "delegation"]
    # the English stemmer leaves German plurals alone: 'hauser', 'delegationen'
    assert terms("Häuser Delegationen") == ["hauser", "delegationen"]


def test_russian_words_get_the_russian_stemmer_and_keep_their_letters():
    assert terms("Сколько делегаций приняли участие?", "ru") == ["скольк", "делегац", "приня", "участ"]
    assert terms("войны войной", "ru") == ["войн", "войн"]


def test_stemmer_per_language_where_pystemmer_has_one():
    assert has_stemmer("de") and has_stemmer("ru") and has_stemmer("ar") and has_stemmer("el")
    assert not has_stemmer("zh") and not has_stemmer("ko") and not has_stemmer("vi")
    assert terms("delegaciones canceló", "es") == ["deleg", "cancel"]


def test_stop_words_per_language():
    assert "und" in stopwords_for("de") and "und" not in stopwords_for("en")
    assert terms("der Krieg und die Stadt", "de") == ["krieg", "stadt"]
    assert terms("Кто был первым президентом?", "ru")[0] != "кто"
    assert stopwords_for("xx") == frozenset()


def test_chinese_runs_are_cut_into_character_bigrams():
    assert segment("代表团") == ["代表", "表团"]
    assert segment("球") == ["球"]
    assert words("塔什干会议", "zh") == ["塔什", "什干", "干会", "会议"]


def test_mixed_scripts_are_split_at_the_script_boundary():
    assert words("iPhone手机 2019", "zh") == ["iphone", "手机", "2019"]


def test_chinese_question_and_passage_share_terms():
    question = terms("塔什干会议共有多少个代表团参加？", "zh")
    passage = terms("共有二十个代表团参加了塔什干会议。", "zh")
    assert {"代表", "表团", "塔什", "会议"} <= set(question) & set(passage)


def test_bigrams_that_straddle_two_words_are_seams():
    question = terms("黑豹队的防守丢了多少分？", "zh")
    known = set(terms("黑豹队的防守只丢了308分，排名第六。", "zh"))
    assert {"防守", "丢了"} <= known and "守丢" in question
    # 守丢 joins 防守 and 丢了, which passages hold; 了多 follows 丢了 (多少, a stop word, left the list)
    assert seams(question, known) == {"守丢", "了多"}


def test_an_unknown_word_is_no_seam():
    # 酒店 is in no passage, and neither are the bigrams around it: the word is missing, not a seam
    question = terms("代表团住在哪家酒店？", "zh")
    known = set(terms("代表团住在塔什干。", "zh"))
    assert "酒店" in question and "酒店" not in seams(question, known)


def test_seams_are_bigrams_of_scripts_without_spaces_only():
    question = terms("Wie viele Punkte gab die Verteidigung ab?", "de")
    assert seams(question, {"punkt"}) == set()
    thai = words("ผู้แทน", "th")  # ผู้แ, แท, ทน: แท joins the two bigrams passages hold, letters with their marks
    assert seams(thai, {"ผู้แ", "ทน"}) == {"แท"}


def test_covered_stretches_of_a_run_without_spaces():
    run = "東京タワーの入場料はいくらですか"
    assert covered_stretches(run, {"東京", "京タ", "タワ", "ワー", "入場", "場料"}) == ["東京タワー", "入場料"]
    assert covered_stretches(run, {"東京", "ワー"}) == ["東京", "ワー"]
    assert covered_stretches(run, set()) == []
    assert covered_stretches("球", {"球"}) == ["球"]
    assert covered_stretches("ผู้แทน", {"ผู้แ", "แท"}) == ["ผู้แท"]  # letters keep their marks


def test_stretches_are_every_word_a_run_without_spaces_may_hold():
    assert stretches("第33届") == {"第", "届"}
    assert stretches("超级碗") == {"超", "级", "碗", "超级", "级碗", "超级碗"}
    assert stretches("Tashkent") == set()
    assert max(map(len, stretches("一" * 40, longest=12))) == 12


def test_written_parts_cut_where_a_script_without_spaces_begins_and_ends():
    assert written_parts("iPhone手机") == [("iPhone", False), ("手机", True)]
    assert written_parts("第50届") == [("第", True), ("50", False), ("届", True)]
    assert written_parts("Tashkent") == [("Tashkent", False)]


def test_thai_bigrams_keep_marks_on_their_letters():
    thai = words("ผู้แทน", "th")
    assert thai == ["ผู้แ", "แท", "ทน"]


def test_marks_do_not_cut_devanagari_words():
    assert words("कितने प्रतिनिधिमंडलों ने भाग लिया", "hi")[:2] == ["कितने", "प्रतिनिधिमंडलों"]


def test_marks_count_with_their_letters_in_words_written_and_counted():
    """Devanagari's vowel signs (categories Mc and Mn) are not `\\w`: a word is not cut at them, nor left uncounted
    ("की" is a word of two letters), in any language or none; Latin text counts and reads as before."""
    from qa.lexical import word_count, written_word

    question = "वेल्ना नदी की लंबाई कितनी है?"
    assert word_count(question) == 6
    assert [m.group() for m in written_word().finditer(question)] == ["वेल्ना", "नदी", "की", "लंबाई", "कितनी", "है"]
    assert len(words(question)) == 6  # without a language too (accents folded: Devanagari's Mn signs dropped)
    assert word_count("Cafe\u0301 de\u0301le\u0301gations arrive\u0301es.") == 3  # decomposed accents
    assert word_count("The conference gathered 47 delegations.") == 4
    assert [m.group() for m in written_word().finditer("l’hôtel de Tesla's 47 rooms")] == ["l’hôtel", "de", "Tesla's", "rooms"]


def test_a_zero_width_non_joiner_stays_inside_a_persian_word():
    from qa.lexical import word_count, written_word

    text = "ولنا به دریای بالتیک می\u200cریزد و بزرگ\u200cترین شاخه آن است."
    assert "می\u200cریزد" in words(text, "fa") and "می" not in words(text, "fa")
    assert [m.group() for m in written_word().finditer(text)][4:6] == ["می\u200cریزد", "و"]
    assert word_count(text) == 9
    assert words("a\u200c b", "en") == ["a", "b"]  # a joiner at a word's end is not part of it


def test_fold_for_drops_latin_and_greek_accents_only():
    assert fold_for("Délégations") == "delegations"
    assert fold_for("Πόλεμος") == "πολεμοσ"
    assert fold_for("Йошкар") == "йошкар"  # й keeps its breve
    assert fold_for("대표단") == "대표단"  # Hangul stays in syllables


def test_vietnamese_keeps_its_tone_marks():
    assert words("Tại sao dự án bị hủy bỏ?", "vi") == ["tại", "sao", "dự", "án", "bị", "hủy", "bỏ"]


def test_unknown_language_is_not_stemmed():
    assert terms("Delegations travelled", "und") == ["delegations", "travelled"]
