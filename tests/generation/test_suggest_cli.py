"""The `composer-app suggest` contract, through the real console script."""

import json
import subprocess
import sys

import pytest

from composer_app.formats import write


def run_suggest(*args):
    proc = subprocess.run([sys.executable, "-m", "composer_app", "suggest", *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


@pytest.fixture
def inputs(tmp_path, lead_sheet):
    mid = tmp_path / "tune.mid"
    xml = tmp_path / "tune.musicxml"
    write(lead_sheet, mid)
    write(lead_sheet, xml)
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00garbage")
    return mid, xml, bad


def test_continue_contract_and_errors(tiny_model_dir, inputs):
    mid, xml, bad = inputs
    rc, lines, err = run_suggest(mid, bad, xml, "--model", tiny_model_dir, "--candidates", "3", "--seed", "5")
    assert rc != 0 and "Traceback" not in err
    assert [line["input"] for line in lines] == [str(mid), str(bad), str(xml)]
    assert "error" in lines[1] and "broken.mid" in lines[1]["error"]
    for line in (lines[0], lines[2]):
        assert line["task"] == "continue"
        cands = line["candidates"]
        assert 1 <= len(cands) <= 3
        assert [c["rank"] for c in cands] == list(range(1, len(cands) + 1))
        assert all(isinstance(c["score"], float) and c["score"] <= 0 for c in cands)  # mean log-probability
        for c in cands:
            assert set(c) == {"rank", "score", "notes", "chords"}
            for n in c["notes"]:
                assert set(n) == {"pitch", "start", "duration", "velocity"}
                assert 16.0 <= n["start"] < 24.0  # two bars after the 4-bar input, in beats
            for ch in c["chords"]:
                assert set(ch) == {"symbol", "start", "duration"}
    # The same input gives the same candidates alone or among others.
    rc1, alone, _ = run_suggest(mid, "--model", tiny_model_dir, "--candidates", "3", "--seed", "5")
    assert rc1 == 0 and alone[0] == lines[0]


def test_harmonize_contract(tiny_model_dir, inputs):
    mid, _, _ = inputs
    rc, lines, err = run_suggest(mid, "--task", "harmonize", "--from-bar", "2", "--to-bar", "3",
                                 "--model", tiny_model_dir, "--candidates", "2")
    assert rc == 0, err
    for c in lines[0]["candidates"]:
        assert c["notes"] == []
        assert all(4.0 <= ch["start"] < 12.0 for ch in c["chords"])


def test_missing_model_is_one_line(tmp_path, inputs):
    mid, _, _ = inputs
    rc, lines, err = run_suggest(mid, "--model", tmp_path / "nowhere")
    assert rc != 0 and lines == []
    assert "nowhere" in err and len(err.strip().splitlines()) == 1


def test_key_option_sets_or_clears_the_key(tiny_model_dir, tmp_path):
    """``--key`` sets the key of the whole input (the stderr line then says the E major melody
    leaves the C major set); ``--key auto`` reads the key from the notes even where the file sets
    one; a key that is not one is one line and status 2."""
    from composer_app.score import KeySignature, Note, Score, Track

    pitches = [64, 68, 71, 68, 71, 69, 66, 63] * 2 + [64, 68, 71, 76]
    melody = Track(notes=tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches)))
    bare, in_c = tmp_path / "bare.mid", tmp_path / "in_c.mid"
    write(Score(tracks=(melody,)), bare)
    write(Score(tracks=(melody,), key_signatures=(KeySignature("C"),)), in_c)
    common = ("--task", "harmonize", "--model", tiny_model_dir, "--candidates", "1")
    rc, lines, err = run_suggest(bare, *common)
    assert rc == 0 and "No key is set" in err and "E major" in err, err
    rc, lines_c, err = run_suggest(bare, *common, "--key", "C")
    assert rc == 0 and "leaves the key set (C major)" in err, err
    rc, lines_auto, err = run_suggest(in_c, *common, "--key", "auto")
    assert rc == 0 and "No key is set" in err and "E major" in err, err
    assert lines_auto[0]["candidates"] == lines[0]["candidates"]
    rc, out, err = run_suggest(bare, *common, "--key", "H minor")
    assert rc == 2 and out == [] and err.strip().count("\n") == 0 and "--key" in err and "Traceback" not in err
