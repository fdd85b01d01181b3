"""Valid input that was refused, and an input whose notes were dropped without a word (issue 13):
ABC with neither L: nor M:, a 1/64 meter, a MIDI header promising 65535 tracks over one real
track, running status after system exclusive and meta events; notes past bar 20,000 are refused
by name, never dropped."""

from __future__ import annotations

import struct

import pytest

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.formats._common import MAX_BARS
from composer_app.score import TPQ, Note, Score, TimeSignature, Track


def smf(tracks: list[bytes], ntrks: int | None = None, tpq: int = 480) -> bytes:
    out = b"MThd" + struct.pack(">LHHH", 6, 1, len(tracks) if ntrks is None else ntrks, tpq)
    return out + b"".join(b"MTrk" + struct.pack(">L", len(t)) + t for t in tracks)


def varlen(n: int) -> bytes:
    """A MIDI variable-length number."""
    from mido.midifiles.meta import encode_variable_int

    return bytes(encode_variable_int(n))


END = b"\x00\xff\x2f\x00"


def test_abc_with_neither_unit_length_nor_meter_reads_in_eighths(tmp_path):
    path = tmp_path / "plain.abc"
    path.write_text("X:1\nT:No L or M\nK:G\nGABc dedB|dedB dedB|]\n")
    notes = formats.read(path).all_notes()
    assert [(n.start, n.duration) for n in notes[:3]] == [(0, TPQ // 2), (TPQ // 2, TPQ // 2), (TPQ, TPQ // 2)]
    assert len(notes) == 16
    header = tmp_path / "header.abc"  # the file header's L: still wins
    header.write_text("L:1/4\n\nX:1\nT:t\nK:G\nGABc|]\n")
    assert formats.read(header).all_notes()[1].start == TPQ


@pytest.mark.parametrize("ext", [".composer", ".mid", ".musicxml"])
def test_a_1_64_meter_is_kept(tmp_path, ext):
    notes = tuple(Note(60 + i, i * 30, 30) for i in range(8))
    score = Score(tracks=(Track(notes=notes),), time_signatures=(TimeSignature(1, 64),))
    path = tmp_path / f"tiny{ext}"
    formats.write(score, path)
    back = formats.read(path)
    assert [(t.numerator, t.denominator) for t in back.time_signatures] == [(1, 64)]
    assert back.bar_count == 8
    abc = tmp_path / "tiny.abc"
    abc.write_text("X:1\nT:t\nM:1/64\nL:1/64\nK:C\nC|D|E|F|]\n")
    assert [(t.numerator, t.denominator) for t in formats.read(abc).time_signatures] == [(1, 64)]


def _notes_track(n: int = 8) -> bytes:
    return b"".join(b"\x00" + bytes([0x90, 60 + i, 80]) + b"\x83\x60" + bytes([0x80, 60 + i, 0])
                    for i in range(n)) + END


def test_a_header_promising_65535_tracks_reads_the_track_that_is_there(tmp_path):
    path = tmp_path / "many.mid"
    path.write_bytes(smf([_notes_track()], ntrks=65535))
    assert [n.pitch for n in formats.read(path).all_notes()] == list(range(60, 68))
    alien = tmp_path / "alien.mid"  # a chunk of an unknown type between the tracks is skipped
    data = smf([_notes_track(2)])
    alien.write_bytes(data[:14] + b"XFIH" + struct.pack(">L", 3) + b"abc" + data[14:])
    assert len(formats.read(alien).all_notes()) == 2


def test_running_status_after_sysex_and_meta_events_reads(tmp_path):
    track = (b"\x00\x90\x3c\x40" + b"\x00\xf0\x03\x7e\x00\xf7" + b"\x83\x60\x3c\x00"  # after a sysex
             + b"\x00\x3e\x40" + b"\x00\xff\x01\x04text" + b"\x83\x60\x3e\x00"  # after a meta event
             + b"\x00\x40\x40" + b"\x83\x60\x40\x00" + END)
    path = tmp_path / "running.mid"
    path.write_bytes(smf([track]))
    notes = formats.read(path).all_notes()
    assert [(n.pitch, n.start, n.duration) for n in notes] == [(60, 0, 480), (62, 480, 480), (64, 960, 480)]


def test_notes_past_the_bar_limit_are_refused_not_dropped(tmp_path):
    """900,000 events (450,000 quarter notes, 112,500 bars) used to become 79,999 notes, silently."""
    body = bytearray()
    for i in range(4 * MAX_BARS + 8):
        p = 60 + i % 12
        body += b"\x00" + bytes([0x90, p, 80]) + varlen(TPQ) + bytes([0x80, p, 0])
    path = tmp_path / "endless.mid"
    path.write_bytes(smf([bytes(body) + END]))
    with pytest.raises(FileFormatError, match=f"notes starting after bar {MAX_BARS:,}"):
        formats.read(path)
    ok = tmp_path / "to-the-end.mid"  # a note at the start of the last bar is fine
    ok.write_bytes(smf([b"\x00\x90\x3c\x50\x83\x60\x80\x3c\x00" + varlen((MAX_BARS - 1) * 4 * TPQ - TPQ)
                        + b"\x90\x3e\x50\x83\x60\x80\x3e\x00" + END]))
    assert formats.read(ok).all_notes()[-1].start == (MAX_BARS - 1) * 4 * TPQ


def test_a_trailing_event_far_past_the_limit_is_not_a_reason_to_refuse(tmp_path):
    """Only notes count: an end-of-track with an absurd delta time (a damaged file) still reads."""
    path = tmp_path / "long-tail.mid"
    path.write_bytes(smf([_notes_track(4)[:-len(END)] + varlen(0x0FFFFFFF) + b"\xff\x2f\x00"]))
    assert len(formats.read(path).all_notes()) == 4
