"""``composer-app suggest`` on hostile requests (issue 13): each is answered with a clear message and
a non-zero exit, never a traceback, an empty answer called success, or a suggestion past the end
of any score; one bad input (a FIFO) never holds up the others."""

from __future__ import annotations

import os
import struct

import pytest

from composer_app.formats import write
from composer_app.generation.types import MAX_SEED, SuggestionSettings
from composer_app.score import Note, Score, Track
from composer_app.score.time import MAX_BARS, TPQ

from test_suggest_cli import run_suggest


def test_a_seed_out_of_range_is_one_line_not_a_traceback(tiny_model_dir, tmp_path, lead_sheet):
    mid = tmp_path / "tune.mid"
    write(lead_sheet, mid)
    for seed in ("9" * 23, "-1"):
        rc, lines, err = run_suggest(mid, "--model", tiny_model_dir, "--seed", seed)
        assert rc == 2 and lines == [] and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and "the seed must be a whole number from 0" in err
    with pytest.raises(ValueError, match="seed"):
        SuggestionSettings(seed=MAX_SEED + 1)
    assert SuggestionSettings(seed=MAX_SEED).seed == MAX_SEED


def test_bars_past_the_end_of_the_piece_are_an_error(tiny_model_dir, tmp_path):
    two = tmp_path / "two.abc"
    two.write_text("X:1\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|]\n")
    for args in (("--to-bar", "1000"), ("--task", "harmonize", "--from-bar", "3")):
        rc, lines, err = run_suggest(two, "--model", tiny_model_dir, *args)
        assert rc != 0 and "Traceback" not in err
        assert "candidates" not in lines[0] and "past the end of the piece (2 bars)" in lines[0]["error"]


def test_an_empty_answer_is_an_error_not_a_success(tiny_model_dir, tmp_path, monkeypatch):
    """Without a harmonizer the language model harmonizes in its own layout, and a whole 100-bar piece
    does not fit its window: no candidate comes back, which must not be called a success."""
    long_piece = tmp_path / "long.mid"
    write(Score(tracks=(Track(notes=tuple(Note(60 + i % 12, i * 4 * TPQ, 4 * TPQ) for i in range(100))),)), long_piece)
    monkeypatch.setenv("COMPOSER_APP_RESOURCES", str(tmp_path / "no-resources"))  # no bundled harmonizer
    rc, lines, err = run_suggest(long_piece, "--task", "harmonize", "--model", tiny_model_dir, "--candidates", "1")
    assert rc != 0 and "Traceback" not in err
    assert "candidates" not in lines[0] and "no harmonize candidate" in lines[0]["error"]


def test_with_the_harmonizer_a_long_piece_is_harmonized_whole(tiny_model_dir, tmp_path):
    long_piece = tmp_path / "long.mid"
    write(Score(tracks=(Track(notes=tuple(Note(60 + i % 12, i * 4 * TPQ, 4 * TPQ) for i in range(100))),)), long_piece)
    rc, lines, err = run_suggest(long_piece, "--task", "harmonize", "--model", tiny_model_dir, "--candidates", "2")
    assert rc == 0 and "Traceback" not in err
    chords = lines[0]["candidates"][0]["chords"]
    assert chords[0]["start"] == 0 and chords[-1]["start"] + chords[-1]["duration"] == 400


def test_a_suggestion_never_reaches_past_the_last_bar_a_score_can_have(tiny_model_dir, tmp_path):
    track = (b"\x00\x90\x3c\x50\x83\x60\x80\x3c\x00"
             + _varlen((MAX_BARS - 1) * 4 * TPQ - TPQ) + b"\x90\x3e\x50\x83\x60\x80\x3e\x00" + b"\x00\xff\x2f\x00")
    at_limit = tmp_path / "at-the-limit.mid"
    at_limit.write_bytes(b"MThd" + struct.pack(">LHHH", 6, 1, 1, TPQ) + b"MTrk" + struct.pack(">L", len(track)) + track)
    rc, lines, err = run_suggest(at_limit, "--model", tiny_model_dir, "--bars", "1")
    assert rc != 0 and "Traceback" not in err
    assert "no room to continue" in lines[0]["error"] and f"bar {MAX_BARS:,}" in lines[0]["error"]


def _varlen(n: int) -> bytes:
    """A MIDI variable-length number."""
    from mido.midifiles.meta import encode_variable_int

    return bytes(encode_variable_int(n))


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links of POSIX")
def test_a_fifo_or_a_link_loop_among_the_inputs_holds_up_nothing(tiny_model_dir, tmp_path, lead_sheet):
    fifo, loop, good = tmp_path / "fifo.mid", tmp_path / "loop.mid", tmp_path / "good.mid"
    os.mkfifo(fifo)
    loop.symlink_to(loop)
    write(lead_sheet, good)
    rc, lines, err = run_suggest(fifo, loop, good, "--model", tiny_model_dir, "--candidates", "1")
    assert rc != 0 and "Traceback" not in err
    assert "FIFO" in lines[0]["error"]
    assert "loops" in lines[1]["error"] and "not found" not in lines[1]["error"]
    assert len(lines[2]["candidates"]) == 1


def test_cuda_without_cuda_is_said_in_the_composers_terms(tmp_path, lead_sheet):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    mid = tmp_path / "tune.mid"
    write(lead_sheet, mid)
    rc, lines, err = run_suggest(mid, "--device", "cuda")
    assert rc == 2 and lines == [] and "Traceback" not in err
    assert "model at cuda" not in err and "no CUDA graphics card" in err and "--device cpu" in err
