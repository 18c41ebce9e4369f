"""EPUB -> text: the book's XHTML chapters in reading (spine) order, each read like a web page (qa.formats.html).

The archive is read with the standard library (zipfile, ElementTree): META-INF/container.xml names
the package document, whose spine orders the chapters. A heading is a location ('§ "Chapter 3"');
text before a chapter's first heading stands at the chapter's file name. DRM-protected books
(META-INF/encryption.xml) cannot be read and say so.
"""
from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from urllib.parse import unquote

from .extracted import Extracted, TextBuilder, UnreadableError, check_zip
from .html import write_html

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
CHAPTER_TYPES = ("application/xhtml+xml", "text/html")


def extract_epub(data: bytes) -> Extracted:
    """The text of an EPUB book, chapter after chapter, with a block per heading."""
    check_zip(data, "EPUB book")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "META-INF/encryption.xml" in names and b"EncryptedData" in z.read("META-INF/encryption.xml"):
                raise UnreadableError("an EPUB book protected by DRM (encrypted): it cannot be read")
            container = ET.fromstring(z.read("META-INF/container.xml"))
            rootfile = container.find(f".//{_CONTAINER}rootfile")
            opf_path = rootfile.get("full-path") if rootfile is not None else None
            if not opf_path or opf_path not in names:
                raise UnreadableError("a damaged EPUB book (no package document)")
            opf = ET.fromstring(z.read(opf_path))
            base = posixpath.dirname(opf_path)
            items = {
                item.get("id"): (posixpath.normpath(posixpath.join(base, unquote(item.get("href", "")))), item.get("media-type"))
                for item in opf.iter(f"{_OPF}item")
            }
            out = TextBuilder()
            for ref in opf.iter(f"{_OPF}itemref"):
                path, kind = items.get(ref.get("idref"), (None, None))
                if path in names and kind in CHAPTER_TYPES:
                    write_html(z.read(path).decode("utf-8", "replace"), out, posixpath.basename(path))
            return out.build("epub")
    except (KeyError, ET.ParseError, zipfile.BadZipFile, UnicodeDecodeError) as err:
        raise UnreadableError(f"a damaged EPUB book ({type(err).__name__})") from None
