"""Scheduler logic with a fake clock: order, drift-free deadlines, and no stuck notes on
stop / pause / seek / loop wrap / swapping lists / output errors / close."""

from __future__ import annotations

import mido
import pytest
from playback_helpers import explicitly_ended, held_notes, note_messages, run_to

from composer_app.playback.errors import PortGoneError
from composer_app.playback.events import build_events
from composer_app.playback.outputs import MultiOutput
from output_doubles import RecordingOutput
from composer_app.playback.scheduler import PAUSED, PLAYING, STOPPED, Scheduler
from composer_app.score import Note, Score, Tempo, Track


def make(fake_clock, **kw):
    out = RecordingOutput(clock=fake_clock)
    return out, Scheduler(out, clock=fake_clock, threaded=False, **kw)


def msgs(out):
    return [m for _, m in out.messages]


def test_sends_every_event_in_order_at_its_time(tune, fake_clock):
    out, sch = make(fake_clock)
    ev = build_events(tune)
    t0 = fake_clock.t
    sch.play(ev)
    run_to(sch, fake_clock, t0 + ev.duration + 0.1)
    assert sch.state == STOPPED
    sent = [(t, m) for t, m in out.messages if m.type in ("note_on", "note_off")]
    expected = [(t0 + e.time, e.message) for e in ev.events]
    assert [m for _, m in sent] == [m for _, m in expected]
    assert [round(t, 9) for t, _ in sent] == [round(t, 9) for t, _ in expected]
    assert not held_notes(msgs(out)) and explicitly_ended(msgs(out))


def test_late_wakeups_do_not_accumulate_drift(fake_clock):
    # Ten minutes of sixteenth notes at 150 bpm; every wake-up is 4 ms late.
    notes = tuple(Note(60 + i % 12, i * 120, 100) for i in range(6000))
    score = Score(tracks=(Track(notes=notes),), tempos=(Tempo(150.0),))
    ev = build_events(score)
    assert ev.duration > 590
    deadlines = []
    out, sch = make(fake_clock, on_sent=lambda m, d: deadlines.append(d))
    t0 = fake_clock.t
    sch.play(ev)
    run_to(sch, fake_clock, t0 + ev.duration + 1, jitter=0.004)
    ons = [e for e in ev.events if e.is_note_on]
    sent_ons = [t for t, m in out.messages if m.type == "note_on" and m.velocity]
    assert len(sent_ons) == len(ons) == 6000
    # Deadlines stay on the absolute grid; each send is exactly one wake-up's lateness behind it.
    assert max(abs(d - (t0 + e.time)) for d, e in zip(deadlines, ev.events)) < 1e-6
    assert max(t - (t0 + e.time) for t, e in zip(sent_ons, ons)) == pytest.approx(0.004, abs=1e-6)


def test_stop_mid_note_sends_note_offs_and_all_notes_off(tune, fake_clock):
    out, sch = make(fake_clock)
    t0 = fake_clock.t
    sch.play(build_events(tune))
    run_to(sch, fake_clock, t0 + 0.75)  # A4 ended, C5 and the Am chord sound
    assert (0, 72) in sch.sounding and (1, 45) in sch.sounding
    n_before = len(out.messages)
    sch.stop()
    tail = msgs(out)[n_before:]
    assert {(m.channel, m.note) for m in tail if m.type == "note_off"} == {(0, 72), (1, 45), (1, 57), (1, 60), (1, 64)}
    assert {(m.channel, m.control) for m in tail if m.type == "control_change"} == {(0, 123), (0, 120), (1, 123), (1, 120)}
    assert not held_notes(msgs(out)) and explicitly_ended(msgs(out))
    assert sch.state == STOPPED and not sch.sounding
    # Nothing more is sent after a stop.
    n = len(out.messages)
    run_to(sch, fake_clock, t0 + 10)
    assert len(out.messages) == n


def test_pause_silences_and_resume_continues_without_orphan_note_offs(tune, fake_clock):
    out, sch = make(fake_clock)
    t0 = fake_clock.t
    sch.play(build_events(tune))
    run_to(sch, fake_clock, t0 + 0.6)
    sch.pause()
    assert sch.state == PAUSED and not sch.sounding
    assert sch.position() == pytest.approx(0.6)
    assert not held_notes(msgs(out))
    fake_clock.t += 5.0  # paused for a while
    n = len(out.messages)
    sch.play()
    run_to(sch, fake_clock, fake_clock.t + 0.45)  # to 1.05 s: E5 started at 1.0 s
    resumed = note_messages(msgs(out)[n:])
    assert [(m.type, m.note) for m in resumed] == [("note_on", 76)]  # no note-off for the C5 cut by the pause
    run_to(sch, fake_clock, fake_clock.t + 10)
    assert sch.state == STOPPED and explicitly_ended(msgs(out))


