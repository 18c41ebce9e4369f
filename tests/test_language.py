"""Language identification of one-line questions in a dozen languages, and its fallbacks."""
from __future__ import annotations

import pytest

from qa.language import UNDETERMINED, detect_language, is_spaceless, scripts

QUESTIONS = {
    "en": ["How many delegations took part?", "When was the company founded?"],
    "fr": ["Combien de délégations ont participé ?", "Qui a écrit ce rapport ?"],
    "de": ["Wie viele Delegationen nahmen teil?", "Wann wurde die Firma gegründet?"],
    "zh": ["塔什干会议共有多少个代表团参加？", "黑豹队的防守丢了多少分？"],
    "ru": ["Сколько делегаций приняли участие?", "Когда была основана компания?"],
    "es": ["¿Cuántas delegaciones participaron?", "¿Quién escribió el informe?"],
    "ar": ["كم عدد الوفود التي شاركت؟", "متى تأسست الشركة؟"],
    "ja": ["何人の代表団が参加しましたか？", "会社はいつ設立されましたか？"],
    "th": ["มีคณะผู้แทนเข้าร่วมกี่คณะ", "บริษัทก่อตั้งขึ้นเมื่อไร"],
    "vi": ["Có bao nhiêu phái đoàn tham gia?", "Công ty được thành lập khi nào?"],
    "tr": ["Kaç heyet katıldı?", "Şirket ne zaman kuruldu?"],
    "it": ["Quante delegazioni hanno partecipato?", "Chi ha scritto il rapporto?"],
    "pt": ["Quantas delegações participaram?", "Quem escreveu o relatório?"],
    "ko": ["몇 개의 대표단이 참가했습니까?", "회사는 언제 설립되었습니까?"],
    "el": ["Πόσες αντιπροσωπείες συμμετείχαν;", "Πότε ιδρύθηκε η εταιρεία;"],
}


@pytest.mark.parametrize("lang,question", [(lang, q) for lang, qs in QUESTIONS.items() for q in qs])
def test_one_line_questions(lang, question):
    assert detect_language(question) == lang


@pytest.mark.parametrize("text", ["", "?", "2019", "a", "OK", "Paris", "COVID-19"])
def test_no_language_in_tiny_latin_or_letterless_text(text):
    assert detect_language(text) == UNDETERMINED


def test_tiny_text_in_a_one_language_script_gets_that_language():
    assert detect_language("谁？") == "zh"
    assert detect_language("東京") == "zh"  # Han alone reads as Chinese; kana makes it Japanese
    assert detect_language("東京はどこ") == "ja"
    assert detect_language("서울") == "ko"


def test_chinese_is_never_a_regional_variety():
    # the model alone says 'wuu' (Wu Chinese) for some Mandarin questions
    assert detect_language("约什·诺曼拦截了多少球？") == "zh"


def test_a_language_split_between_its_varieties_is_sure():
    from qa.language import _identifier, identify

    question = "塔什干会议共有多少个代表团参加？"
    ranked = dict(_identifier().rank(question))
    assert max(ranked.values()) < 0.5  # the model splits it: Wu 0.50, Mandarin 0.47, Cantonese 0.03
    found = identify(question, prefer=("en", "fr"))
    assert found.language == "zh" and found.sure
    assert found.confidence == pytest.approx(ranked["zh"] + ranked["wuu"] + ranked["yue"])


def test_scripts_counts_letters_by_script():
    assert list(scripts("在 Tashkent 举行的塔什干会议")) == ["CJK", "LATIN"]
    assert scripts("2019 !") == {}


def test_spaceless_languages():
    assert is_spaceless("zh") and is_spaceless("th") and is_spaceless("ja")
    assert not is_spaceless("en") and not is_spaceless("ko")


def test_a_few_kana_in_a_french_text_do_not_make_it_japanese():
    text = "Le festival de Tokyo (東京まつり, Tōkyō matsuri) a lieu chaque année au printemps dans la capitale japonaise."
    assert detect_language(text) == "fr"
    assert detect_language("東京で会議が開かれました。") == "ja"
