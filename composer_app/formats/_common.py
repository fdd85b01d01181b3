"""Helpers shared by the readers: read a file with clear errors, and tidy tempo, meter and key
maps the same way for every format."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..errors import FileFormatError
from ..score import TPQ, KeySignature, Meter, Tempo, TimeSignature
from ..score.time import MAX_BARS, MAX_TICK  # noqa: F401 - the readers' limits, re-exported

#: Sanity limits for imported files (guards against absurd values in damaged or hostile files).
#: MAX_BARS and MAX_TICK (the longest a score may be) are the score model's: see score/time.py.
#: Notes a score read by music21 (MusicXML, ABC) may hold: counted before music21 builds it, which
#: takes time and memory in proportion (a 20-minute piece has about 20,000).
MAX_M21_NOTES = 100_000
#: Notes sounding together in one chord (MIDI has 128 pitches).
MAX_CHORD_NOTES = 128
#: The largest file any reader opens (MIDI: 64 MB; others: see ``read_bytes``).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Meter changes kept per file (normalizing them is quadratic; real music has a handful).
MAX_METER_CHANGES = 2_000


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _stat_error(path: Path, exc: OSError) -> FileFormatError:
    if exc.errno == errno.ELOOP:
        return FileFormatError(path, "is a symbolic link that loops back on itself, so it leads to no file")
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return FileFormatError(path, f"is a symbolic link to {os.readlink(path)}, which does not exist")
        return FileFormatError(path, "file not found")
    if isinstance(exc, NotADirectoryError):
        return FileFormatError(path, "file not found (a folder in its path is a file)")
    if isinstance(exc, PermissionError):
        return FileFormatError(path, "cannot be read (permission denied)")
    return FileFormatError(path, f"cannot be read ({exc.strerror or exc})")


def check_regular_file(path: Path, max_bytes: int | None = None) -> os.stat_result:
    """``path``'s status when it is a regular file we may read (following symbolic links); a
    missing file, a folder, a device, a FIFO, a socket, a symbolic link loop or a file over
    ``max_bytes`` is a :class:`FileFormatError` that says which. Nothing is opened."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _stat_error(path, exc) from None
    except ValueError:  # a NUL character in the name
        raise FileFormatError(path, "file not found (the name holds a NUL character)") from None
    return _check_status(path, st, max_bytes)


