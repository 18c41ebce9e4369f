"""Reading documents: pages per second for PDF text and for OCR, HTML and Word extraction speed, each extractor
beside an alternative on the same files, and the seed test set over the reports converted to each format.

    python benchmarks/formats.py [--pages 200] [--scans 4] [--extra /tmp/bench-extra] [--seeds]

The documents are made here, as the tests make them (tests/makedocs.py): the xquad-en-dev articles
(/work/shared/data, or QA_DEV_DATA) set as a PDF of --pages pages with running headers and page
numbers, --scans of those pages rendered to images and put back into a PDF (OCR), and each article
as a web page with a menu, scripts and a footer, and as a .docx. --extra names a folder holding
trafilatura and pypdf (`pip install --target /tmp/bench-extra trafilatura pypdf`): they are compared
with the extractors the project uses (not its dependencies). Sentence recall: the share of the
article's sentences found whole in the extracted text; leaks: menu, script or footer text that got in.
--seeds also indexes the five seed reports as .txt, PDF, HTML and DOCX with the default model and
prints the seed test set's metrics side by side (as tests/test_formats_seeds.py checks them).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import dev_corpus, header  # noqa: E402

LEAKS = ("Home", "Subscribe", "var tracker", "All rights reserved", "Cookie")


def articles() -> dict[str, list[str]]:
    return {p.stem: [l.strip() for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
            for p in sorted(dev_corpus("xquad-en-dev").glob("*.txt"))}


def sentences(lines: list[str]) -> list[str]:
    return [s for line in lines for s in re.split(r"(?<=[.!?])\s+", line) if len(s) > 20]


def web_page(title: str, lines: list[str]) -> str:
    body = "".join(f"<p>{escape(l)}</p>\n" for l in lines)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        "<script>var tracker = {id: 42};</script><style>p { margin: 0 }</style></head><body>"
        "<header><a href='/'>Home</a> <a href='/s'>Subscribe</a></header><nav><ul><li>Cookie settings</li></ul></nav>"
        f"<main><h1>{escape(title)}</h1>{body}</main><footer>All rights reserved.</footer></body></html>"
    )


def clock(fn, *args):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t, time.process_time() - c


def recall(texts: dict[str, str], docs: dict[str, list[str]]) -> tuple[float, int]:
    found = total = leaks = 0
    for name, lines in docs.items():
        flat = " ".join(texts[name].split())
        for s in sentences(lines):
            total += 1
            found += " ".join(s.split()) in flat
        leaks += sum(word in texts[name] for word in LEAKS)
    return found / total, leaks


def bench_pdf(docs, pages: int, scans: int, extra: bool) -> None:
    from qa.formats.pdf import extract_pdf
    from tests.makedocs import new_pdf, scanned_pdf

    pdf = new_pdf(header="xquad-en-dev articles", footer=True)
    pdf.add_page()
    used = {}
    while pdf.page_no() < pages:  # the articles over and over until the PDF has its pages
        for name, lines in docs.items():
            if pdf.page_no() >= pages:
                break
            used[f"{name}-{len(used)}"] = lines
            for line in lines:
                pdf.multi_cell(0, 6, line)
                pdf.ln(2)
    data = bytes(pdf.output())
    e, wall, cpu = clock(extract_pdf, data)
    n = len(e.pages)
    joined = {"all": e.text}
    r, leaks = recall(joined, {"all": [l for lines in used.values() for l in lines]})
    print(f"PDF text layer (pypdfium2, this project): {n} pages in {wall:.2f} s wall, {cpu:.2f} s CPU = "
          f"{n / wall:.0f} pages/s wall, {n / cpu:.0f} pages/s CPU; sentence recall {r:.3f}; header/page-number leaks "
          f"{e.text.count('xquad-en-dev articles')}")
    if extra:
        import io

        import pypdf

        def pypdf_text(b):
            return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(b)).pages)

        text, wall2, cpu2 = clock(pypdf_text, data)
        r2, _ = recall({"all": text}, {"all": [l for lines in used.values() for l in lines]})
        print(f"PDF text layer (pypdf, for comparison): {n / wall2:.0f} pages/s wall, {n / cpu2:.0f} pages/s CPU "
              f"(x{wall2 / wall:.1f} the time of pypdfium2); sentence recall {r2:.3f}; header leaks "
              f"{text.count('xquad-en-dev articles')}; no char boxes")
    if scans:
        from qa.formats import ocr

        if not ocr.available():
            print("OCR: Tesseract not installed, skipped")
            return
        import pypdfium2 as pdfium

        src = pdfium.PdfDocument(data)
        part = pdfium.PdfDocument.new()
        part.import_pages(src, list(range(min(scans, len(src)))))
        buf = __import__("io").BytesIO()
        part.save(buf)
        scan = scanned_pdf(buf.getvalue())
        text_pages = extract_pdf(buf.getvalue())
        e2, wall, cpu = clock(extract_pdf, scan)
        words_ref = re.findall(r"\w+", text_pages.text)
        words_ocr = set(re.findall(r"\w+", e2.text))
        word_recall = sum(w in words_ocr for w in words_ref) / len(words_ref)
        print(f"PDF by OCR (Tesseract eng+fra+rus, 300 dpi, scanned at 200 dpi): {len(e2.pages)} pages in {wall:.1f} s wall "
              f"= {len(e2.pages) / wall:.2f} pages/s (CPU in this process {cpu:.1f} s; Tesseract runs in its own); "
              f"words of the text layer found {word_recall:.3f}; sentences of the text layer found whole "
              f"{recall({'all': e2.text}, {'all': text_pages.text.splitlines()})[0]:.3f}")


def bench_html(docs, extra: bool) -> None:
    from qa.formats.html import extract_html

    pages = {name: web_page(name, lines) for name, lines in docs.items()}
    size = sum(len(p) for p in pages.values()) / 1e6
    texts, wall, cpu = clock(lambda: {n: extract_html(p).text for n, p in pages.items()})
    r, leaks = recall(texts, docs)
    print(f"HTML (selectolax, this project): {len(pages)} pages, {size:.2f} MB in {wall * 1e3:.0f} ms wall = "
          f"{len(pages) / wall:.0f} pages/s; sentence recall {r:.3f}; boilerplate leaks {leaks}")
    if extra:
        import trafilatura

        t_texts, wall2, _ = clock(lambda: {n: trafilatura.extract(p) or "" for n, p in pages.items()})
        r2, leaks2 = recall(t_texts, docs)
        print(f"HTML (trafilatura, for comparison): {len(pages) / wall2:.0f} pages/s (x{wall2 / wall:.1f} the time); "
              f"sentence recall {r2:.3f}; boilerplate leaks {leaks2}; gives no offsets into its input or headings "
              f"as locations without its XML output")


def bench_docx(docs) -> None:
    from qa.formats.docx import extract_docx
    from tests.makedocs import docx_bytes

    files = {n: docx_bytes([("heading", n)] + [("paragraph", l) for l in lines]) for n, lines in docs.items()}
    texts, wall, cpu = clock(lambda: {n: extract_docx(b).text for n, b in files.items()})
    r, _ = recall(texts, docs)
    print(f"DOCX (python-docx): {len(files)} files in {wall * 1e3:.0f} ms = {len(files) / wall:.0f} files/s; sentence recall {r:.3f}")


def bench_seeds() -> None:
    import json

    from qa import QA
    from qa.evaluation import evaluate
    from tests.test_formats_seeds import convert, seed_lines

    seeds, testset = ROOT / "corpus", ROOT / "tests" / "data" / "seeds_qa.jsonl"
    names = ("hit_at_k", "containment", "citation_accuracy", "false_abstention", "abstain_recall")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = QA(seeds, tmp / "index-txt")
        t = time.perf_counter()
        base.refresh()
        rows = {"txt": (evaluate(testset, base).metrics, time.perf_counter() - t)}
        for fmt in ("pdf", "html", "docx"):
            corpus = tmp / fmt
            corpus.mkdir()
            for p in sorted(seeds.glob("*.txt")):
                (corpus / f"{p.stem}.{fmt}").write_bytes(convert(seed_lines(p), fmt))
            records = [json.loads(l) for l in testset.read_text(encoding="utf-8").splitlines() if l.strip()]
            for r in records:
                r["sources"] = [s.replace(".txt", f".{fmt}") for s in r.get("sources", [])]
            (tmp / f"{fmt}.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
            bot = QA(corpus, tmp / f"index-{fmt}", model=base.embedder)
            t = time.perf_counter()
            bot.refresh()
            rows[fmt] = (evaluate(tmp / f"{fmt}.jsonl", bot).metrics, time.perf_counter() - t)
    print("seed test set, default model:   " + "  ".join(f"{n:>17}" for n in names))
    for fmt, (m, secs) in rows.items():
        print(f"  {fmt:5} (build+eval {secs:5.1f} s)  " + "  ".join(f"{getattr(m, n):17.3f}" for n in names))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--scans", type=int, default=4)
    ap.add_argument("--extra", default=None, help="folder with trafilatura and pypdf, for the comparison")
    ap.add_argument("--seeds", action="store_true")
    args = ap.parse_args()
    if args.extra:
        sys.path.append(args.extra)  # after the project's own packages: its copies of lxml etc. do not win
    header("formats")
    docs = articles()
    bench_pdf(docs, args.pages, args.scans, bool(args.extra))
    bench_html(docs, bool(args.extra))
    bench_docx(docs)
    if args.seeds:
        bench_seeds()


if __name__ == "__main__":
    main()
