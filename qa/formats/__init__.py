"""Documents other than plain text: one extractor per format behind `extract()`, each giving the text the
pipeline reads and blocks that place its offsets (page, heading, paragraph); see docs/how-it-works.md."""
from __future__ import annotations

from collections.abc import Callable

from .extracted import Extracted, PageProgress
from .sniff import NAMES, sniff

# Suffix -> format; every other document suffix the corpus reads is plain text.
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html", ".docx": "docx", ".odt": "odt", ".epub": "epub"}
SUFFIX_OF = {"pdf": ".pdf", "html": ".html", "docx": ".docx", "odt": ".odt", "epub": ".epub"}
# What a file of each format may really be: an .html file holding no tags is still read as HTML.
ACCEPTS = {"pdf": {"pdf"}, "html": {"html", "text"}, "docx": {"docx"}, "odt": {"odt"}, "epub": {"epub"}}
Decode = Callable[[bytes], tuple[str, str]]  # bytes -> (text, encoding); ValueError when not text


def format_of(name: str) -> str:
    """The format a file name says: pdf, html, docx, odt, epub, or text."""
    lower = name.lower()
    for suffix, fmt in FORMATS.items():
        if lower.endswith(suffix):
            return fmt
    return "text"


def check_kind(data: bytes, fmt: str) -> str:
    """The format `data` really is; ValueError when it is not what its name (format `fmt`) says."""
    real = sniff(data)
    if fmt == "text":
        if real in ("pdf", "docx", "odt", "epub", "ole", "image", "zip"):
            raise ValueError(f"named as text but it is {NAMES[real]}{_rename(real)}")
        return real
    if real in ACCEPTS[fmt]:
        return real
    if fmt == "docx" and real == "ole":
        raise ValueError("a password-protected Word file, or an old .doc (Word 97-2003): save it as an unprotected .docx")
    if fmt in ("docx", "odt", "epub") and real == "zip":
        raise ValueError(f"a damaged {_KIND[fmt]} (a ZIP archive without the parts of one)")
    if fmt in ("odt", "epub") and real == "ole":
        raise ValueError(f"not {_KIND[fmt]}: an old-format or password-protected Office file")
    if real == "text" and fmt == "pdf" and not data.strip():
        raise ValueError("empty file")
    what = NAMES.get(real, "another kind of file")
    if fmt == "pdf" and real in ("text", "binary"):
        return "pdf"  # no PDF header: PDFium says whether it can read it (and why not)
    raise ValueError(f"named {SUFFIX_OF[fmt]} but it is {what}{_rename(real)}")


_KIND = {"docx": "Word file", "odt": "OpenDocument file", "epub": "EPUB book"}


def _rename(real: str) -> str:
    return f": rename it to {SUFFIX_OF[real]} to index it" if real in SUFFIX_OF else ": it cannot be indexed"


def extract(data: bytes, fmt: str, decode: Decode, on_page: PageProgress | None = None) -> Extracted:
    """The text of a file of format `fmt` (pdf, html, docx, odt, epub) and its blocks; ValueError saying why it
    cannot be read."""
    check_kind(data, fmt)
    try:
        return _extract(data, fmt, decode, on_page)
    except ValueError:
        raise
    except RecursionError:
        raise ValueError("nested too deeply to be read (thousands of elements inside each other)") from None
    except Exception as err:  # a reader library failing on odd input: this file is skipped, not the whole index
        raise ValueError(f"could not be read ({type(err).__name__}: {str(err)[:160]})") from None


def _extract(data: bytes, fmt: str, decode: Decode, on_page: PageProgress | None) -> Extracted:
    if fmt == "pdf":
        from .pdf import extract_pdf

        return extract_pdf(data, on_page)
    if fmt == "html":
        from .html import extract_html

        text, _ = decode(data)
        return extract_html(text)
    if fmt == "docx":
        from .docx import extract_docx

        return extract_docx(data)
    if fmt == "odt":
        from .odt import extract_odt

        return extract_odt(data)
    if fmt == "epub":
        from .epub import extract_epub

        return extract_epub(data)
    raise ValueError(f"no reader for the {fmt!r} format")


def locate(blocks, start: int, line: int) -> str:
    """Where offset `start` stands: the location of the block holding it ("page 3"), else "line N".

    `blocks` are Blocks or their manifest form [start, end, location], in text order.
    """
    best = None
    for block in blocks or ():
        b_start, b_end, location = (block.start, block.end, block.location) if hasattr(block, "location") else block
        if b_start > start:
            break
        best = location
        if start < b_end:
            return location
    return best or f"line {line}"
