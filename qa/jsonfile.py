"""JSON files written safely: a unique temporary name, fsync, then an atomic rename over the old file."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

TMP_MARK = ".tmp-"  # temporary files carry it; an interrupted write leaves one behind, never a half file


def write_json(path: Path, obj) -> None:
    """Write `obj` to `path` so that a reader sees the old file or the new one, never a mix."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not valid UTF-8 on disk: escape it, json round-trips it
        data = json.dumps(obj).encode("ascii")
    tmp = path.with_name(path.name + f"{TMP_MARK}{uuid.uuid4().hex[:8]}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
