"""Every shared piece round-trips: each Nottingham tune and each OpenEWLD sheet is read once, then
written as MusicXML, MIDI and a project file and read back with the same notes, chords, meter, key
and tempo. Slow (music21 parses ~1,100 pieces): ``pytest -m slow tests/formats``."""

from __future__ import annotations

import pytest

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.formats.abc import iter_abc_tunes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(shared_data):
    """``[(name, score)]`` for every tune and sheet, parsed once for all the tests here."""
    pieces, failures = [], []
    for path in sorted((shared_data / "nottingham").glob("*.abc")):
        for info, result in iter_abc_tunes(path):
            name = f"{path.name} X:{info.number} {info.title}"
            (failures if isinstance(result, FileFormatError) else pieces).append((name, result))
    for path in sorted((shared_data / "openewld-pd" / "dataset").rglob("*.mxl")):
        try:
            pieces.append((path.name, formats.read(path)))
        except FileFormatError as exc:
            failures.append((path.name, exc))
    return pieces, failures


def test_every_piece_reads(corpus):
    pieces, failures = corpus
    assert failures == []
    assert len([p for p in pieces if ".abc X:" in p[0]]) == 960
    assert len([p for p in pieces if p[0].endswith(".mxl")]) >= 150
    with_chords = sum(1 for _, s in pieces if s.chords)
    assert with_chords / len(pieces) > 0.95


def _mismatch(a, b) -> str:
    na = sorted((n.pitch, n.start, n.duration) for n in a.all_notes())
    nb = sorted((n.pitch, n.start, n.duration) for n in b.all_notes())
    parts = []
    if na != nb:
        parts.append(f"notes -{sorted(set(na) - set(nb))[:2]} +{sorted(set(nb) - set(na))[:2]}")
    ca = [(c.start, c.duration, str(c.symbol)) for c in a.chords]
    cb = [(c.start, c.duration, str(c.symbol)) for c in b.chords]
    if ca != cb:
        parts.append(f"chords -{[c for c in ca if c not in cb][:2]} +{[c for c in cb if c not in ca][:2]}")
    if a.time_signatures != b.time_signatures:
        parts.append(f"meter {a.time_signatures} -> {b.time_signatures}")
    if [(k.tonic_pc, k.mode) for k in a.key_signatures] != [(k.tonic_pc, k.mode) for k in b.key_signatures]:
        parts.append(f"key {a.key_signatures} -> {b.key_signatures}")
    if [round(t.bpm, 2) for t in a.tempos] != [round(t.bpm, 2) for t in b.tempos]:
        parts.append(f"tempo {a.tempos} -> {b.tempos}")
    return "; ".join(parts)


@pytest.mark.parametrize("ext", [".musicxml", ".mid", ".composer"])
def test_every_piece_round_trips(corpus, tmp_path, ext):
    pieces, _ = corpus
    path = tmp_path / f"piece{ext}"
    bad = []
    for name, score in pieces:
        try:
            formats.write(score, path)
            back = formats.read(path)
        except FileFormatError as exc:
            bad.append(f"{name}: {exc}")
            continue
        if not back.content_equal(score):
            bad.append(f"{name}: {_mismatch(score, back)}")
    exact = 1 - len(bad) / len(pieces)
    print(f"{ext}: {len(pieces) - len(bad)}/{len(pieces)} pieces round-trip exactly ({exact:.1%})")
    assert bad == [], f"{len(bad)} of {len(pieces)} differ:\n" + "\n".join(bad[:20])