def test_seek_silences_and_plays_from_the_new_place(tune, fake_clock):
    out, sch = make(fake_clock)
    ev = build_events(tune)
    t0 = fake_clock.t
    sch.play(ev)
    run_to(sch, fake_clock, t0 + 0.3)
    n = len(out.messages)
    sch.seek_tick(1440)  # A5 at 1.5 s
    after_seek = msgs(out)[n:]
    assert (0, 69) in {(m.channel, m.note) for m in after_seek if m.type == "note_off"}
    assert not held_notes(msgs(out)[: len(out.messages)])
    n = len(out.messages)
    run_to(sch, fake_clock, fake_clock.t + 0.01)
    assert [(m.type, m.note) for m in note_messages(msgs(out)[n:])] == [("note_on", 81)]
    assert sch.position_tick() == pytest.approx(1440 + 0.01 * 960, abs=2)
    run_to(sch, fake_clock, fake_clock.t + 10)
    assert not held_notes(msgs(out)) and explicitly_ended(msgs(out))


def test_loop_wraps_on_the_absolute_grid_and_ends_held_notes(fake_clock):
    # One long note across the loop end: it must be ended at each wrap.
    score = Score(tracks=(Track(notes=(Note(60, 0, 480), Note(64, 960, 1920))),))  # 2nd note rings past bar 1
    ev = build_events(score, 0, 1920)  # one bar (2 s) region; the E is cut at the region end
    out, sch = make(fake_clock)
    sch.set_loop(True)
    t0 = fake_clock.t
    sch.play(ev)
    run_to(sch, fake_clock, t0 + 3 * 2.0 + 0.5, jitter=0.003)
    assert sch.state == PLAYING
    ons = [t - t0 for t, m in out.messages if m.type == "note_on" and m.velocity]
    # passes start at 0, 2, 4, 6 s: C at +0, E at +1 (each a few ms late, never drifting)
    expected = [0, 1, 2, 3, 4, 5, 6]
    assert len(ons) == len(expected)
    assert all(0 <= a - b <= 0.0031 for a, b in zip(ons, expected))
    sch.stop()
    assert not held_notes(msgs(out)) and explicitly_ended(msgs(out))


def test_loop_region_inside_the_list(tune, fake_clock):
    out, sch = make(fake_clock)
    ev = build_events(tune)
    sch.load(ev)
    sch.set_loop_ticks(True, 480, 1440)  # C5 and E5, 1 s long
    t0 = fake_clock.t
    sch.play()
    run_to(sch, fake_clock, t0 + 2.9)
    ons = [m.note for m in msgs(out) if m.type == "note_on" and m.velocity and m.channel == 0]
    assert ons == [72, 76, 72, 76, 72, 76]
    sch.stop()
    assert not held_notes(msgs(out))


def test_swapping_the_list_while_looping_keeps_the_place(tune, fake_clock):
    from dataclasses import replace

    out, sch = make(fake_clock)
    ev1 = build_events(tune)
    other = tune.with_notes([replace(n, pitch=n.pitch - 12) for n in tune.melody.notes])
    ev2 = build_events(other)
    sch.set_loop(True)
    t0 = fake_clock.t
    sch.play(ev1)
    run_to(sch, fake_clock, t0 + 1.2)
    sounding_before = {k for k in sch.sounding if k[0] == 0}
    assert sounding_before == {(0, 76)}
    n = len(out.messages)
    sch.load(ev2, keep_position=True)
    assert (0, 76) in {(m.channel, m.note) for m in msgs(out)[n:] if m.type == "note_off"}
    assert sch.position() == pytest.approx(1.2)
    run_to(sch, fake_clock, fake_clock.t + 0.4)
    assert [m.note for m in msgs(out)[n:] if m.type == "note_on" and m.velocity and m.channel == 0] == [69]  # A4 = A5-12
    sch.close()
    assert not held_notes(msgs(out))


class FailingOutput(RecordingOutput):
    """Accepts ``ok`` note-ons, then the port 'vanishes' (note-offs and CCs still recorded)."""

    def __init__(self, clock, ok: int):
        super().__init__(clock)
        self.ok = ok

    def send(self, msg):
        if msg.type == "note_on" and msg.velocity:
            if self.ok <= 0:
                raise PortGoneError("Test Port", "device unplugged")
            self.ok -= 1
        super().send(msg)


def test_output_error_stops_reports_and_silences(tune, fake_clock):
    out = FailingOutput(fake_clock, ok=6)  # A4 + 4 chord notes + C5, then E5 fails
    errors, states = [], []
    sch = Scheduler(out, clock=fake_clock, threaded=False, on_error=errors.append, on_state=states.append)
    sch.play(build_events(tune))
    run_to(sch, fake_clock, fake_clock.t + 3)
    assert sch.state == STOPPED and states[-1] == STOPPED
    assert len(errors) == 1 and "Test Port" in str(errors[0]) and "disappeared" in str(errors[0])
    assert not held_notes(msgs(out))


def test_multi_output_drops_the_failing_one_and_keeps_playing(tune, fake_clock):
    good = RecordingOutput(fake_clock)
    bad = FailingOutput(fake_clock, ok=2)
    errors = []
    sch = Scheduler(MultiOutput([bad, good]), clock=fake_clock, threaded=False, on_error=errors.append)
    sch.play(build_events(tune))
    run_to(sch, fake_clock, fake_clock.t + 5)
    assert len(errors) == 1 and "other outputs keep playing" in str(errors[0])
    good_ons = [m for m in msgs(good) if m.type == "note_on" and m.velocity]
    assert len(good_ons) == 5 + 4 * 2 - 0  # 5 melody notes + two 4-note chords
    assert not held_notes(msgs(good)) and not held_notes(msgs(bad))


