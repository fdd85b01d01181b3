"""Pure MIDI-input logic: the take recorder (snap, count-in, held notes) and step input."""

from __future__ import annotations

import mido
import pytest

from composer_app.playback.events import TempoMap
from composer_app.playback.midi_input import Recorder, StepInput
from composer_app.score import Tempo


def tm(bpm=120.0):
    return TempoMap([Tempo(bpm)])


def test_recorder_snaps_to_the_grid_at_the_playhead():
    rec = Recorder(tm(), start_tick=960, grid=240)
    rec.note_on(60, 100, 0.01)   # 10 ms late
    rec.note_off(60, 0.23)
    rec.note_on(64, 70, 0.24)    # 10 ms early
    rec.note_off(64, 0.76)
    notes = rec.finish()
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in notes] == [(60, 960, 240, 100), (64, 1200, 480, 70)]


def test_recorder_count_in_and_early_notes():
    # One bar of count-in at 120 bpm = 2 s before the playhead.
    rec = Recorder(tm(), start_tick=0, grid=120, count_in=2.0)
    rec.note_on(50, 90, 0.5)    # played and released during the count-in: dropped
    rec.note_off(50, 0.9)
    rec.note_on(55, 90, 1.97)   # a hair early for the downbeat: pulled onto it
    rec.note_off(55, 2.5)
    rec.note_on(57, 90, 3.0)    # held when the take ends
    notes = rec.finish(3.5)
    assert [(n.pitch, n.start) for n in notes] == [(55, 0), (57, 960)]
    assert notes[1].duration == 480


def test_recorder_from_mido_messages_with_clock_times_and_no_snap():
    rec = Recorder(tm(60.0), start_tick=480, grid=None)
    rec.start(1000.0)
    rec.feed(mido.Message("note_on", note=72, velocity=50), 1000.5)
    rec.feed(mido.Message("note_on", note=72, velocity=0), 1001.0)  # running-status note-off
    notes = rec.finish()
    assert [(n.pitch, n.start, n.duration) for n in notes] == [(72, 720, 240)]


def test_restruck_note_without_note_off_ends_the_first():
    rec = Recorder(tm(), grid=240)
    rec.note_on(60, 80, 0.0)
    rec.note_on(60, 80, 0.5)
    rec.note_off(60, 0.75)
    assert [(n.start, n.duration) for n in rec.finish()] == [(0, 480), (480, 240)]


def test_step_input_notes_chords_and_rests():
    step = StepInput(cursor=1920, grid=240)
    on = lambda p: mido.Message("note_on", note=p, velocity=90)  # noqa: E731
    off = lambda p: mido.Message("note_off", note=p)  # noqa: E731
    n1 = step.feed(on(60))
    assert step.feed(off(60)) is None
    a, b = step.feed(on(64)), step.feed(on(67))  # a two-note chord
    step.feed(off(64))
    assert step.cursor == 2160  # still held: the chord is not finished
    step.feed(off(67))
    step.rest()
    n4 = step.feed(on(72))
    assert (n1.start, n1.duration) == (1920, 240)
    assert (a.start, b.start) == (2160, 2160)
    assert n4.start == 2640
    with pytest.raises(AttributeError):
        n4.start = 0  # notes are frozen values
