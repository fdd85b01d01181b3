"""A first pass over a Standard MIDI File's bytes, before mido parses it. Pure Python, no Qt.

It walks the chunks and events (no message objects: cheap next to mido) and returns the bytes
mido should read:

* the tracks the file really holds: a header that promises more tracks than there are (65535
  over one real track; mido reads the count as a signed number, so it read none) reads the ones
  there; chunks of unknown types are skipped, as the standard says;
* running status restored after a system exclusive event: mido takes data bytes after one as
  another system exclusive message and reads on into garbage ("truncated"). After a meta event
  mido already keeps the running status;
* notes counted, and refused when there are more than ``max_notes`` or when one starts past
  ``max_tick`` (rescaled to 480 ticks per quarter): never dropped silently.

Anything it cannot follow (a bad status byte, an event cut off) it leaves as it is, for mido to
report.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileFormatError
from ..score.time import TPQ, rescale

#: Tracks read from one file (real files have a few dozen).
MAX_TRACKS = 1024


@dataclass
class _Walk:
    notes: int = 0
    last_note_tick: int = 0  # in the file's own ticks


def _varlen(body: bytes, i: int) -> tuple[int, int]:
    """(value, next index); raises IndexError when the body ends inside the number."""
    value = 0
    for _ in range(4):
        b = body[i]
        i += 1
        value = (value << 7) | (b & 0x7F)
        if b < 0x80:
            return value, i
    raise ValueError("a variable-length number longer than 4 bytes")


def _walk_track(body: bytes, walk: _Walk) -> bytes:
    """The track body with the status bytes mido needs put back; counts the notes into ``walk``."""
    inserts: list[tuple[int, int]] = []
    status = None  # running status, as the standard keeps it
    mido_status = None  # what mido would take as the running status
    tick = 0
    i, n = 0, len(body)
    try:
        while i < n:
            delta, i = _varlen(body, i)
            tick += delta
            b = body[i]
            if b == 0xFF:  # meta: type, length, data
                length, i = _varlen(body, i + 2)
                i += length
                continue
            if b in (0xF0, 0xF7):  # system exclusive: length, data
                length, i = _varlen(body, i + 1)
                i += length
                mido_status = b
                continue
            if b >= 0x80:
                status = mido_status = b
                i += 1
            elif status is None:
                break  # running status with nothing to run on: mido reports it
            elif mido_status != status:
                inserts.append((i, status))
                mido_status = status
            kind = status & 0xF0
            if status >= 0xF0:
                break  # a system common or real-time byte inside a file: mido reports it
            if kind == 0x90 and body[i + 1] > 0:
                walk.notes += 1
                walk.last_note_tick = max(walk.last_note_tick, tick)
            i += 1 if kind in (0xC0, 0xD0) else 2
    except (IndexError, ValueError):
        pass  # cut off: mido says "truncated"
    if not inserts:
        return body
    out = bytearray()
    prev = 0
    for pos, byte in inserts:
        out += body[prev:pos]
        out.append(byte)
        prev = pos
    out += body[prev:]
    return bytes(out)


def prepare(path: Path, data: bytes, *, max_notes: int, max_tick: int) -> bytes:
    """The bytes for mido (see the module's description); raises :class:`FileFormatError` for a file
    with too many tracks or notes, or with notes past ``max_tick``."""
    if len(data) < 14:
        return data  # mido says what is missing
    size = struct.unpack(">L", data[4:8])[0]
    fmt, declared, division = struct.unpack(">HHH", data[8:14])
    pos = 8 + size
    tracks: list[bytes] = []
    walk = _Walk()
    while pos + 8 <= len(data) and len(tracks) < declared:
        kind, length = struct.unpack(">4sL", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 8 + length
        if kind != b"MTrk":
            continue  # an unknown chunk: skipped, as the standard says
        if len(tracks) >= MAX_TRACKS:
            raise FileFormatError(path, f"the MIDI file has more than {MAX_TRACKS:,} tracks (too many to read)")
        if len(body) < length:  # cut off: kept as it is, so that mido reports it
            tracks.append(b"MTrk" + struct.pack(">L", length) + body)
            break
        body = _walk_track(body, walk)
        tracks.append(b"MTrk" + struct.pack(">L", len(body)) + body)
        if walk.notes > max_notes:
            raise FileFormatError(path, f"the MIDI file holds more than {max_notes:,} notes (too many to edit)")
    tpq = division if 0 < division < 0x8000 else 0
    if tpq and rescale(walk.last_note_tick, tpq) >= max_tick:
        raise FileFormatError(path, f"the MIDI file has notes starting after bar {max_tick // (4 * TPQ):,} (of "
                              f"4/4), past the end of any score; it is damaged, or far longer than a piece can be")
    return struct.pack(">4sLHHH", b"MThd", 6, fmt, len(tracks), division) + b"".join(tracks)
