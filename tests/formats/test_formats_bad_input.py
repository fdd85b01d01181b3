"""Bad input never escapes as anything but FileFormatError naming the file (and never crashes)."""

from __future__ import annotations

import random

import pytest

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.score import Score

from formats_helpers import lead_sheet

ABC = 'X:1\nT:Tiny\nM:4/4\nL:1/4\nK:C\n"C"C D E F|"G7"G A B c|]\n'
READ_EXTS = [".composer", ".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc"]


def _valid_file(tmp_path, ext: str):
    path = tmp_path / f"good{ext}"
    if ext == ".abc":
        path.write_text(ABC)
    else:
        formats.write(lead_sheet(4, 4), path)
    return path


def _expect_error(path, *fragments: str) -> FileFormatError:
    with pytest.raises(FileFormatError) as err:
        formats.read(path)
    assert err.value.path == str(path)
    assert str(path) in str(err.value)
    for f in fragments:
        assert f in str(err.value)
    assert "\n" not in str(err.value)
    return err.value


@pytest.mark.parametrize("ext", READ_EXTS)
def test_empty_file(tmp_path, ext):
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    _expect_error(path, "empty")


@pytest.mark.parametrize("ext", READ_EXTS)
def test_missing_file(tmp_path, ext):
    _expect_error(tmp_path / f"nothing-here{ext}", "not found")


@pytest.mark.parametrize("ext", READ_EXTS)
def test_random_bytes(tmp_path, ext):
    rng = random.Random(ext)
    for i in range(5):
        path = tmp_path / f"noise{i}{ext}"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.choice([3, 64, 2000]))))
        _expect_error(path)


@pytest.mark.parametrize("ext", [".composer", ".mid", ".musicxml", ".mxl"])
def test_truncated_file(tmp_path, ext):
    good = _valid_file(tmp_path, ext)
    data = good.read_bytes()
    for cut in sorted({4, 13, 30, len(data) // 3, len(data) // 2, len(data) - 7}):
        path = tmp_path / f"cut{cut}{ext}"
        path.write_bytes(data[:cut])
        _expect_error(path)


def test_truncated_abc_reads_what_is_there_or_says_why(tmp_path):
    for cut in range(1, len(ABC), 3):
        path = tmp_path / f"cut{cut}.abc"
        path.write_text(ABC[:cut])
        try:
            result = formats.read(path)
        except FileFormatError as exc:
            assert str(path) in str(exc)
        else:
            assert isinstance(result, Score)


@pytest.mark.parametrize("name", ["song.txt", "song.wav", "song", "song.abc.bak"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text(ABC)
    _expect_error(path, "unsupported file type")


def test_wrong_content_for_extension(tmp_path):
    midi = _valid_file(tmp_path, ".mid")
    for ext in (".musicxml", ".mxl", ".composer", ".abc"):
        path = tmp_path / f"really-midi{ext}"
        path.write_bytes(midi.read_bytes())
        _expect_error(path)
    xml = _valid_file(tmp_path, ".musicxml")
    path = tmp_path / "really-xml.mid"
    path.write_bytes(xml.read_bytes())
    _expect_error(path, "not a MIDI file")


def test_project_with_bad_values(tmp_path):
    good = _valid_file(tmp_path, ".composer")
    text = good.read_text()
    for old, new, why in [('"pitch": 6', '"pitch": 60006', "pitch"), ('"symbol": "Am7"', '"symbol": "Hm7"', "chord"),
                          ('"numerator": 4', '"numerator": "four"', "numerator"),
                          ('"format": "composer-assistant-project"', '"format": "other"', "not a Composer")]:
        path = tmp_path / "bad.composer"
        path.write_text(text.replace(old, new, 1))
        _expect_error(path, why)


def test_folder_instead_of_file(tmp_path):
    folder = tmp_path / "folder.mid"
    folder.mkdir()
    _expect_error(folder, "folder")


def test_abc_tune_out_of_range(tmp_path):
    path = _valid_file(tmp_path, ".abc")
    with pytest.raises(FileFormatError) as err:
        formats.read(path, tune=2)
    assert str(path) in str(err.value) and "X:2" in str(err.value)


def test_write_errors(tmp_path):
    score = lead_sheet(4, 4)
    for name, why in [("missing/out.mid", "does not exist"), ("out.abc", "not written"), ("out.wav", "unsupported")]:
        with pytest.raises(FileFormatError) as err:
            formats.write(score, tmp_path / name)
        assert str(tmp_path / name) in str(err.value) and why in str(err.value)


def test_dialog_filters():
    read = formats.dialog_filters(False)
    write = formats.dialog_filters(True)
    assert read.startswith("All supported files (") and "*.abc" in read and "*.mxl" in read
    assert "*.abc" not in write and "*.composer" in write
    for ext in formats.SUPPORTED_WRITE:
        assert f"*{ext}" in write
