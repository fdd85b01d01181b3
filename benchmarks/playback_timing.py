"""Playback timing and render speed.

1. Real-time MIDI: the scheduler plays a minute (``--seconds``) of dense notes (sixteenths plus
   four-note chords on every beat) to its virtual JACK port; a real rtmidi JACK client receives
   them. Lateness = receive time - the event's absolute deadline, reported as median, p99 and max
   (ms), plus the drift: lateness in the last 10 % minus the first 10 %.
2. Offline render: the same score rendered by FluidSynth, as a multiple of real time.

It starts its own ``jackd -d dummy`` (unique server name, stopped afterwards). Run:
``.venv/bin/python benchmarks/playback_timing.py [--seconds 60]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer_app.playback.events import build_events  # noqa: E402
from composer_app.score import Chord, ChordSymbol, Note, Score, Tempo, Track  # noqa: E402


def dense_score(seconds: float, bpm: float = 150.0) -> Score:
    beats = int(seconds * bpm / 60)
    notes = [Note(60 + (i * 7) % 24, i * 120, 100, 70 + i % 50) for i in range(beats * 4)]
    prog = ["C", "Am", "F", "G7", "Em", "Dm7", "Bb", "A7"]
    chords = [Chord(ChordSymbol.parse(prog[(b // 2) % len(prog)]), b * 480, 480) for b in range(beats)]
    return Score(tracks=(Track(notes=tuple(notes)),), chords=tuple(chords), tempos=(Tempo(bpm),))


def start_jack() -> tuple[subprocess.Popen, str]:
    if shutil.which("jackd") is None:
        raise SystemExit("jackd is not installed (sudo apt install jackd2)")
    name = f"ca-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    os.environ.update({"JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1", "JACK_NO_AUDIO_RESERVATION": "1"})
    log = open(os.path.join(tempfile.gettempdir(), f"{name}.log"), "w+b")  # noqa: SIM115 - read at the end
    proc = subprocess.Popen(["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "128"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proc.log = log
    for _ in range(100):
        r = subprocess.run(["jack_lsp"], capture_output=True, text=True)
        if r.returncode == 0 and "system:" in r.stdout:
            return proc, name
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("jackd did not start")


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def measure_midi(seconds: float) -> dict:
    import rtmidi

    from composer_app.playback.outputs import MidiPortOutput
    from composer_app.playback.scheduler import Scheduler

    proc, _name = start_jack()
    try:
        out = MidiPortOutput(virtual=True, api="jack", client_name="CA bench")
        rx = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="bench receiver")
        received: list[tuple[float, tuple[int, ...]]] = []
        lock = threading.Lock()

        def on_msg(event, _data=None):
            t = time.perf_counter()
            if event[0][0] & 0xE0 == 0x80:  # note on/off
                with lock:
                    received.append((t, tuple(event[0])))

        rx.set_callback(on_msg)
        rx.open_port(rx.get_ports().index("CA bench:Composer Assistant"), "in")
        time.sleep(0.3)
        sent: list[tuple[float, float, tuple[int, ...]]] = []  # (deadline, sent at, bytes)
        sched = Scheduler(out, on_sent=lambda m, d: sent.append((d, time.perf_counter(), tuple(m.bytes()))))
        events = build_events(dense_score(seconds))
        cpu0 = time.process_time()
        sched.play(events)
        sched.wait_until_stopped(timeout=seconds * 2 + 30)
        cpu = time.process_time() - cpu0
        time.sleep(0.3)
        sched.close()
        out.close()
        rx.close_port()
        rx.delete()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.log.seek(0)
        jack_log = proc.log.read().decode(errors="replace")
        proc.log.close()
        os.unlink(proc.log.name)
    xruns = sum(1 for line in jack_log.splitlines() if "xrun" in line.lower() or "delay" in line.lower())
    # Pair sent and received messages in order (a lost message must not shift the pairing).
    import difflib

    sm = difflib.SequenceMatcher(None, [b for _, _, b in sent], [b for _, b in received], autojunk=False)
    late, send_late = [], []
    for block in sm.get_matching_blocks():
        for k in range(block.size):
            d, at, _ = sent[block.a + k]
            late.append((received[block.b + k][0] - d) * 1000)
            send_late.append((at - d) * 1000)
    n = max(1, len(late) // 10)
    return {
        "events": len(sent), "received": len(received), "matched": len(late), "seconds": events.duration,
        "median": statistics.median(late), "p99": pct(late, 0.99), "max": max(late), "min": min(late),
        "send_median": statistics.median(send_late), "send_p99": pct(send_late, 0.99), "send_max": max(send_late),
        "drift": statistics.median(late[-n:]) - statistics.median(late[:n]), "cpu": cpu, "xruns": xruns,
        "lost": [bytes(b).hex() for b in _lost(sent, received)],
        "extra": [bytes(b).hex() for b in _lost([(0, 0, b) for _, b in received], [(0, b) for _, _, b in sent])],
    }


def _lost(sent, received):
    """Sent messages that never arrived (multiset difference, in send order)."""
    left: dict = {}
    for _, b in received:
        left[b] = left.get(b, 0) + 1
    out = []
    for _, _, b in sent:
        if left.get(b, 0):
            left[b] -= 1
        else:
            out.append(b)
    return out


def measure_render(seconds: float) -> dict:
    from composer_app.playback.render import render_events

    events = build_events(dense_score(seconds))
    t = time.perf_counter()
    audio = render_events(events, tail=1.0)
    took = time.perf_counter() - t
    audio_s = len(audio) / 44100
    return {"audio_s": audio_s, "took": took, "speed": audio_s / took}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the dense score (default 60)")
    ap.add_argument("--skip-midi", action="store_true")
    ap.add_argument("--skip-render", action="store_true")
    args = ap.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if not args.skip_midi:
        m = measure_midi(args.seconds)
        print(f"\nReal-time MIDI to a JACK client ({m['seconds']:.0f} s, {m['events']} note messages sent, "
              f"{m['received']} received, {m['matched']} paired in order)")
        print("| lateness (ms) | at the receiving JACK port | scheduler send vs deadline |")
        print("|---|---|---|")
        print(f"| median | {m['median']:.2f} | {m['send_median']:.2f} |")
        print(f"| p99 | {m['p99']:.2f} | {m['send_p99']:.2f} |")
        print(f"| max | {m['max']:.2f} | {m['send_max']:.2f} |")
        print(f"| drift (median of last 10 % - first 10 %) | {m['drift']:.2f} | |")
        print(f"JACK server xrun/delay reports during the run: {m['xruns']}; messages lost in JACK: "
              f"{len(m['lost'])} {' '.join(m['lost'][:5])}; received but never sent: {len(m['extra'])} "
              f"{' '.join(m['extra'][:5])}")
        print(f"scheduler process CPU: {m['cpu']:.2f} s for {m['seconds']:.0f} s of playback "
              f"({100 * m['cpu'] / m['seconds']:.1f} %)")
    if not args.skip_render:
        r = measure_render(args.seconds)
        print(f"\nOffline FluidSynth render: {r['audio_s']:.1f} s of audio in {r['took']:.2f} s = "
              f"{r['speed']:.1f}x real time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