def _check_status(path: Path, st: os.stat_result, max_bytes: int | None) -> os.stat_result:
    if stat.S_ISDIR(st.st_mode):
        raise FileFormatError(path, "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise FileFormatError(path, f"is {_kind(st.st_mode)}, not a file; only regular files are read")
    if max_bytes is not None and st.st_size > max_bytes:
        raise FileFormatError(path, f"the file is too large to open ({st.st_size / 2 ** 20:.0f} MB; "
                              f"the limit is {max_bytes / 2 ** 20:.0f} MB)")
    return st


#: Flags for opening a file to read: never block (a FIFO swapped in after the check), never make
#: a terminal the controlling one, binary on Windows.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def read_bytes(path: Path, max_bytes: int = 2 * MAX_FILE_BYTES) -> bytes:
    """The file's bytes, read with a bound; a missing, unreadable, folder, device, FIFO, socket,
    looping link, empty or absurdly large file (over ``max_bytes``) is a :class:`FileFormatError`.

    The file is checked before it is opened (a FIFO would block, ``/dev/zero`` never ends and
    reports size 0), opened without blocking and checked again (it may have been swapped), and
    never read past ``max_bytes``."""
    check_regular_file(path, max_bytes)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _stat_error(path, exc) from None
    try:
        _check_status(path, os.fstat(fd), max_bytes)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if total > max_bytes:  # it grew while we read it
        raise FileFormatError(path, f"the file is too large to open (over {max_bytes / 2 ** 20:.0f} MB)")
    data = b"".join(chunks)
    if not data.strip():
        raise FileFormatError(path, "the file is empty")
    return data


def normalize_time_signatures(raw: dict[int, tuple[int, int]], pickup: int = 0) -> tuple[TimeSignature, ...]:
    """Meter changes from ``{tick: (numerator, denominator)}``.

    The first one is moved to tick 0 (4/4 when there is none), repeats of the current meter are
    dropped and a change that falls inside a bar is moved to the next bar line of the score model
    (counting bars after a ``pickup`` of that many ticks), so that bar arithmetic
    (:class:`~composer_app.score.Meter`) and files agree.
    """
    sigs: list[TimeSignature] = []
    for tick in sorted(raw)[:MAX_METER_CHANGES]:
        num, den = raw[tick]
        if tick > MAX_TICK:
            break
        tick = max(0, tick)
        try:
            TimeSignature(num, den)
        except (ValueError, TypeError):
            continue
        if not sigs:
            sigs.append(TimeSignature(num, den, 0))
            if not 0 <= pickup < sigs[0].bar_ticks:
                pickup = 0
            continue
        bar = Meter(sigs, pickup).bar_at(tick)
        aligned = bar.start if bar.start == tick else bar.end
        sigs = [s for s in sigs if s.tick < aligned]
        if not sigs or (sigs[-1].numerator, sigs[-1].denominator) != (num, den):
            sigs.append(TimeSignature(num, den, aligned))
    return tuple(sigs) or (TimeSignature(),)


def pickup_from_meters(sigs: tuple[TimeSignature, ...]) -> tuple[tuple[TimeSignature, ...], int]:
    """``(meters, pickup)``: a first meter that lasts one bar and is followed by a longer one is how
    MIDI files (ours, Sibelius, Finale) write a pickup bar (a bar of 1/4 before 4/4); it becomes a
    pickup of that length in the second meter. Other meter maps come back unchanged with pickup 0."""
    if len(sigs) >= 2 and sigs[0].tick == 0 and sigs[1].tick == sigs[0].bar_ticks < sigs[1].bar_ticks:
        first = TimeSignature(sigs[1].numerator, sigs[1].denominator, 0)
        return (first,) + tuple(sigs[2:]), sigs[0].bar_ticks
    return sigs, 0


def pickup_meter(score) -> TimeSignature | None:
    """The meter a file writes for ``score``'s pickup bar (``2/8`` for an eighth-note pair before 6/8;
    ``1/4`` for one beat of 4/4), or None when the score has no pickup or no meter spells its length."""
    if not score.pickup:
        return None
    first = score.meter.bar(0).meter
    for den in sorted({first.denominator, 4, 8, 16, 32}):
        unit = 4 * TPQ // den
        if score.pickup % unit == 0 and 1 <= score.pickup // unit <= 64:
            return TimeSignature(score.pickup // unit, den, 0)
    return None


def normalize_keys(found: dict[int, KeySignature]) -> tuple[KeySignature, ...]:
    """Key changes in tick order, restatements of the current key dropped, an assumed C major at 0 if
    none there (the file declares no key there: the assistant reads it from the melody)."""
    keys: list[KeySignature] = []
    for tick in sorted(found):
        k = found[tick]
        if tick > MAX_TICK:
            break
        tick = max(0, tick)  # before the start (a damaged offset): from the start
        if keys and keys[-1].tick == tick:
            keys.pop()
        if keys and (keys[-1].tonic_pc, keys[-1].mode) == (k.tonic_pc, k.mode):
            continue
        keys.append(KeySignature(k.tonic, k.mode, tick))
    if not keys or keys[0].tick != 0:
        keys.insert(0, KeySignature("C", "major", 0, assumed=True))
    return tuple(keys)


def normalize_tempos(found: dict[int, float]) -> tuple[Tempo, ...]:
    """Tempo changes in tick order (bpm rounded to 3 decimals), repeats dropped, 120 at 0 if none there."""
    out: list[Tempo] = []
    for tick in sorted(found):
        bpm = round(float(found[tick]), 3)
        if not 1.0 <= bpm <= 1000.0:
            continue
        if tick > MAX_TICK:
            break
        tick = max(0, tick)
        if out and out[-1].tick == tick:
            out.pop()
        if out and abs(out[-1].bpm - bpm) < 1e-9:
            continue
        out.append(Tempo(bpm, tick))
    if not out or out[0].tick != 0:
        out.insert(0, Tempo(120.0, 0))
    return tuple(out)
