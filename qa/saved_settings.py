"""The index folder's settings.json: the abstention threshold `qa calibrate --save` chose, read and written."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from .answer import AnswerSettings
from .errors import SettingsError
from .jsonfile import write_json

SETTINGS_FILE = "settings.json"


def settings_path(index_dir: str | os.PathLike) -> Path:
    """Where the saved answer settings of an index live."""
    return Path(index_dir) / SETTINGS_FILE


def saved_answer_settings(index_dir: str | os.PathLike) -> AnswerSettings:
    """AnswerSettings with the abstention threshold saved in the index folder, else the defaults."""
    return with_threshold(saved_threshold(index_dir))


def with_threshold(threshold: float | None) -> AnswerSettings:
    """The default AnswerSettings with this abstention threshold (the default one when None)."""
    return AnswerSettings() if threshold is None else replace(AnswerSettings(), min_confidence=threshold)


def saved_threshold(index_dir: str | os.PathLike) -> float | None:
    """The abstention threshold saved in the index folder, or None when none was saved."""
    path = settings_path(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):  # no settings saved (a bad index path is reported on open)
        return None
    except (OSError, ValueError) as err:
        raise SettingsError(f"cannot read {path} ({err}): fix it, or delete it to use the default settings") from None
    value = data.get("min_confidence") if isinstance(data, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise SettingsError(f"{path}: min_confidence must be a number between 0 and 1, got {value!r}: run qa calibrate --save again")
    return float(value)


def save_threshold(index_dir: str | os.PathLike, threshold: float, note: str = "") -> Path:
    """Write the abstention threshold into the index folder's settings file (other keys kept), atomically."""
    path = settings_path(index_dir)
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise SettingsError(f"cannot read {path} ({err}): fix or delete it, then save again") from None
        if not isinstance(data, dict):
            raise SettingsError(f"{path} must hold a JSON object: fix or delete it, then save again")
    data["min_confidence"] = float(threshold)
    if note:
        data["min_confidence_note"] = note
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, data)
    return path
