"""``composer-app convert`` through a real subprocess: exit codes, one-line errors, shared lead sheets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from composer_app import formats

from formats_helpers import lead_sheet

ABC = 'X:3\nT:Three\nM:3/4\nL:1/8\nK:G\n"G"G2 B2 d2|"D7"c2 A2 F2|"G"G6|]\n\nX:5\nT:Five\nM:2/4\nL:1/8\nK:D\n"D"d2 f2|"A7"e2 c2|"D"d4|]\n'


def convert(*args: str | Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("composer-app")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "composer_app"]
    return subprocess.run(cmd + ["convert", *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def assert_one_line_error(result: subprocess.CompletedProcess, path: Path, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    for f in fragments:
        assert f in lines[0]


def test_abc_tune_to_midi_musicxml_and_project(tmp_path):
    src = tmp_path / "two.abc"
    src.write_text(ABC)
    outs = [tmp_path / "five.mid", tmp_path / "five.musicxml", tmp_path / "five.composer"]
    for out in outs:
        r = convert(src, out, "--tune", "5")
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
    scores = [formats.read(p) for p in outs]
    assert all(s.content_equal(scores[0]) for s in scores)
    assert [str(c.symbol) for c in scores[0].chords] == ["D", "A7", "D"]
    assert str(scores[0].time_signature) == "2/4"


def test_list_tunes(tmp_path):
    src = tmp_path / "two.abc"
    src.write_text(ABC)
    r = convert(src, tmp_path / "unused.mid", "--list-tunes")
    assert r.returncode == 0 and r.stdout.splitlines() == ["3\tThree", "5\tFive"]


def test_project_round_trip_through_cli(tmp_path):
    src = tmp_path / "song.composer"
    formats.write(lead_sheet(6, 8), src)
    r1 = convert(src, tmp_path / "song.mxl")
    r2 = convert(tmp_path / "song.mxl", tmp_path / "back.mid")
    r3 = convert(tmp_path / "back.mid", tmp_path / "back.composer")
    assert (r1.returncode, r2.returncode, r3.returncode) == (0, 0, 0), r1.stderr + r2.stderr + r3.stderr
    assert formats.read(tmp_path / "back.composer").content_equal(formats.read(src))


def test_errors_are_one_line_with_file_name(tmp_path):
    missing = tmp_path / "missing.mid"
    assert_one_line_error(convert(missing, tmp_path / "x.composer"), missing, "not found")
    junk = tmp_path / "junk.mid"
    junk.write_bytes(b"\x00\x01garbage" * 10)
    assert_one_line_error(convert(junk, tmp_path / "x.composer"), junk, "not a MIDI file")
    empty = tmp_path / "empty.musicxml"
    empty.write_bytes(b"")
    assert_one_line_error(convert(empty, tmp_path / "x.mid"), empty, "empty")
    abc = tmp_path / "two.abc"
    abc.write_text(ABC)
    assert_one_line_error(convert(abc, tmp_path / "x.mid", "--tune", "4"), abc, "X:4")
    out = tmp_path / "x.abc"
    assert_one_line_error(convert(abc, out), out, "not written")
    out = tmp_path / "x.pdf"
    assert_one_line_error(convert(abc, out), out, "unsupported")
    assert not out.exists()
    bad_in = tmp_path / "notes.txt"
    bad_in.write_text("hello")
    assert_one_line_error(convert(bad_in, tmp_path / "x.mid"), bad_in, "unsupported")


def test_failed_conversion_leaves_existing_output_untouched(tmp_path):
    out = tmp_path / "keep.mid"
    formats.write(lead_sheet(4, 4), out)
    before = out.read_bytes()
    junk = tmp_path / "junk.musicxml"
    junk.write_text("<score-partwise><part id='P1'><measure")
    r = convert(junk, out)
    assert r.returncode != 0 and out.read_bytes() == before


@pytest.mark.slow
def test_shared_lead_sheets_round_trip_through_cli(shared_data, tmp_path):
    """Every shared OpenEWLD lead sheet: .mxl -> .composer -> .musicxml -> .mid -> equal to the source."""
    sheets = sorted((shared_data / "openewld-pd" / "dataset").rglob("*.mxl"))
    assert sheets
    failures = []
    for i, sheet in enumerate(sheets[:4]):  # the full corpus is covered in-process by test_formats_corpus
        a, b, c = tmp_path / f"{i}.composer", tmp_path / f"{i}.musicxml", tmp_path / f"{i}.mid"
        for src, dst in ((sheet, a), (a, b), (b, c)):
            r = convert(src, dst)
            assert r.returncode == 0, r.stderr
        if not formats.read(c).content_equal(formats.read(sheet)):
            failures.append(sheet.name)
    assert failures == []
