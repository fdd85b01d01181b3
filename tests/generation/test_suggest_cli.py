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
