"""manifest.json: what an index holds (files, model, chunk settings) and which data folder has it."""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from ..chunking import ChunkSettings
from ..embedding import Embedder
from ..errors import IndexStoreError
from ..jsonfile import write_json
from ..types import Skipped

# 2: each file records its language (sentence rules and lexical analysis follow it). 3: words keep their combining
# marks and zero-width joiners, and the danda, Khmer's khan and a space between Thai sentences end one (the BM25
# terms and the sentences of such texts differ from what version 2 stored). 4: a run of initials ("ค.ศ. 1911", "will.i.am")
# is not cut where pysbd's rules do not know it, nor a Thai sentence before one. 5: a sentence starts after the Markdown
# heading's or list item's marker its line opens with ("## History", "- 47 delegations").
FORMAT_VERSION = 5
MANIFEST = "manifest.json"


def read_manifest(index_dir: str | os.PathLike) -> dict | None:
    """The manifest of the index in `index_dir`, or None when there is none."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexStoreError(f"{path} is unreadable ({err}): delete {index_dir} or run `qa index --rebuild`") from None
    if not isinstance(manifest, dict):
        raise IndexStoreError(f"{path} is not an index manifest: delete {index_dir} or run `qa index --rebuild`")
    return manifest


def write_manifest(index_dir: Path, manifest: dict) -> None:
    """Replace manifest.json atomically: readers see the old index or the new one."""
    write_json(index_dir / MANIFEST, manifest)


def new_manifest(
    embedder: Embedder,
    settings: ChunkSettings,
    files: dict,
    skipped: list[Skipped],
    dim: int,
    passages: int,
    sentences: int,
    model_chosen: bool = True,
) -> dict:
    """The manifest of a new index version, naming a new data folder.

    `model_chosen` False: the model is the default one, not named by the user, and the index follows the
    default when it changes (qa.pipeline).
    """
    return {
        "format": FORMAT_VERSION,
        "model": embedder.name,
        "model_chosen": model_chosen,
        "multilingual": embedder.multilingual,  # passages in another language than a question are judged on vectors
        "min_confidence": embedder.min_confidence,  # the model's calibrated abstention threshold (None: the default)
        "dim": dim,
        "max_tokens": embedder.max_tokens,
        "settings": asdict(settings),
        "files": files,
        "skipped": [asdict(s) for s in skipped],
        "passages": passages,
        "sentences": sentences,
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "data": f"data-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}",
    }


def incompatibility(manifest: dict, embedder_name: str, settings: ChunkSettings) -> str | None:
    """Why an existing index cannot be updated in place (so must be rebuilt), or None."""
    if manifest.get("format") != FORMAT_VERSION:
        return f"index format {manifest.get('format')!r} differs from this version's {FORMAT_VERSION}"
    if not _well_formed(manifest):
        return f"{MANIFEST} is malformed"
    if manifest.get("model") != embedder_name:
        return f"model changed from {manifest.get('model')!r} to {embedder_name!r}"
    if manifest.get("settings") != asdict(settings):
        return "chunk settings changed"
    return None


def _well_formed(manifest: dict) -> bool:
    """Whether a manifest of this format has the fields and types an update relies on."""
    files, skipped = manifest.get("files"), manifest.get("skipped", [])
    return (
        isinstance(manifest.get("data"), str)
        and isinstance(files, dict)
        and all(
            isinstance(e, dict) and isinstance(e.get("sha256"), str) and isinstance(e.get("size"), int)
            and isinstance(e.get("mtime_ns"), int) and isinstance(e.get("language"), str)
            for e in files.values()
        )
        and isinstance(skipped, list)
    )