def test_panic_covers_all_channels(tune, fake_clock):
    out, sch = make(fake_clock)
    sch.play(build_events(tune))
    run_to(sch, fake_clock, fake_clock.t + 0.2)
    sch.panic()
    ccs = {(m.channel, m.control) for m in msgs(out) if m.type == "control_change"}
    assert {(ch, 123) for ch in range(16)} <= ccs and {(ch, 120) for ch in range(16)} <= ccs
    assert not held_notes(msgs(out))


def test_panic_drops_notes_that_were_due_but_not_sent_yet(tune, fake_clock):
    """The race behind a flaky panic test: the scheduler thread wakes late, the panic comes first,
    and a note that was due before the panic started after it and kept sounding."""
    out, sch = make(fake_clock)
    sch.play(build_events(tune))
    run_to(sch, fake_clock, fake_clock.t + 0.2)  # A4 sounds; C5 is due at 0.5 s
    fake_clock.t += 0.4  # 0.6 s: C5 is due, but the thread has not woken yet ...
    sch.panic()  # ... when the composer presses panic
    at_panic = len(out.messages)
    sch.pump()  # the thread wakes
    assert not held_notes(msgs(out)), "a note due before the panic started after it"
    assert not [m for _, m in out.messages[at_panic:] if m.type == "note_on" and m.velocity]
    assert sch.state == PLAYING  # and the piece goes on with the next notes
    run_to(sch, fake_clock, fake_clock.t + 0.5)
    assert [m.note for _, m in out.messages[at_panic:] if m.type == "note_on" and m.velocity][:1] == [76]


def test_close_while_playing_silences(tune):
    import time

    out = RecordingOutput()
    sch = Scheduler(out)  # real clock and thread
    sch.play(build_events(tune))
    time.sleep(0.3)
    sch.close()
    assert sch.state == STOPPED
    assert any(m.type == "note_on" for _, m in out.messages)
    assert not held_notes(msgs(out)) and explicitly_ended(msgs(out))


def test_position_callback_reports_ticks(tune, fake_clock):
    seen = []
    out, sch = make(fake_clock, on_position=lambda tick, sec: seen.append(tick))
    t0 = fake_clock.t
    sch.play(build_events(tune))
    run_to(sch, fake_clock, t0 + 1.0)
    assert seen and seen == sorted(seen)
    assert seen[-1] == pytest.approx(960, abs=40)


def test_program_changes_sent_before_notes(tune, fake_clock):
    from dataclasses import replace

    score = tune.with_track(replace(tune.melody, program=40))
    score = replace(score, chord_program=48)
    out, sch = make(fake_clock)
    sch.play(build_events(score))
    first = msgs(out)[:2]
    assert {(m.channel, m.program) for m in first if m.type == "program_change"} == {(0, 40), (1, 48)}
    assert isinstance(first[0], mido.Message)


@pytest.mark.parametrize("seed", range(12))
def test_random_command_sequences_never_leave_stuck_notes(seed, fake_clock):
    """Any mix of play/pause/seek/stop/loop/swap: what the receiver holds is always exactly what the
    scheduler believes is sounding, and after stop nothing is held."""
    import random

    from dataclasses import replace as dc_replace

    rng = random.Random(seed)
    notes = tuple(Note(48 + rng.randrange(36), rng.randrange(0, 7680, 60), rng.choice([60, 240, 480, 1920]))
                  for _ in range(60))
    score = Score(tracks=(Track(notes=notes),), tempos=(Tempo(200.0),))
    lists = [build_events(score), build_events(score.with_notes([dc_replace(n, pitch=n.pitch + 1) for n in notes])),
             build_events(score, 960, 3840, metronome=True)]
    out, sch = make(fake_clock)
    sch.load(lists[0])
    for _ in range(120):
        op = rng.choice(["play", "play", "advance", "advance", "advance", "pause", "seek", "stop", "loop", "swap"])
        if op == "play":
            sch.play()
        elif op == "advance":
            run_to(sch, fake_clock, fake_clock.t + rng.uniform(0.0, 1.5), jitter=rng.choice([0, 0.002]))
        elif op == "pause":
            sch.pause()
        elif op == "seek":
            sch.seek(rng.uniform(0, 6))
        elif op == "stop":
            sch.stop(rewind=rng.random() < 0.5)
        elif op == "loop":
            a = rng.uniform(0, 4)
            sch.set_loop(rng.random() < 0.7, a, a + rng.uniform(0.1, 2)) if rng.random() < 0.5 else sch.set_loop(True)
        else:
            sch.load(rng.choice(lists), keep_position=rng.random() < 0.7)
        assert held_notes(msgs(out)) == sch.sounding, op
    sch.stop()
    assert not held_notes(msgs(out)) and not sch.sounding
