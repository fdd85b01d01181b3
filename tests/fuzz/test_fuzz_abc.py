"""Fuzzing the ABC reader (music21) the way the GUI and ``composer-app convert`` use it: list the
tunes, then read the chosen one (``formats.read(path, tune=N)``), or read the first tune."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from composer_app.errors import FileFormatError
from composer_app.formats.abc import list_tunes
from fuzz_contract import STATS, check_error, check_read, fuzz_settings, memory_limit, time_limit
from fuzz_inputs import ABC_SEEDS, byte_mutants, seed_files, text_mutants

NOTES = "CDEFGABcdefgab"


@st.composite
def abc_tunes(draw):
    """A generated tune: random header fields, notes with lengths, chords, bars, ties, tuplets."""
    lines = [f"X:{draw(st.integers(0, 30))}", f"T:{draw(st.text(max_size=12))}"]
    if draw(st.booleans()):
        lines.append(f"M:{draw(st.sampled_from(['4/4', '3/4', '6/8', 'C', 'C|', '5/8', 'none', '13/16']))}")
    if draw(st.booleans()):
        lines.append(f"L:{draw(st.sampled_from(['1/8', '1/4', '1/16', '1/2', '1/1']))}")
    if draw(st.booleans()):
        lines.append(f"Q:{draw(st.sampled_from(['1/4=120', '3/8=80', '200', '1/4=0', '1/2=999']))}")
    lines.append(f"K:{draw(st.sampled_from(['C', 'G', 'Dm', 'Bb', 'F#m', 'A mix', 'D dor', 'Eb lyd', 'none', 'Hp']))}")
    body = []
    for _ in range(draw(st.integers(1, 24))):
        tok = ""
        if draw(st.integers(0, 4)) == 0:
            tok += '"' + draw(st.sampled_from(["C", "Am7", "G/B", "Gd", "D/f+", "(E7)", "N.C.", "Bb7", "^x", "4", "Xyz"])) + '"'
        tok += draw(st.sampled_from(["", "", "^", "_", "=", "^^", "__"]))
        tok += draw(st.sampled_from(NOTES + "zx"))
        tok += draw(st.sampled_from(["", "", ",", "'", ",,", "''"]))
        tok += draw(st.sampled_from(["", "", "2", "/2", "3", "/", "3/2", "4", "8", "/4"]))
        tok += draw(st.sampled_from(["", "", "", "-", " ", "|", ":|", "|:", "::", "|1", "|2", "||", "|]", "(3", ">", "<"]))
        body.append(tok)
    lines.append("".join(body) + "|]")
    return "\n".join(lines) + "\n"


def _write(d: str, data: bytes) -> Path:
    path = Path(d) / "fuzz.abc"
    path.write_bytes(data)
    return path


def _open_like_the_gui(data: bytes, pick: int) -> None:
    """``list_tunes`` then ``read(path, tune=number)`` of one listed tune (or of a number not listed)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        path = _write(d, data)
        try:
            with time_limit(what="listing tunes"), memory_limit():
                tunes = list_tunes(path)
        except FileFormatError as exc:
            check_error(exc, path)
            STATS["abc list error"] += 1
            tunes = []
        except Exception as exc:  # noqa: BLE001
            check_error(exc, path)
            raise
        if tunes:
            STATS["abc list ok"] += 1
            assert all(t.number >= 0 and isinstance(t.title, str) for t in tunes)
            # mostly a listed tune (the chooser offers only those); now and then one that is not there
            number = max(t.number for t in tunes) + 1 if pick == 0 else tunes[pick % len(tunes)].number
            check_read(path, "abc", tune=number)
        else:
            check_read(path, "abc")


@fuzz_settings(200, weight=0.1)
@given(st.data())
def test_abc_text_mutations(data):
    seed = data.draw(st.sampled_from(seed_files(".abc")))
    _open_like_the_gui(data.draw(text_mutants(seed)), data.draw(st.integers(0, 12)))


@fuzz_settings(120, weight=0.1)
@given(st.data())
def test_abc_byte_mutations(data):
    seeds = seed_files(".abc")
    seed = data.draw(st.sampled_from(seeds))
    _open_like_the_gui(data.draw(byte_mutants(seed, seeds)), data.draw(st.integers(0, 10)))


@fuzz_settings(200, weight=0.1)
@given(st.data())
def test_abc_generated_tunes(data):
    """Generated tunes (and several in one file), optionally mutated."""
    tunes = data.draw(st.lists(abc_tunes(), min_size=1, max_size=3))
    text = "\n".join(tunes).encode("utf-8")
    if data.draw(st.booleans()):
        text = data.draw(text_mutants(text))
    _open_like_the_gui(text, data.draw(st.integers(0, 10)))


def test_abc_seeds_read_back():
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        for text in ABC_SEEDS:
            path = _write(d, text.encode())
            for t in list_tunes(path):
                assert check_read(path, "abc", tune=t.number) is not None
