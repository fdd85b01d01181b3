"""The importers' contract, checked on every fuzzed input, and the guards around each example.

A read either returns a valid :class:`Score` (checked by :func:`check_score`, and writable again)
or raises :class:`FileFormatError` naming the file with a one-line reason that came from the
reader itself, not from the last-resort ``except Exception`` in :func:`composer_app.formats.read`
(that guard turns a crash into a vague "could not be read (KeyError: 3)"; the fuzz tests treat
reaching it as a bug). Anything else, a read that takes longer than :data:`EXAMPLE_SECONDS`
(a hang) or one that grows the process's peak memory by more than :data:`MEMORY_GROWTH_MB`
fails the example.
"""

from __future__ import annotations

import collections
import contextlib
import os
import resource
import signal
import tempfile
import threading
import time
from pathlib import Path

from hypothesis import HealthCheck, settings

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.score import TPQ, ChordSymbol, Meter, Score

#: Wall-clock limit for one fuzzed read (inputs are small: anything slower is a hang).
EXAMPLE_SECONDS = float(os.environ.get("FUZZ_EXAMPLE_SECONDS", "30"))
#: Peak-RSS growth allowed during one example.
MEMORY_GROWTH_MB = 1024

#: Outcome counts per importer ("midi ok", "midi error", ...) for the long-run report.
STATS: collections.Counter = collections.Counter()
ERROR_REASONS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def fuzz_settings(ci_examples: int, *, weight: float = 1.0):
    """Hypothesis settings: ``ci_examples`` derandomized examples in a normal run; with
    ``FUZZ_EXAMPLES=N`` set, ``N * weight`` examples from a random seed (the long run)."""
    long_n = os.environ.get("FUZZ_EXAMPLES")
    common = dict(deadline=None, print_blob=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much, HealthCheck.large_base_example,
                                         HealthCheck.function_scoped_fixture])
    if long_n:
        return settings(max_examples=max(1, int(int(long_n) * weight)), derandomize=False, **common)
    return settings(max_examples=ci_examples, derandomize=True, **common)


