"""Pure piano-roll maths, tested without Qt (the module must not import it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from composer_app.gui.pianoroll import geometry as g
from composer_app.score import TPQ, Chord, ChordSymbol, Meter, Note, TimeSignature


def test_geometry_module_does_not_import_qt():
    code = "import sys, composer_app.gui.pianoroll.geometry; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_coordinate_maps_round_trip():
    geom = g.RollGeometry(px_per_tick=0.1, key_height=12)
    assert geom.x(480) == pytest.approx(48.0)
    assert geom.tick_at(48.0) == 480
    assert geom.tick_at(-5) == 0
    assert geom.y(127) == 0 and geom.y(60) == 67 * 12
    for pitch in (0, 21, 60, 61, 127):
        assert geom.pitch_at(geom.y(pitch) + 1) == pitch
        assert geom.pitch_at(geom.y(pitch) + 11.9) == pitch
    assert geom.pitch_at(-100) == 127 and geom.pitch_at(10_000) == 0
    assert geom.ticks(-24.0) == -240
    assert geom.note_rect(480, 1, 60)[2] == 2.0  # very short notes stay visible


def test_pitch_names_and_black_keys():
    assert g.pitch_name(60) == "C4" and g.pitch_name(69) == "A4" and g.pitch_name(0) == "C-1"
    assert [g.is_black_key(p) for p in range(60, 72)] == [False, True, False, True, False, False, True,
                                                          False, True, False, True, False]


def test_hit_note_body_end_and_overlap():
    geom = g.RollGeometry(px_per_tick=0.1, key_height=10)
    a = Note(60, 0, 480)
    b = Note(60, 240, 480)  # overlaps a, starts later: on top
    y = geom.y(60) + 5
    assert g.hit_note([a, b], geom, 10, y) == g.Hit(a.id, "body")
    assert g.hit_note([a, b], geom, 30, y).id == b.id
    assert g.hit_note([a, b], geom, 71, y) == g.Hit(b.id, "end")  # last 6 px of b (24..72)
    assert g.hit_note([a, b], geom, 30, geom.y(61) + 5) is None
    assert g.hit_note([a, b], geom, 80, y) is None
    # a short note keeps two thirds of its width as body
    short = Note(64, 0, 60)  # 6 px wide
    assert g.hit_note([short], geom, 1, geom.y(64) + 1).part == "body"
    assert g.hit_note([short], geom, 5, geom.y(64) + 1).part == "end"


def test_notes_in_rect_any_corner_order():
    geom = g.RollGeometry(px_per_tick=0.1, key_height=10)
    notes = [Note(60, 0, 480), Note(62, 960, 480), Note(72, 0, 480)]
    y60, y62 = geom.y(60), geom.y(62)
    ids = g.notes_in_rect(notes, geom, 150, y60 + 9, 10, y62 + 1)
    assert ids == {notes[0].id, notes[1].id}
    assert g.notes_in_rect(notes, geom, 40, y60 + 9, 60, y62 + 1) == {notes[0].id}
    assert g.notes_in_rect(notes, geom, 50, y60 + 9, 60, y62 + 1) == set()  # between the notes
    assert g.notes_in_rect(notes, geom, 200, 0, 300, 5) == set()


def test_hit_chord():
    c1 = Chord(ChordSymbol.parse("C"), 0, 1920)
    c2 = Chord(ChordSymbol.parse("G"), 1920, 1920)
    assert g.hit_chord([c1, c2], 0.1, 10) == g.Hit(c1.id, "body")
    assert g.hit_chord([c1, c2], 0.1, 190) == g.Hit(c1.id, "end")
    assert g.hit_chord([c1, c2], 0.1, 200).id == c2.id
    assert g.hit_chord([c1, c2], 0.1, 400) is None


def test_snapping_during_gestures():
    grid = TPQ // 4  # 1/16
    assert g.moved_start(480, 70, grid) == 600  # 550 snaps to 600
    assert g.moved_start(480, 50, grid) == 480
    assert g.moved_start(100, -500, grid) == 0  # never before zero
    assert g.moved_start(487, 3, None) == 490  # snap off: free
    assert g.resized_end(0, 480, 200, grid) == 720
    assert g.resized_end(0, 480, -1000, grid) == grid  # at least one step
    assert g.resized_end(0, 480, -1000, None) == 1


def test_drawn_span():
    grid = TPQ // 2
    assert g.drawn_span(300, 300, grid) == (240, 240)  # a click: one grid cell
    assert g.drawn_span(300, 700, grid) == (240, 480)  # dragged into the 3rd cell: ends at 720
    assert g.drawn_span(300, 100, grid) == (240, 240)  # dragging left keeps the minimum
    assert g.drawn_span(333, 333, None) == (333, TPQ)  # snap off: a quarter at the mouse


def test_drawn_span_triplets_exact():
    grid = TPQ // 3  # 1/8T = 160 ticks
    assert g.drawn_span(500, 1000, grid) == (480, 640)  # ends on the triplet line 1120 >= 1000


def test_default_chord_span_one_bar_at_bar_start():
    meter = Meter([TimeSignature(4, 4)])
    assert g.default_chord_span(meter, [], 2500, TPQ // 4) == (1920, 1920)
    # a chord already covers the bar start: start at the clicked beat, up to the bar end
    c = Chord(ChordSymbol.parse("C"), 1920, 960)
    assert g.default_chord_span(meter, [c], 3000, TPQ // 4) == (2880, 960)
    # a later chord in the bar cuts the new one short
    d = Chord(ChordSymbol.parse("G"), 1920 + 960, 960)
    assert g.default_chord_span(meter, [d], 2000, TPQ) == (1920, 960)
    # 3/4 and 6/8 bars
    assert g.default_chord_span(Meter([TimeSignature(3, 4)]), [], 1500, None) == (1440, 1440)
    assert g.default_chord_span(Meter([TimeSignature(6, 8)]), [], 100, None) == (0, 1440)


def test_grid_lines_follow_meter_and_changes():
    meter = Meter([TimeSignature(4, 4), TimeSignature(3, 4, tick=1920)])
    lines = g.grid_lines(meter, 0, 1920 + 1440 + 1, TPQ // 2, px_per_tick=0.1)
    bars = [t for t, lv in lines if lv == g.BAR]
    beats = [t for t, lv in lines if lv == g.BEAT]
    subs = [t for t, lv in lines if lv == g.SUB]
    assert bars == [0, 1920, 3360]
    assert beats == [480, 960, 1440, 2400, 2880]
    assert 240 in subs and 2160 in subs and 480 not in subs
    # compound meter: beats are dotted quarters
    six8 = g.grid_lines(Meter([TimeSignature(6, 8)]), 0, 1440, None, 0.1)
    assert six8 == [(0, g.BAR), (720, g.BEAT)]


def test_grid_lines_thin_out_when_zoomed_far():
    meter = Meter([TimeSignature(4, 4)])
    far = g.grid_lines(meter, 0, 1920 * 16, TPQ // 4, px_per_tick=0.004)  # bar = 7.7 px
    assert all(lv == g.BAR for _t, lv in far)
    assert [t for t, _ in far] == [i * 1920 for i in range(0, 16, 2)]  # every other bar
    mid = g.grid_lines(meter, 0, 1920, TPQ // 4, px_per_tick=0.02)  # 16th = 2.4 px: no subdivisions
    assert {lv for _t, lv in mid} == {g.BAR, g.BEAT}


def test_grid_lines_triplets():
    lines = g.grid_lines(Meter([TimeSignature(4, 4)]), 0, 1920, TPQ // 3, px_per_tick=0.2)
    subs = [t for t, lv in lines if lv == g.SUB]
    assert subs[:3] == [160, 320, 640]


def test_zoom_scroll_keeps_anchor():
    scroll, anchor = 300.0, 250.0
    new = g.zoom_scroll(scroll, anchor, 0.1, 0.25)
    # the tick under the anchor before == the tick under the anchor after
    assert (scroll + anchor) / 0.1 == pytest.approx((new + anchor) / 0.25)


def test_follow_scroll_pages_like_a_daw():
    assert g.follow_scroll(500, 0, 1000) is None
    assert g.follow_scroll(950, 0, 1000) == pytest.approx(850)  # past 90%: page on
    assert g.follow_scroll(100, 400, 1000) == pytest.approx(0)  # jumped back (loop): follow


def test_velocity_lane_maps():
    h = 84
    assert g.velocity_at(g.velocity_y(100, h), h) == 100
    assert g.velocity_at(-50, h) == 127 and g.velocity_at(500, h) == 1
    assert g.velocity_y(127, h) < g.velocity_y(1, h)
