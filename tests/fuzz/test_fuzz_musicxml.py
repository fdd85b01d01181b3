"""Fuzzing the MusicXML reader (``.musicxml`` / ``.xml`` / ``.mxl``, music21) through ``formats.read``."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fuzz_contract import check_read, fuzz_settings
from fuzz_inputs import byte_mutants, seed_files, text_mutants


def _read(data: bytes, ext: str):
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        path = Path(d) / f"fuzz{ext}"
        path.write_bytes(data)
        return check_read(path, "musicxml")


def _rezip(xml: bytes, template: bytes) -> bytes:
    """``xml`` as the score document of an .mxl archive laid out like ``template``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            zout.writestr(info.filename, xml if info.filename.endswith(".musicxml") else body)
    return out.getvalue()


@fuzz_settings(240, weight=0.1)
@given(st.data())
def test_musicxml_text_mutations(data):
    """Written by the app's writer, then numbers swapped for huge/negative values, closing tags
    deleted, lines duplicated/deleted/swapped, odd unicode inserted."""
    seed = data.draw(st.sampled_from(seed_files(".musicxml")))
    _read(data.draw(text_mutants(seed)), data.draw(st.sampled_from([".musicxml", ".xml"])))


@fuzz_settings(160, weight=0.1)
@given(st.data())
def test_musicxml_byte_mutations(data):
    seeds = seed_files(".musicxml")
    seed = data.draw(st.sampled_from(seeds))
    _read(data.draw(byte_mutants(seed, seeds)), ".musicxml")


@fuzz_settings(160, weight=0.1)
@given(st.data())
def test_mxl_mutations(data):
    """Compressed MusicXML: the archive's bytes mutated, or a mutated document zipped again."""
    seeds = seed_files(".mxl")
    seed = data.draw(st.sampled_from(seeds))
    if data.draw(st.booleans()):
        mutant = data.draw(byte_mutants(seed, seeds))
    else:
        xml = data.draw(st.sampled_from(seed_files(".musicxml")))
        mutant = _rezip(data.draw(text_mutants(xml)), seed)
    _read(mutant, ".mxl")


def test_musicxml_seeds_read_back():
    for ext in (".musicxml", ".mxl"):
        for seed in seed_files(ext):
            assert _read(seed, ext) is not None
