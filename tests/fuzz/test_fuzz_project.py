"""Fuzzing the native project reader (``.composer``) through ``formats.read``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from composer_app.formats.project import score_to_dict
from fuzz_contract import check_read, fuzz_settings
from fuzz_inputs import byte_mutants, project_mutants, scores, seed_files, text_mutants


def _read(data: bytes, name: str = "fuzz.composer"):
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        path = Path(d) / name
        path.write_bytes(data)
        return check_read(path, "project")


@fuzz_settings(250, weight=1.0)
@given(st.data())
def test_project_structural_mutations(data):
    """Random valid scores, then wrong types, missing keys, huge/negative numbers, NaN in the JSON."""
    score = data.draw(scores())
    _read(data.draw(project_mutants(score_to_dict(score))))


@fuzz_settings(150, weight=0.5)
@given(st.data())
def test_project_byte_and_text_mutations(data):
    seeds = seed_files(".composer")
    seed = data.draw(st.sampled_from(seeds))
    mutant = data.draw(byte_mutants(seed, seeds) if data.draw(st.booleans()) else text_mutants(seed))
    _read(mutant)


def test_project_seeds_read_back():
    """The seeds themselves are valid (otherwise the mutants would test nothing)."""
    for seed in seed_files(".composer"):
        assert _read(seed) is not None
    assert json.loads(seed_files(".composer")[0])["format"] == "composer-assistant-project"
