"""What a file really is, from its first bytes, whatever its name says: pdf, zip (docx, odt, epub), html, ole, text."""
from __future__ import annotations

import io
import re
import zipfile

_HTML = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc, and Office files protected by a password
NAMES = {
    "pdf": "a PDF", "html": "an HTML page", "docx": "a Word (.docx) file", "odt": "an OpenDocument text (.odt)",
    "epub": "an EPUB book", "zip": "a ZIP archive", "ole": "an old-format or password-protected Office file",
    "image": "an image", "text": "plain text", "binary": "a binary file",
}
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")


def sniff(data: bytes) -> str:
    """The format `data` is written in: pdf, docx, odt, epub, zip, ole, html, image, binary or text."""
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(_IMAGES):
        return "image"
    text = head.lstrip(b"\xef\xbb\xbf")
    if _HTML.match(text):
        return "html"
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "binary"
    return "text"


def _zip_kind(data: bytes) -> str:
    """docx, odt or epub from the archive's parts; "zip" for another or a damaged archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                mimetype = z.read("mimetype")[:100]
                if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
                    return "odt"
                if mimetype.startswith(b"application/epub+zip"):
                    return "epub"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        pass
    return "zip"
