"""Helpers shared by the readers: read a file with clear errors, and tidy tempo, meter and key
maps the same way for every format."""

from __future__ import annotations

from pathlib import Path

from ..errors import FileFormatError
from ..score import TPQ, KeySignature, Meter, Tempo, TimeSignature

#: Sanity limits for imported files (guards against absurd values in damaged or hostile files).
#: The latest tick anything may start or end at: 20,000 bars of 4/4 (over 11 hours at 120 bpm).
MAX_TICK = 20_000 * 4 * TPQ
#: The largest file any reader opens (MIDI: 64 MB; others: see ``read_bytes``).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Meter changes kept per file (normalizing them is quadratic; real music has a handful).
MAX_METER_CHANGES = 2_000


def read_bytes(path: Path, max_bytes: int = 2 * MAX_FILE_BYTES) -> bytes:
    """The file's bytes; a missing, unreadable, folder, empty or absurdly large file (over
    ``max_bytes``) is a :class:`FileFormatError`."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileFormatError(path, f"the file is too large to open ({size / 2 ** 20:.0f} MB; "
                                  f"the limit is {max_bytes / 2 ** 20:.0f} MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(path, "file not found") from None
    except IsADirectoryError:
        raise FileFormatError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read ({exc.strerror or exc})") from None
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
    """Key changes in tick order, restatements of the current key dropped, C major at 0 if none there."""
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
        keys.insert(0, KeySignature("C", "major", 0))
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
