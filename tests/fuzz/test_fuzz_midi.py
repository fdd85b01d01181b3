"""Fuzzing the MIDI reader (``.mid`` / ``.midi``, mido) through ``formats.read``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import check_read, fuzz_settings
from fuzz_inputs import byte_mutants, midi_mutants, scores, seed_files, written


def _read(data: bytes, ext: str = ".mid"):
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        path = Path(d) / f"fuzz{ext}"
        path.write_bytes(data)
        return check_read(path, "midi")


@fuzz_settings(150, weight=1.0)
@given(st.data())
def test_midi_byte_mutations_of_written_scores(data):
    """Random scores written by the app's MIDI writer, then flipped, truncated, chunks cut/copied/spliced."""
    seed = written(data.draw(scores(max_notes=12)), ".mid")
    _read(data.draw(byte_mutants(seed, seed_files(".mid"))), data.draw(st.sampled_from([".mid", ".midi"])))


@fuzz_settings(150, weight=1.0)
@given(st.data())
def test_midi_message_mutations(data):
    """Extreme but encodable field values: tempo 0, huge deltas, odd meters, resolution edges ..."""
    seed = data.draw(st.sampled_from(seed_files(".mid")))
    _read(data.draw(midi_mutants(seed)))


def test_midi_seeds_read_back():
    for seed in seed_files(".mid"):
        assert _read(seed) is not None
