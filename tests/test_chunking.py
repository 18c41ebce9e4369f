import re

import pytest

from qa.chunking import ChunkSettings, document_language, paragraphs, split_document, split_sentences, units
from qa.corpus import load_corpus, read_document
from qa.errors import SettingsError
from qa.types import Document


def words_counter(texts):
    return [len(re.findall(r"\w+|[^\w\s]", t)) for t in texts]


def doc(text: str, name: str = "d.txt") -> Document:
    return Document(name, text, "0" * 64, len(text.encode()))


def _line(text: str, offset: int) -> int:
    """1-based line number, a line ending at LF, CRLF or a lone CR (as editors count them)."""
    return len(re.findall(r"\r\n?|\n", text[:offset])) + 1


def assert_exact(d: Document, chunks):
    for p in chunks.passages:
        assert d.text[p.start : p.end] == p.text
        assert p.line == _line(d.text, p.start)
    for s in chunks.sentences:
        assert d.text[s.start : s.end] == s.text
        assert s.line == _line(d.text, s.start)
        assert s.text == s.text.strip()
    # every passage is the exact span of its sentence range
    for p, (f, l) in zip(chunks.passages, chunks.ranges):
        assert p.start == chunks.sentences[f].start and p.end == chunks.sentences[l - 1].end


def assert_covers_all_words(d: Document, chunks):
    covered = [False] * len(d.text)
    for s in chunks.sentences:
        for i in range(s.start, s.end):
            covered[i] = True
    lost = [m.group() for m in re.finditer(r"\S+", d.text) if not all(covered[m.start() : m.end()])]
    assert lost == []


def test_offsets_are_exact_for_every_chunk_of_the_seed_corpus(seed_copy):
    docs, _ = load_corpus(seed_copy)
    for d in docs:
        chunks = split_document(d, words_counter, 254)
        assert chunks.passages and chunks.sentences
        assert_exact(d, chunks)
        assert_covers_all_words(d, chunks)


