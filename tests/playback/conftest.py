"""Fixtures for playback tests: a private JACK server (dummy backend), a fake clock, small scores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from playback_helpers import jack_env

from composer_app.score import Chord, ChordSymbol, Note, Score, Tempo, Track


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 100.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def fake_clock():
    return FakeClock()


@pytest.fixture
def tune():
    """Two bars of melody (A4 C5 E5 A5 quarter notes, then a half note and rests) over Am | G."""
    notes = (Note(69, 0, 480), Note(72, 480, 480), Note(76, 960, 480), Note(81, 1440, 480), Note(79, 1920, 960))
    chords = (Chord(ChordSymbol.parse("Am"), 0, 1920), Chord(ChordSymbol.parse("G"), 1920, 1920))
    return Score(tracks=(Track(notes=notes, program=0, channel=0),), chords=chords, tempos=(Tempo(120.0),),
                 chord_program=0, chord_channel=1)


def _die_with_parent() -> None:
    """Linux: the JACK server is killed if this test process dies without its teardown (killed)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


@pytest.fixture(scope="session")
def jack_server():
    """A private ``jackd -d dummy`` with a unique server name; only that process is stopped afterwards.

    Yields the server name; while it runs, ``JACK_DEFAULT_SERVER`` points at it so rtmidi's JACK
    clients (and FluidSynth's JACK driver) in this process use it."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.skip("jackd is not installed (sudo apt install jackd2); JACK MIDI tests need it")
    name = f"ca-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    env = jack_env(name)
    log = tempfile.TemporaryFile()  # jackd's chatter (a pipe nobody reads would fill and block it)
    # --sync: the server waits for every client each cycle, so a busy machine delays MIDI events
    # instead of dropping those of the cycles a client was late for (async mode drops them).
    proc = subprocess.Popen([jackd, "-n", name, "--no-realtime", "--sync", "-d", "dummy", "-r", "48000", "-p", "128"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            preexec_fn=_die_with_parent)
    old = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER", "JACK_NO_AUDIO_RESERVATION")}
    deadline = time.monotonic() + 20
    ready = False
    while time.monotonic() < deadline and proc.poll() is None:
        r = subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True) if shutil.which("jack_lsp") else None
        if r is not None and r.returncode == 0 and "system:" in r.stdout:
            ready = True
            break
        if r is None:
            time.sleep(1.0)
            ready = True
            break
        time.sleep(0.2)
    if not ready:
        proc.kill()
        proc.wait(timeout=5)
        log.seek(0)
        out = log.read().decode(errors="replace")
        pytest.skip(f"jackd did not start: {out[-500:]}")
    os.environ.update({k: env[k] for k in old})
    try:
        yield name
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