class Hang(BaseException):
    """An example ran past :data:`EXAMPLE_SECONDS`. A BaseException (like KeyboardInterrupt), so
    that the readers' and music21's ``except Exception`` cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS, what: str = "read"):
    """Fail with :class:`Hang` if the body runs longer than ``seconds`` (SIGALRM; restores any outer
    timer, e.g. pytest-timeout's, afterwards). Off the main thread it only measures."""
    if threading.current_thread() is not threading.main_thread():
        t0 = time.monotonic()
        yield
        if time.monotonic() - t0 > seconds:
            raise Hang(f"{what} took {time.monotonic() - t0:.1f} s")
        return

    def on_alarm(signum, frame):
        raise Hang(f"{what} still running after {seconds:.0f} s (a hang)")

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    # Fires again every second after the limit, in case a bare ``except:`` swallows the first one.
    old_remaining, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    t0 = time.monotonic()
    try:
        yield
    except Hang as exc:  # an ordinary test failure from here on (hypothesis shrinks it)
        raise AssertionError(str(exc)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_remaining:
            signal.setitimer(signal.ITIMER_REAL, max(0.01, old_remaining - (time.monotonic() - t0)), old_interval)


@contextlib.contextmanager
def memory_limit(extra_mb: int = 2 * MEMORY_GROWTH_MB):
    """Cap the address space at its current size plus ``extra_mb`` while the body runs, so a
    runaway allocation fails fast with MemoryError (reported as a bug) instead of exhausting a
    shared machine. The previous limit is restored afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as f:
            vm_bytes = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    cap = vm_bytes + extra_mb * 1024 * 1024
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _from_last_resort_guard(exc: BaseException) -> bool:
    """True when ``exc`` was made by the ``except Exception`` fallback of ``formats.read``."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    code = last.tb_frame.f_code
    return (code.co_name == "read" and Path(code.co_filename).parent.name == "formats"
            and Path(code.co_filename).name == "__init__.py"
            and not isinstance(exc.__context__, (FileFormatError, RecursionError, MemoryError)))


def check_error(exc: BaseException, path: Path) -> None:
    """The error a bad file must give: a FileFormatError naming ``path`` with a clear reason."""
    if not isinstance(exc, FileFormatError):
        raise AssertionError(f"{type(exc).__name__} escaped instead of FileFormatError: {exc!r}") from exc
    if _from_last_resort_guard(exc):
        raise AssertionError(f"a reader crashed and only formats.read's last-resort guard caught it: "
                             f"{exc.__context__!r}") from exc.__context__
    msg = str(exc)
    assert "MemoryError" not in msg and not isinstance(exc.__context__, MemoryError), f"runaway memory: {msg}"
    assert exc.path == str(path), (exc.path, str(path))
    assert str(path) in msg
    assert exc.reason.strip(), "an empty reason"
    assert "\n" not in msg, f"a multi-line message: {msg!r}"
    assert len(exc.reason) <= 600, f"an unreadably long reason ({len(exc.reason)} characters)"
    assert "Traceback" not in msg


def check_score(score: Score) -> None:
    """Invariants of the model that every imported score must keep."""
    assert isinstance(score, Score)
    assert score.tpq == TPQ
    assert score.tracks, "a score without tracks"
    assert 0 <= score.chord_channel <= 15 and 0 <= score.chord_program <= 127
    assert isinstance(score.title, str)
    assert score.length >= 0
    limit = formats.MAX_TICK
    for track in score.tracks:
        assert isinstance(track.name, str)
        assert 0 <= track.channel <= 15 and 0 <= track.program <= 127
        keys = [(n.start, n.pitch) for n in track.notes]
        assert keys == sorted(keys), "notes out of order"
        for n in track.notes:
            assert isinstance(n.pitch, int) and 0 <= n.pitch <= 127, n
            assert isinstance(n.start, int) and n.start >= 0, n
            assert isinstance(n.duration, int) and n.duration > 0, n
            assert 1 <= n.velocity <= 127, n
            assert n.end <= limit, f"note ends at tick {n.end}, past the readers' limit {limit}"
    starts = [c.start for c in score.chords]
    assert starts == sorted(starts), "chords out of order"
    for c in score.chords:
        assert isinstance(c.start, int) and c.start >= 0 and isinstance(c.duration, int) and c.duration > 0, c
        assert c.end <= limit
        assert isinstance(c.symbol, ChordSymbol)
        assert ChordSymbol.parse(str(c.symbol)) == c.symbol, f"{c.symbol} does not re-parse"
    for name in ("tempos", "time_signatures", "key_signatures"):
        items = getattr(score, name)
        assert items, f"no {name}"
        ticks = [x.tick for x in items]
        assert ticks == sorted(ticks) and ticks[0] == 0, f"{name} at {ticks}"
        assert all(isinstance(t, int) and 0 <= t <= limit for t in ticks), f"{name} at {ticks}"
    for t in score.tempos:
        assert 1.0 <= t.bpm <= 1000.0
    assert score.length <= limit
    Meter(score.time_signatures).bar_count(score.end)  # bar arithmetic works on it
    _ = score.end_of_last_bar  # and so does the end of its last bar


def check_writable(score: Score) -> None:
    """A score read from any file can be saved as a project (read back identical) and as MIDI."""
    with tempfile.TemporaryDirectory(prefix="fuzz-back-") as d:
        project = Path(d) / "back.composer"
        formats.write(score, project)
        again = formats.read(project)
        assert again.content_equal(score), "the project written from the score reads back different"
        assert [t.name for t in again.tracks] == [t.name for t in score.tracks]
        formats.write(score, Path(d) / "back.mid")


def check_read(path: Path, importer: str, *, tune: int | None = None, write_back: bool = True) -> Score | None:
    """Read ``path`` through the public entry point under the guards; check the contract either way."""
    from hypothesis import note
    from hypothesis.control import currently_in_test_context

    if currently_in_test_context():
        raw = path.read_bytes()
        note(f"{path.name} ({len(raw)} bytes), tune={tune}: {raw[:3000]!r}")
    rss0 = _peak_rss_mb()
    try:
        with time_limit(what=f"reading {path.name}"), memory_limit():
            score = formats.read(path, tune=tune)
    except AssertionError:  # a hang (see time_limit)
        raise
    except Exception as exc:  # noqa: BLE001 - anything else is judged by check_error
        check_error(exc, path)
        STATS[f"{importer} error"] += 1
        ERROR_REASONS[importer][_reason_kind(exc)] += 1
        score = None
    else:
        check_score(score)
        if write_back:
            with time_limit(what=f"writing back {path.name}"):
                check_writable(score)
        STATS[f"{importer} ok"] += 1
    grew = _peak_rss_mb() - rss0
    assert grew < MEMORY_GROWTH_MB, f"peak memory grew by {grew:.0f} MB while reading {path.name}"
    return score


def _reason_kind(exc: FileFormatError) -> str:
    """The reason without its details (numbers, quoted text), for the outcome table."""
    import re

    r = exc.reason.split("(")[0].split(":")[0]
    return re.sub(r"\d+", "N", r).strip()[:70]