ODD = {
    "crlf": "First line here.\r\nSecond line here.\r\n\r\nNew paragraph. Another one.\r\n",
    "bom-stripped-tabs": "\tIndented\tsentence with tabs.\n\tAnother\ttabbed one.",
    "no-final-newline": "Only one sentence without newline",
    "mixed": "Line one ends here.\rOld mac line.\nUnix line.\r\n\nLast.",
    "unicode": "Ça commence ici. Ensuite « une citation ». Enfin 90,2 % des cas.\n\n日本語の文です。次の文です。",
    "spaces": "   \n\n  Padded text in the middle.   \n\n   ",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_offsets_are_exact_in_odd_files(name):
    d = doc(ODD[name])
    chunks = split_document(d, words_counter, 254)
    assert_exact(d, chunks)
    assert_covers_all_words(d, chunks)


def test_bom_file_offsets_are_into_the_decoded_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffBOM file. Second sentence.\r\n".encode("utf-8"))
    d = read_document(path, "bom.txt")
    chunks = split_document(d, words_counter, 254)
    assert chunks.sentences[0].text == "BOM file."
    assert_exact(d, chunks)


def test_abbreviations_initials_and_decimals_do_not_split():
    text = (
        "Lt. Gen. Viktor Makhmudov read the address. The Director R. Mirzayev spoke next. "
        'As a result, 90.2 percent lead a modern life. He said "we agree." Then it ended.'
    )
    spans = split_sentences(text, 0, len(text), "en")
    got = [text[a:b] for a, b in spans]
    assert got == [
        "Lt. Gen. Viktor Makhmudov read the address.",
        "The Director R. Mirzayev spoke next.",
        "As a result, 90.2 percent lead a modern life.",
        'He said "we agree."',
        "Then it ended.",
    ]


def test_french_sentences():
    text = "M. Dupont est arrivé à Tachkent. Il a dit « bonjour ». Le taux était de 90,2 %. Fin du texte."
    got = [text[a:b] for a, b in split_sentences(text, 0, len(text), "fr")]
    assert got == ["M. Dupont est arrivé à Tachkent.", "Il a dit « bonjour ».", "Le taux était de 90,2 %.", "Fin du texte."]


def test_language_guess():
    assert document_language("Les conférences internationales ont rassemblé des représentants de la CEI.") == "fr"
    assert document_language("The joint international conferences will be attended by representatives.") == "en"


def test_paragraphs_and_units():
    text = "Title line\nFirst sentence of a hard\nwrapped paragraph.\n\n  \nSecond paragraph.\nA line of its own."
    paras = paragraphs(text)
    assert [text[a:b] for a, b in paras] == [
        "Title line\nFirst sentence of a hard\nwrapped paragraph.",
        "Second paragraph.\nA line of its own.",
    ]
    a, b = paras[0]
    assert [text[x:y] for x, y in units(text, a, b)] == ["Title line", "First sentence of a hard\nwrapped paragraph."]
    a, b = paras[1]
    assert [text[x:y] for x, y in units(text, a, b)] == ["Second paragraph.", "A line of its own."]


def test_passages_respect_the_token_limit_and_overlap_inside_a_paragraph():
    sentences = [f"Sentence number {i} talks about topic {i} at some length here." for i in range(40)]
    d = doc(" ".join(sentences))
    settings = ChunkSettings(passage_tokens=60, min_passage_tokens=10, overlap_sentences=1)
    chunks = split_document(d, words_counter, 254, settings)
    assert len(chunks.passages) > 3
    assert all(n <= 60 for n in words_counter([p.text for p in chunks.passages]))
    for (f0, l0), (f1, l1) in zip(chunks.ranges, chunks.ranges[1:]):
        assert f1 == l0 - 1  # one sentence of overlap
    assert_exact(d, chunks)
    # each sentence belongs to the first passage that holds it
    for i, s in enumerate(chunks.sentences):
        f, l = chunks.ranges[s.passage]
        assert f <= i < l
        assert all(not (ff <= i < ll) for ff, ll in chunks.ranges[: s.passage])


def test_short_paragraphs_merge_until_the_minimum():
    d = doc("News\n\nShort one.\n\nAnother short paragraph here.\n\n" + "Long paragraph sentence. " * 30)
    chunks = split_document(d, words_counter, 254, ChunkSettings(passage_tokens=100, min_passage_tokens=20))
    assert chunks.passages[0].text.startswith("News\n\nShort one.\n\nAnother short paragraph here.")


def test_a_sentence_longer_than_the_model_window_is_cut_into_pieces_that_fit():
    long = " ".join(f"word{i}" for i in range(700))
    d = doc("Intro sentence. " + long + ". End sentence.")
    chunks = split_document(d, words_counter, 100)
    assert all(n <= 100 for n in words_counter([s.text for s in chunks.sentences]))
    assert all(n <= 100 for n in words_counter([p.text for p in chunks.passages]))
    assert_exact(d, chunks)
    assert_covers_all_words(d, chunks)


def test_a_single_giant_token_is_cut_by_characters():
    d = doc("x" * 5000)
    chunks = split_document(d, lambda ts: [len(t) // 10 + 1 for t in ts], 50)
    assert "".join(s.text for s in chunks.sentences) == d.text
    assert all(len(s.text) // 10 + 1 <= 50 for s in chunks.sentences)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"passage_tokens": 4}, "passage_tokens"),
        ({"min_passage_tokens": 500}, "min_passage_tokens"),
        ({"overlap_sentences": -1}, "overlap_sentences"),
    ],
)
def test_settings_are_checked(kwargs, message):
    with pytest.raises(SettingsError, match=message):
        ChunkSettings(**kwargs)


def test_real_tokenizer_never_truncates_a_seed_passage(seed_copy, real_embedder):
    docs, _ = load_corpus(seed_copy)
    for d in docs:
        chunks = split_document(d, real_embedder.count_tokens, real_embedder.max_tokens)
        sizes = real_embedder.count_tokens([p.text for p in chunks.passages])
        assert max(sizes) <= real_embedder.max_tokens
        assert_exact(d, chunks)


def test_kept_compiled_patterns_split_exactly_like_pysbd_as_shipped():
    import re

    import pysbd
    import pysbd.abbreviation_replacer as abbreviations

    from qa.chunking import _CompiledPatterns, _segmenter

    texts = {
        "en": "Lt. Gen. R. Mirzayev met Dr. Smith at 9 a.m. on Jan. 5. He said: \"It's 90.2 pct., i.e. most.\" "
        "The U.S. Dept. of State agreed, etc. Mr. and Mrs. Jones (cf. p. 12) left. No. 7 won vs. No. 9!",
        "fr": "M. Dupont et Mme Durand sont arrivés vers 9 h. env. au n° 12 av. de la Gare. Ils ont dit : « C'est fini. » "
        "Le Dr Martin, cf. p. 4, etc. Puis ils sont partis ! Pourquoi ? Nul ne le sait.",
    }
    _segmenter("en")  # installs the kept patterns
    for language, text in texts.items():
        kept = _segmenter(language).segment(text)
        assert isinstance(abbreviations.re, _CompiledPatterns)
        abbreviations.re = re
        try:
            shipped = pysbd.Segmenter(language=language, clean=False).segment(text)
        finally:
            abbreviations.re = _CompiledPatterns()
        assert kept == shipped and len(kept) > 3


@pytest.mark.parametrize(
    "text, language",
    [
        ("塔什干会议共有四十七个代表团参加。会议讨论了反恐合作！这是真的吗？是的。", "zh"),
        ("اجتمع الوفود في طشقند. ناقشوا التعاون الأمني! هل كان ذلك مفيدا؟ نعم.", "ar"),
        ("คณะผู้แทนเดินทางถึงทาชเคนต์ การประชุมเริ่มขึ้นในวันจันทร์", "th"),
        ("Cafe\u0301 de\u0301le\u0301gations arrive\u0301es. Les re\u0301unions ont commence\u0301 lundi.", "fr"),
        ("Делегации прибыли в Ташкент. Конференция открылась в понедельник.", "ru"),
    ],
)
def test_offsets_are_exact_in_every_script(text, language):
    d = doc(f"Title\n\n{text}\n\n{text}\n")
    chunks = split_document(d, words_counter, 254)
    assert_exact(d, chunks)
    assert_covers_all_words(d, chunks)
    assert document_language(text) == language


def test_the_danda_ends_a_sentence_in_every_language_that_writes_it():
    """pysbd knows the danda for Hindi and Marathi only: a Bengali text was one sentence."""
    text = "রিভারসাইড গ্রন্থাগার ১৯৮৭ সালে খোলা হয়। এতে প্রায় ১,২০,০০০ বই আছে। “ভবনটি সুন্দর।” রিনাল্ডি বলেন॥"
    spans = split_sentences(text, 0, len(text), "bn")
    assert [text[a:b] for a, b in spans] == [
        "রিভারসাইড গ্রন্থাগার ১৯৮৭ সালে খোলা হয়।", "এতে প্রায় ১,২০,০০০ বই আছে।", "“ভবনটি সুন্দর।” রিনাল্ডি বলেন॥"
    ]
    assert document_language(text) == "bn"


def test_a_space_between_thai_sentences_ends_one_but_not_inside_a_name_or_after_a_number():
    """Thai writes no full stop: a space between two long stretches of Thai letters ends a sentence; a short piece
    (the family name of "เปาโล รินัลดี") stays, and so does a unit after its number ("340 กิโลเมตร")."""
    text = ("แม่น้ำเวลนาเป็นแม่น้ำทางตอนเหนือของประเทศ มีความยาว 340 กิโลเมตรและไหลลงสู่ทะเลบอลติก "
            "อาคารนี้ออกแบบโดยสถาปนิกเปาโล รินัลดี ผู้อำนวยการคนแรกคือแอนนา โควัช")
    spans = split_sentences(text, 0, len(text), "th")
    assert [text[a:b] for a, b in spans] == [
        "แม่น้ำเวลนาเป็นแม่น้ำทางตอนเหนือของประเทศ", "มีความยาว 340 กิโลเมตรและไหลลงสู่ทะเลบอลติก",
        "อาคารนี้ออกแบบโดยสถาปนิกเปาโล รินัลดี", "ผู้อำนวยการคนแรกคือแอนนา โควัช",
    ]
    english = "The delegations arrived in Tashkent on Monday. The conference opened."
    assert len(split_sentences(english, 0, len(english), "th")) == 2  # other scripts as before


@pytest.mark.parametrize(
    "text, language, expected",
    [
        # Thai dates: the Christian and the Buddhist era, months abbreviated ("ม.ค.", "มี.ค." with its vowel mark)
        ("อาคารหลังนี้สร้างเสร็จในปี ค.ศ. 1911 ตามแบบของสถาปนิกมาร์ทา เคลเลอร์ ห้องสมุดมีหนังสือพิมพ์ท้องถิ่นเป็นจำนวนมาก", "th",
         ["อาคารหลังนี้สร้างเสร็จในปี ค.ศ. 1911 ตามแบบของสถาปนิกมาร์ทา เคลเลอร์", "ห้องสมุดมีหนังสือพิมพ์ท้องถิ่นเป็นจำนวนมาก"]),
        ("งานจัดขึ้นเมื่อวันที่ 1 ม.ค. พ.ศ. 2567 ที่กรุงเทพฯ ครั้งต่อไปจะจัดในวันที่ 15 มี.ค. 2568 ที่เชียงใหม่", "th",
         ["งานจัดขึ้นเมื่อวันที่ 1 ม.ค. พ.ศ. 2567 ที่กรุงเทพฯ", "ครั้งต่อไปจะจัดในวันที่ 15 มี.ค. 2568 ที่เชียงใหม่"]),
        # a name written with initials, in French (pysbd's French rules cut "will.i." from "am")
        ("En août 2012, will.i.am a tweeté Spears. Le clip sort en 2013.", "fr",
         ["En août 2012, will.i.am a tweeté Spears.", "Le clip sort en 2013."]),
        # where pysbd's rules know them, as before
        ("He moved to the U.S. in 1990. The U.S. Army won. Then he left.", "en",
         ["He moved to the U.S. in 1990.", "The U.S. Army won.", "Then he left."]),
        # Russian's "т.е." (that is) before a number, which pysbd's Russian rules cut after
        ("Он жил в г. Москве в т.е. 1990 г. дома. Потом уехал.", "ru", ["Он жил в г. Москве в т.е. 1990 г. дома.", "Потом уехал."]),
    ],
)
def test_a_run_of_initials_is_not_cut(text, language, expected):
    """pysbd's English rules, which Thai falls back on, cut "ค.ศ. 1911" (the year 1911 of the Christian era) into
    "ค.", "ศ." and "1911…", and a Thai sentence ended at the space before "ค.ศ."."""
    assert [text[a:b] for a, b in split_sentences(text, 0, len(text), language)] == expected


def test_chinese_full_stops_end_sentences_and_closing_quotes_stay():
    text = "他说：“会议很成功。”代表团很满意。大家同意了吗？同意！"
    spans = split_sentences(text, 0, len(text), "zh")
    assert [text[a:b] for a, b in spans] == ["他说：“会议很成功。”", "代表团很满意。", "大家同意了吗？", "同意！"]


def test_sentence_rules_follow_the_document_language():
    d = doc("Die Delegationen kamen am Montag an. Die Konferenz begann um 9 Uhr. Sie dauerte zwei Tage.")
    chunks = split_document(d, words_counter, 254, language="de")
    assert [s.text for s in chunks.sentences] == [
        "Die Delegationen kamen am Montag an.", "Die Konferenz begann um 9 Uhr.", "Sie dauerte zwei Tage."
    ]


def test_a_markdown_heading_or_list_marker_is_not_part_of_the_sentence():
    text = ("# Orlen City Library\n\n## History ##\n\nThe building was completed in 1911.\n\n"
            "- 47 delegations took part.\n* Tashkent hosted them.\n• Twenty states sent experts.\n\n"
            "-5 degrees was the coldest night.\n#hashtag stays.\n#\n")
    d = doc(text, "notes.md")
    chunks = split_document(d, words_counter, 254)
    assert_exact(d, chunks)
    covered = {i for s in chunks.sentences for i in range(s.start, s.end)}
    assert [m.group() for m in re.finditer(r"\S+", text) if m.start() not in covered] == ["#", "##", "-", "*", "•"]
    assert [s.text for s in chunks.sentences] == [
        "Orlen City Library", "History ##", "The building was completed in 1911.", "47 delegations took part.",
        "Tashkent hosted them.", "Twenty states sent experts.", "-5 degrees was the coldest night.", "#hashtag stays.", "#",
    ]
