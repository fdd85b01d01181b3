"""Score -> MIDI events: tempo map, tracks and programs, voiced chords, metronome, regions and
the "candidate in context" list."""

from __future__ import annotations

from dataclasses import replace

import pytest

from composer_app.playback.events import (
    PERCUSSION_CHANNEL, TempoMap, build_events, candidate_events, candidate_region, count_in_events, voice_chord,
    voice_chords,
)
from composer_app.score import Chord, ChordSymbol, Note, Score, Tempo, TimeSignature, Track


def test_tempo_map_with_changes_round_trips():
    tm = TempoMap([Tempo(120.0, 0), Tempo(60.0, 1920), Tempo(240.0, 3840)])
    assert tm.seconds(1920) == pytest.approx(2.0)
    assert tm.seconds(3840) == pytest.approx(6.0)
    assert tm.seconds(4800) == pytest.approx(6.5)  # two quarters at 240 bpm
    for tick in (0, 1, 479, 1920, 2500, 3840, 9999):
        assert tm.tick_at(tm.seconds(tick)) == tick
    assert tm.bpm_at(2000) == pytest.approx(60.0)


def test_tracks_channels_programs_and_muting(tune):
    bass = Track(name="Bass", channel=2, program=33, notes=(Note(33, 0, 960),))
    muted = Track(name="Muted", channel=3, program=10, notes=(Note(90, 0, 960),), muted=True)
    score = tune.with_tracks(list(tune.tracks) + [bass, muted])
    ev = build_events(score)
    assert {(m.channel, m.program) for m in ev.setup} == {(0, 0), (1, 0), (2, 33)}
    ons = ev.note_ons()
    assert {(e.message.channel, e.message.note) for e in ons if e.message.channel == 2} == {(2, 33)}
    assert not any(e.message.channel == 3 for e in ev.events)
    assert ev.channels == frozenset({0, 1, 2})
    # Times follow the tempo: the fifth melody note (tick 1920) at 2 s at 120 bpm.
    fifth = [e for e in ons if e.message.channel == 0][4]
    assert fifth.tick == 1920 and fifth.time == pytest.approx(2.0)


def test_events_are_ordered_note_offs_before_note_ons_at_the_same_time():
    score = Score(tracks=(Track(notes=(Note(60, 0, 480), Note(60, 480, 480))),))
    ev = build_events(score)
    kinds = [(e.tick, "on" if e.is_note_on else "off") for e in ev.events]
    assert kinds == [(0, "on"), (480, "off"), (480, "on"), (960, "off")]
    assert ev.end_tick == 1920  # whole last bar


def test_chord_voicing_bass_and_smooth_upper_voices():
    am = voice_chord(ChordSymbol.parse("Am"))
    assert am[0] == 45 and sorted(p % 12 for p in am[1:]) == [0, 4, 9]
    slash = voice_chord(ChordSymbol.parse("G/B"))
    assert slash[0] % 12 == 11 and 36 <= slash[0] < 48
    prog = voice_chords(ChordSymbol.parse(x) for x in ["C", "F", "G7", "C"])
    for v in prog:
        assert all(52 <= p <= 76 for p in v[1:])
    # Smooth: upper voices move by small steps (no voice jumps an octave).
    for a, b in zip(prog, prog[1:]):
        assert abs(sum(a[1:]) / len(a[1:]) - sum(b[1:]) / len(b[1:])) <= 4
    big = voice_chord(ChordSymbol.parse("C13"))
    assert len(big) <= 5


def test_chord_lane_on_its_own_channel_and_program(tune):
    score = replace(tune, chord_program=48, chord_channel=5)
    ev = build_events(score)
    chord_ons = [e for e in ev.note_ons() if e.message.channel == 5]
    assert len(chord_ons) == 8  # two chords, bass + three voices each
    assert {m.program for m in ev.setup if m.channel == 5} == {48}
    assert build_events(score, chords=False).channels == frozenset({0})


def test_metronome_clicks_on_every_beat_with_accent(tune):
    ev = build_events(tune, metronome=True)
    clicks = [e for e in ev.note_ons() if e.message.channel == PERCUSSION_CHANNEL]
    assert [c.tick for c in clicks] == list(range(0, 3840, 480))
    assert clicks[0].message.velocity > clicks[1].message.velocity
    six8 = Score(tracks=(Track(notes=(Note(60, 0, 240),)),), time_signatures=(TimeSignature(6, 8),))
    clicks = [e.tick for e in build_events(six8, metronome=True).note_ons() if e.message.channel == PERCUSSION_CHANNEL]
    assert clicks == [0, 720]  # two dotted-quarter beats


def test_region_cuts_notes_at_the_end(tune):
    ev = build_events(tune, 480, 1200)
    ons = [e for e in ev.note_ons() if e.message.channel == 0]
    assert [e.message.note for e in ons] == [72, 76]
    offs = [e for e in ev.events if e.is_note_off and e.message.channel == 0]
    assert offs[-1].tick == 1200  # E5 cut at the region end
    assert ev.start_time == pytest.approx(0.5)


def test_candidate_in_context_lead_in_then_candidate(tune):
    # Candidate continuation from bar 2 (tick 1920): replaces the melody from there.
    cand = [Note(84, 1920, 480), Note(83, 2400, 480), Note(81, 2880, 960)]
    ev = candidate_events(tune, 1920, cand, lead_in_bars=1)
    assert (ev.start_tick, ev.end_tick) == (0, 3840)
    melody = [e.message.note for e in ev.note_ons() if e.message.channel == 0]
    assert melody == [69, 72, 76, 81, 84, 83, 81]  # lead-in bar, then the candidate (old G5 gone)
    # The existing chords keep playing under a melody candidate.
    assert any(e.message.channel == 1 and e.tick == 1920 for e in ev.note_ons())
    # A chord candidate replaces the chord lane from its start, under the existing melody.
    ev2 = candidate_events(tune, 1920, chords=[Chord(ChordSymbol.parse("F"), 1920, 1920)])
    at_bar2 = {e.message.note % 12 for e in ev2.note_ons() if e.message.channel == 1 and e.tick == 1920}
    assert at_bar2 == {5, 9, 0}
    assert 79 in [e.message.note for e in ev2.note_ons() if e.message.channel == 0]


def test_candidate_region_lead_in_bars_and_start_of_piece(tune):
    long = tune.with_notes([Note(60, i * 1920, 480) for i in range(8)])
    assert candidate_region(long, 4 * 1920, 5 * 1920, 2) == (2 * 1920, 5 * 1920)
    assert candidate_region(long, 0, 1920, 2) == (0, 1920)
    assert candidate_region(long, 4 * 1920 + 480, 4 * 1920 + 960, 1) == (3 * 1920, 5 * 1920)


def test_count_in_clicks():
    score = Score(tempos=(Tempo(90.0),), time_signatures=(TimeSignature(3, 4),))
    ev = count_in_events(score, 0, bars=2)
    clicks = ev.note_ons()
    assert len(clicks) == 6 and ev.duration == pytest.approx(6 * 60 / 90)
