"""qa.saved_settings: the index folder's settings.json read back and written safely, broken files named."""
from __future__ import annotations

import json

import pytest

from qa import AnswerSettings, SettingsError
from qa.jsonfile import TMP_MARK
from qa.saved_settings import saved_answer_settings, save_threshold, settings_path


def test_missing_file_or_folder_gives_the_defaults(tmp_path):
    assert saved_answer_settings(tmp_path / "index") == AnswerSettings()
    (tmp_path / "not-a-folder").write_text("x")
    assert saved_answer_settings(tmp_path / "not-a-folder") == AnswerSettings()


def test_saved_threshold_reads_back_and_keeps_other_keys(tmp_path):
    index = tmp_path / "index"
    path = save_threshold(index, 0.25, "by hand")
    assert path == settings_path(index) and path.name == "settings.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"min_confidence": 0.25, "min_confidence_note": "by hand"}
    assert saved_answer_settings(index).min_confidence == 0.25
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "other": [1, 2]}), encoding="utf-8")
    save_threshold(index, 0.5)
    assert json.loads(path.read_text(encoding="utf-8")) == {"min_confidence": 0.5, "min_confidence_note": "by hand", "other": [1, 2]}
    assert [p.name for p in index.iterdir()] == ["settings.json"]  # no temporary file left
    assert not any(TMP_MARK in p.name for p in index.iterdir())


@pytest.mark.parametrize(
    "text, message",
    [
        ("{oops", "cannot read"),
        ("\xff\xfe", "cannot read"),
        ('{"min_confidence": "high"}', "min_confidence must be a number between 0 and 1, got 'high'"),
        ('{"min_confidence": true}', "got True"),
        ('{"min_confidence": 1.5}', "got 1.5"),
        ("[0.3]", "got None"),
    ],
)
def test_a_broken_file_is_named_when_read(tmp_path, text, message):
    settings_path(tmp_path).write_bytes(text.encode("latin-1"))
    with pytest.raises(SettingsError, match="settings.json") as err:
        saved_answer_settings(tmp_path)
    assert message in str(err.value)


@pytest.mark.parametrize("text, message", [("{oops", "cannot read"), ("[0.3]", "must hold a JSON object")])
def test_a_broken_file_is_not_overwritten(tmp_path, text, message):
    settings_path(tmp_path).write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        save_threshold(tmp_path, 0.2)
    assert settings_path(tmp_path).read_text(encoding="utf-8") == text
