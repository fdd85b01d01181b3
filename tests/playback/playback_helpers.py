"""Shared checks for playback tests."""

from __future__ import annotations

import os
import subprocess


def held_notes(messages) -> set[tuple[int, int]]:
    """Replay mido messages like a synth: which (channel, note) are still sounding at the end?
    A note-off or All Notes Off (CC 123) / All Sound Off (CC 120) ends notes."""
    held: dict[tuple[int, int], int] = {}
    for m in messages:
        if m.type == "note_on" and m.velocity > 0:
            held[(m.channel, m.note)] = held.get((m.channel, m.note), 0) + 1
        elif m.type in ("note_on", "note_off"):
            held.pop((m.channel, m.note), None)
        elif m.type == "control_change" and m.control in (120, 123):
            for key in [k for k in held if k[0] == m.channel]:
                del held[key]
    return set(held)


def explicitly_ended(messages) -> bool:
    """Every note-on has its own note-off (not only an All Notes Off)."""
    held: dict[tuple[int, int], int] = {}
    for m in messages:
        if m.type == "note_on" and m.velocity > 0:
            held[(m.channel, m.note)] = held.get((m.channel, m.note), 0) + 1
        elif m.type in ("note_on", "note_off"):
            held.pop((m.channel, m.note), None)
    return not held


def note_messages(messages):
    return [m for m in messages if m.type in ("note_on", "note_off")]


def run_to(scheduler, clock, t: float, jitter: float = 0.0) -> None:
    """Advance a fake ``clock`` to ``t`` the way the scheduler thread would: wake at each deadline
    (``jitter`` seconds late), pump, repeat."""
    while True:
        nxt = scheduler.pump()
        if nxt is None or nxt + jitter > t:
            break
        clock.t = max(clock.t, nxt + jitter)
    clock.t = max(clock.t, t)
    scheduler.pump()


def jack_env(server: str) -> dict:
    """The environment of a JACK client of the private server ``server`` (never starts one)."""
    env = dict(os.environ)
    env.update({"JACK_DEFAULT_SERVER": server, "JACK_NO_START_SERVER": "1", "JACK_NO_AUDIO_RESERVATION": "1"})
    return env


def jack_connect(server: str, src: str, dst: str) -> None:
    subprocess.run(["jack_connect", src, dst], env=jack_env(server), check=True, capture_output=True)
