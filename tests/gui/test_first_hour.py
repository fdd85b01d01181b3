"""A composer's first hour (issue 14), driven with real key and mouse events on the real window:
proposed chords beside the existing ones, the layout on laptop screens, the first-steps card, the
candidate list, tempo/meter/key in the transport, the view (Home, suggestions), messages, ABC
pickups and repeats, the smaller fixes, and the theory on screen (scale rows, roman numerals, why
this candidate, the chord palette)."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QMessageBox

from composer_app.generation.types import Candidate
from composer_app.gui.main_window import initial_geometry
from composer_app.gui.panels.assistant import (AssistantPanel, candidate_insight, confidence_label,
                                               progression_text)
from composer_app.gui.pianoroll import palette as colours
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track

from mw_helpers import close_window, dialogs, model_window, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.gui
K, CTRL, SHIFT = Qt.Key, Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton
Q, BAR = 480, 1920


def ghost_score() -> Score:
    """The issue's example: melody C E G E | G F D B with chords C | G7."""
    notes = tuple(Note(p, i * Q, Q) for i, p in enumerate([60, 64, 67, 64, 67, 65, 62, 71]))
    chords = (Chord(ChordSymbol.parse("C"), 0, BAR), Chord(ChordSymbol.parse("G7"), BAR, BAR))
    return Score(title="Ghosts", tracks=(Track(notes=notes),), chords=chords)


def block_colour(lane, chord, row: int) -> QColor:
    """The colour painted inside a chord's block in ``row`` (right of its text, left of its corner mark)."""
    img = lane.grab().toImage()
    r = lane.block_rect(chord.start, chord.duration, row)
    return QColor(img.pixel(int(r.right() - 14), int(r.center().y() + 2)))


def is_proposal_colour(c: QColor) -> bool:
    return c.blue() > c.green() + 40 and c.red() > c.green()  # the lane's violet, not its background


# ---- ghost chords over existing chords (the main bug) ------------------------------------------------------
def test_proposed_chords_show_under_the_existing_ones_and_accepting_replaces_them(qtbot, tiny_model_dir):
    w = model_window(qtbot, tiny_model_dir, ghost_score())
    try:
        roll, lane, ctl = w.roll, w.roll.chord_lane, w.assistant
        vp = roll.view.viewport()
        roll.view.setFocus()
        qtbot.keyClick(vp, K.Key_A, CTRL)
        with qtbot.waitSignal(ctl.service.finished, timeout=60000):
            qtbot.keyClick(vp, K.Key_H, CTRL)
        qtbot.waitUntil(lambda: bool(ctl.panel.candidates))
        cands = ctl.panel.candidates
        assert roll.candidate_chords == list(cands[0].chords)
        # two rows: the score's chords stay where they were, the proposal has a row of its own
        assert lane.height() == 2 * lane.ROW and "Proposed" in roll.chords_label.text()
        above = {(c.start, c.duration, str(c.symbol)) for c in w.doc.score.chords}
        for c in cands[0].chords:
            if (c.start, c.duration, str(c.symbol)) in above:  # a repeat of the chord above: hollow "="
                assert not is_proposal_colour(block_colour(lane, c, 1)), str(c.symbol)
            else:
                assert is_proposal_colour(block_colour(lane, c, 1)), str(c.symbol)
        for c in w.doc.score.chords:  # C and G7 are still drawn (faded: they would be replaced)
            assert block_colour(lane, c, 0) != QColor(colours.PANEL_DARK)
        assert lane.replaced_ids() == {c.id for c in w.doc.score.chords}
        # [ and ] change what the lane shows
        before = lane.grab().toImage()
        qtbot.keyClick(vp, K.Key_BracketRight)
        shown = ctl.panel.candidates[ctl.panel.current_row()]
        assert roll.candidate_chords == list(shown.chords)
        if [str(c.symbol) for c in shown.chords] != [str(c.symbol) for c in cands[0].chords]:
            assert lane.grab().toImage() != before
        # why this candidate: its chords with numerals and confidence
        assert ctl.panel.insight.isVisible() and f"Candidate {shown.rank}" in ctl.panel.insight.text()
        assert str(shown.chords[0].symbol) in ctl.panel.insight.text()
        # A with no sound output says so instead of playing silently without a word
        messages = []
        ctl.messageShown.connect(messages.append)
        qtbot.keyClick(vp, K.Key_A)
        assert any("No sound output" in m for m in messages), messages
        qtbot.keyClick(vp, K.Key_A)  # stop the audition
        # Return accepts: the proposed chords replace C and G7, as one undo step
        undo_before = w.doc.undo_stack.count()
        qtbot.keyClick(vp, K.Key_Return)
        assert [str(c.symbol) for c in w.doc.score.chords] == [str(c.symbol) for c in shown.chords]
        assert w.doc.undo_stack.count() == undo_before + 1
        assert lane.height() == lane.ROW and roll.candidate_chords == []
        assert not any("1 chords" in m or "1 notes" in m for m in messages)
        qtbot.keyClick(vp, K.Key_Z, CTRL)
        assert [str(c.symbol) for c in w.doc.score.chords] == ["C", "G7"]
    finally:
        close_window(w)


def test_the_view_comes_back_when_suggestions_are_hidden(qtbot, tiny_model_dir):
    w = model_window(qtbot, tiny_model_dir, ghost_score())
    try:
        roll, ctl = w.roll, w.assistant
        vp = roll.view.viewport()
        for _ in range(4):
            roll.zoom_horizontal(1.6)  # the continuation (bars 3-4) is now off screen to the right
        roll.view.horizontalScrollBar().setValue(0)
        before = roll.view_position()
        roll.view.setFocus()
        with qtbot.waitSignal(ctl.service.finished, timeout=60000):
            qtbot.keyClick(vp, K.Key_G, CTRL)
        qtbot.waitUntil(lambda: bool(ctl.panel.candidates))
        assert roll.view_position() != before  # scrolled to show the candidate
        qtbot.keyClick(vp, K.Key_Escape)  # hide the candidates without accepting
        assert roll.candidate_notes == [] and roll.view_position() == before
    finally:
        close_window(w)


def test_home_returns_the_playhead_and_the_view_to_the_start(window, qtbot):
    roll = window.roll
    window.doc.load(ghost_score())
    bar = roll.view.horizontalScrollBar()
    bar.setValue(bar.maximum())
    roll.set_playhead(8 * BAR)
    roll.view.setFocus()
    qtbot.keyClick(roll.view.viewport(), K.Key_Home)
    assert roll.playhead == 0 and bar.value() == 0


# ---- layout -----------------------------------------------------------------------------------------------
def test_the_first_window_fits_the_screen():
    small = initial_geometry(QRect(0, 0, 1280, 720))
    assert QRect(0, 0, 1280, 720).contains(small) and small.width() == 1280
    big = initial_geometry(QRect(0, 0, 2560, 1440))
    assert (big.width(), big.height()) == (1440, 900) and abs(big.center().x() - 1280) <= 1
    mid = initial_geometry(QRect(0, 0, 1600, 1000))
    assert QRect(0, 0, 1600, 1000).contains(mid)


@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
def test_every_panel_fits_or_scrolls(window, qtbot, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    qtbot.wait(50)
    for dock in (window.properties_dock, window.findChild(type(window.properties_dock), "assistantDock"),
                 window.palette_dock):
        dock.raise_()
        qtbot.wait(20)
        scroller = dock.widget()
        inner = scroller.widget()
        # never squeezed below its minimum (that is when widgets are drawn over each other)
        assert inner.height() >= inner.minimumSizeHint().height(), dock.objectName()
        if inner.height() > scroller.viewport().height():
            assert scroller.verticalScrollBar().maximum() > 0, dock.objectName()
        assert inner.width() <= scroller.viewport().width() + 1  # no sideways cut-off
    # the assistant's last controls can be scrolled into view, clear of the tab bar
    panel = window.assistant.panel
    scroller = panel.parentWidget().parentWidget()
    # ... and what acts on a candidate is in view without scrolling, next to Suggest
    window.findChild(type(window.properties_dock), "assistantDock").raise_()
    qtbot.wait(20)
    scroller.verticalScrollBar().setValue(0)
    for w in (panel.suggest_button, panel.audition_button, panel.accept_button, panel.reject_button):
        top = w.mapTo(scroller.viewport(), QPoint(0, 0)).y()
        assert 0 <= top and top + w.height() <= scroller.viewport().height() + 1, (w.text(), top)
    # ... and so are all four candidates of a continuation with chords, a row each
    melody = [Note(60 + 2 * (i % 4), i * Q, Q) for i in range(8)]
    panel.set_candidates([candidate(math.log(0.3), ["C7", "Bb", "C7"], "continue", melody) for _ in range(4)],
                         score=Score(chords=()))
    qtbot.wait(50)
    for i in range(4):
        rect = panel.list.visualItemRect(panel.list.item(i))
        bottom = panel.list.viewport().mapTo(scroller.viewport(), rect.bottomLeft()).y()
        assert rect.height() < 2 * panel.list.fontMetrics().height() + 8, (i, rect.height())
        assert bottom <= scroller.viewport().height() + 1, (size, i, bottom, scroller.viewport().height())
    for w in (panel.keep_bars, panel.hint):
        scroller.ensureWidgetVisible(w)
        top = w.mapTo(scroller.viewport(), QPoint(0, 0)).y()
        assert 0 <= top and top + w.height() <= scroller.viewport().height() + 1
    # tempo, meter and key are on the transport bar, not hidden in its overflow menu
    for w in window.sound.transport.meta.widgets():
        assert w.isVisible()
    assert window.roll.view.viewport().width() >= 450 and window.roll.view.viewport().height() >= 200


# ---- the first screen ------------------------------------------------------------------------------------
def test_an_empty_score_says_what_to_do_first(window, qtbot):
    roll = window.roll
    card = roll.first_steps
    assert card.isVisible() and "Ctrl+G" in card.text() and "Chords" in card.text()
    vp = roll.view.viewport()
    qtbot.mouseClick(vp, LEFT, pos=roll.viewport_point(Q // 2, 60))  # draw a note (clicks go through the card)
    assert len(window.doc.current_track.notes) == 1 and not card.isVisible()
    qtbot.keyClick(vp, K.Key_Z, CTRL)
    assert card.isVisible()


# ---- the candidate list -----------------------------------------------------------------------------------
def candidate(score: float, chords: list[str], task: str = "harmonize", notes=()) -> Candidate:
    cs = tuple(Chord(ChordSymbol.parse(s), i * BAR, BAR) for i, s in enumerate(chords))
    return Candidate(rank=1, score=score, notes=tuple(notes), chords=cs, note_confidence=tuple(0.5 for _ in notes),
                     chord_confidence=tuple(0.6 for _ in cs), region=(0, len(cs) * BAR), task=task,
                     provenance={"model": "m", "seed": 0})


def test_confidence_reads_as_a_percentage_and_a_word_for_chords_and_a_word_for_melodies():
    assert confidence_label(candidate(math.log(0.49), ["C"])) == "49% · sure"
    assert confidence_label(candidate(math.log(0.08), ["C"])) == "8% · plausible"
    assert confidence_label(candidate(math.log(0.01), ["C"])) == "1% · a long shot"
    # a melody note is one of many good choices: the same number means more
    assert confidence_label(candidate(math.log(0.08), [], "continue", [Note(60, 0, Q)])) == "likely"


def test_the_list_shows_the_whole_progression_in_the_themes_colours(qtbot):
    long = ["D", "A", "D", "A", "D", "D", "G", "D", "Bm", "Em7", "A7", "D"]
    panel = AssistantPanel()
    qtbot.addWidget(panel)
    score = Score(chords=())
    panel.set_candidates([candidate(-1.44, long)], score=score)
    item = panel.list.item(0)
    assert "24%" in item.text() and "-1.44" not in item.text()
    assert progression_text(panel.candidates[0], score) in item.text()
    assert all(sym in item.text() for sym in ("Bm", "Em7", "A7")) and "…" not in item.text()
    assert panel.list.wordWrap()
    assert item.data(Qt.ItemDataRole.ForegroundRole) is None  # no fixed colour: legible in any theme
    # rendered on a dark and a light theme, the text is light on dark and dark on light
    panel.resize(420, 300)
    panel.show()
    qtbot.waitExposed(panel)
    for base, text, check in ((QColor(32, 32, 32), QColor(230, 230, 230), lambda v: v > 180),
                              (QColor(255, 255, 255), QColor(20, 20, 20), lambda v: v < 60)):
        pal = panel.list.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Base, base)
            pal.setColor(group, QPalette.ColorRole.AlternateBase, base)
            pal.setColor(group, QPalette.ColorRole.Text, text)
        panel.list.setPalette(pal)
        panel.list.clearSelection()
        panel.list.setCurrentRow(-1)
        img = panel.list.viewport().grab().toImage()
        rect = panel.list.visualItemRect(item).adjusted(60, 2, -2, -2)  # right of the confidence bar
        values = [QColor(img.pixel(x, y)).value() for y in range(rect.top(), rect.bottom(), 2)
                  for x in range(rect.left(), rect.right(), 2)]
        assert any(check(v) for v in values)


def test_why_this_candidate_names_clashes_with_the_melody():
    score = Score(tracks=(Track(notes=(Note(65, 0, BAR),)),))  # F held over the bar
    text = candidate_insight(candidate(math.log(0.3), ["Cmaj7", "G7"]), score)
    assert "Cmaj7 <i>Imaj7</i> 60%" in text and "G7 <i>V7</i>" in text
    assert "Clash at bar 1 beat 1: F over Cmaj7 rubs a semitone against its E" in text



def test_why_rank_one_is_above_a_candidate_with_a_higher_percentage():
    """Harmonizations are ranked by the whole progression, not by the mean chance of their chords,
    so candidate 2 can show more percent than candidate 1: the insight says why, and says taste
    when the composer's taste moved it up."""
    import html
    from dataclasses import replace

    score = Score(tracks=(Track(notes=(Note(67, 0, BAR),)),))
    first = replace(candidate(math.log(0.66), ["C", "G7"]), rank=1)
    second = replace(candidate(math.log(0.70), ["C", "G"]), rank=2)
    text = html.unescape(candidate_insight(first, score, [first, second]))
    assert "First although candidate 2's chords are likelier one by one" in text
    assert "First although" not in candidate_insight(second, score, [first, second])
    assert "First although" not in candidate_insight(first, score, [first, replace(second, score=math.log(0.5))])
    tasted = replace(first, provenance={**first.provenance, "base_rank": 2})
    assert "your taste puts it first" in candidate_insight(tasted, score, [tasted, second])
    melody = replace(first, task="continue", notes=(Note(60, 0, Q),), note_confidence=(0.5,))
    assert "First although" not in candidate_insight(melody, score, [melody, second])


# ---- transport: tempo, meter and key; time ---------------------------------------------------------------
def test_tempo_meter_and_key_are_edited_in_the_transport_bar(window, qtbot):
    meta = window.sound.transport.meta
    doc = window.doc
    spin = meta.tempo_spin
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "96")
    qtbot.keyClick(spin.lineEdit(), K.Key_Return)
    assert doc.score.tempo == 96.0 and doc.undo_stack.count() == 1
    assert window.properties_panel.tempo_spin.value() == 96.0  # both editors follow the document
    meter = meta.meter_combo
    meter.setFocus()
    meter.lineEdit().selectAll()
    qtbot.keyClicks(meter.lineEdit(), "3/4")
    qtbot.keyClick(meter.lineEdit(), K.Key_Return)
    assert str(doc.score.time_signature) == "3/4" and doc.undo_stack.count() == 2
    meta.tonic_combo.setFocus()
    qtbot.keyClick(meta.tonic_combo, K.Key_End)  # C -> B
    assert doc.score.key.tonic == "B" and doc.undo_stack.count() == 3
    assert meta.mode_combo.isEnabled()
    doc.undo_stack.undo()
    # A new document sets no key: "auto", the assistant reads it from the notes
    assert meta.tonic_combo.currentText() == "auto" and doc.score.key.assumed
    assert not meta.mode_combo.isEnabled()
    meta.tonic_combo.setFocus()
    qtbot.keyClick(meta.tonic_combo, K.Key_Down)  # auto -> C: C major is now set
    assert doc.score.key.tonic == "C" and not doc.score.key.assumed and doc.undo_stack.count() == 3


def test_the_position_reads_bar_beat_and_minutes_seconds(window, qtbot):
    transport, roll = window.sound.transport, window.roll
    window.doc.load(ghost_score())
    x = int(roll.geom.x(2 * BAR + Q) - roll.scroll_x()) + 1
    qtbot.mouseClick(roll.ruler, LEFT, pos=QPoint(x, roll.ruler.height() // 2))
    assert transport.position_label.text() == "3.2"
    assert transport.clock_label.text() == "0:04.5"  # 9 beats at 120 bpm


# ---- messages ----------------------------------------------------------------------------------------------
def test_sound_problems_are_shown_in_full_with_a_way_to_fix_them(window, qtbot):
    from composer_app.gui.sound import install_sound

    settings = window.settings
    settings.audio_driver = "no-such-driver"
    sound = install_sound(window, window.doc, settings)
    try:
        assert not sound.has_output()
        assert window.notice.isVisible()
        text = window.notice.label.text()
        assert text.startswith("No sound: ") and sound.problems[0].rstrip(". ") in text
        assert text.endswith("Transport > Sound & MIDI Settings.") and ".." not in text
        assert window.notice.action_button.isVisible()
        assert sound.status_label.text() == "Sound: off (why?)"
        window.notice.hide()
        qtbot.mouseClick(sound.status_label, LEFT)
        assert window.notice.isVisible()
    finally:
        sound.close()


def test_a_file_that_fails_in_open_says_open(window, dialogs, tmp_path):
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd not really")
    dialogs.answer_file(bad)
    window.actions_by_name["open"].trigger()
    assert dialogs.errors and dialogs.errors[0][0].startswith("Could not open the file")


def test_model_messages_are_in_the_users_terms(tmp_path):
    from composer_app.errors import ModelError
    from composer_app.music_lm.loading import check_model_dir, resolve_device

    with pytest.raises(ModelError) as exc:
        check_model_dir(tmp_path)
    assert "not a Composer Assistant model" in str(exc.value) and "Hugging Face" not in str(exc.value)
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ModelError) as exc:
            resolve_device("cuda")
        assert "Assistant > Device > CPU" in str(exc.value)


def test_plural():
    from composer_app.gui.wording import plural

    assert (plural(1, "chord"), plural(2, "bar"), plural(0, "note")) == ("1 chord", "2 bars", "0 notes")


# ---- ABC: pickup, repeats, Save As ---------------------------------------------------------------------
def test_abc_pickup_stays_partial_repeats_are_offered_and_save_as_proposes_the_title(window, dialogs,
                                                                                      silver_spear):
    dialogs.answer_file(silver_spear)
    dialogs.answer_question(QMessageBox.StandardButton.Yes)  # unfold the repeats
    window.actions_by_name["open"].trigger()
    assert dialogs.asked and "repeat" in dialogs.asked[0]
    score = window.doc.score
    assert score.pickup == Q and score.meter.bar(1).start == Q
    assert window.roll.doc.score.meter.bar_number(0) == 0  # the ruler calls the pickup bar 0
    assert len(score.melody.notes) == 2 * 31 - 2  # each section twice, the pickup once
    dialogs.answer_file("")  # cancel the dialog; what did it propose?
    window.actions_by_name["save_as"].trigger()
    assert dialogs.proposed[-1].endswith("The Silver Spear.composer")


# ---- smaller things ----------------------------------------------------------------------------------------
def test_panic_is_a_word_not_a_close_icon(window):
    panic = window.sound.transport.actions_by_name["panic"]
    assert panic.icon().isNull() and panic.text().replace("&", "") == "Panic"


def test_about_shows_the_app_icon(window, qtbot):
    window.actions_by_name["about"].trigger()
    about = window.about_dialog
    qtbot.waitExposed(about)
    assert not about.icon_label.pixmap().isNull()
    assert about.label.alignment() & Qt.AlignmentFlag.AlignTop
    about.close()


def test_the_midi_systems_offered_are_this_platforms():
    from composer_app.gui.sound import midi_api_choices

    assert [v for _, v in midi_api_choices("linux")] == ["auto", "alsa", "jack"]
    assert "coremidi" in [v for _, v in midi_api_choices("darwin")]


# ---- theory on screen ---------------------------------------------------------------------------------------
def row_colour(roll, pitch: int) -> QColor:
    img = roll.view.viewport().grab().toImage()
    p = roll.viewport_point(3 * Q + Q // 3, pitch)
    return QColor(img.pixel(p.x(), p.y()))


def test_the_keys_scale_is_marked_on_the_rows_and_follows_the_key(window, qtbot):
    roll = window.roll
    window.doc.load(Score(tracks=(Track(notes=(Note(90, 0, Q),)),)))  # a note: no first-steps card over the rows
    roll.ensure_visible(pitch=64)
    assert row_colour(roll, 64) == colours.ROW_SCALE  # E in C major
    assert row_colour(roll, 60) == colours.ROW_TONIC
    assert row_colour(roll, 66) == colours.ROW_OUTSIDE_BLACK  # F#
    meta = window.sound.transport.meta
    meta.tonic_combo.setFocus()
    for _ in range(4):  # auto (none set) -> C -> C# -> Db -> D major: F# is in, C is out
        qtbot.keyClick(meta.tonic_combo, K.Key_Down)
    assert window.doc.score.key.tonic == "D"
    assert row_colour(roll, 66) == colours.ROW_SCALE_BLACK and row_colour(roll, 62) == colours.ROW_TONIC
    window.actions_by_name["show_scale"].trigger()  # View > Highlight the Scale off: plain piano rows
    assert row_colour(roll, 64) == colours.BACKGROUND and row_colour(roll, 66) == colours.ROW_BLACK


def test_with_no_key_set_the_editor_follows_the_key_of_the_notes(window, qtbot):
    """A melody in E major and no key set (a MIDI file from a DAW): the rows mark E major's scale,
    the palette offers E major's chords and says where the key comes from, an E chord is I; setting
    a key in the transport bar makes everything follow it."""
    roll, palette = window.roll, window.palette_panel
    pitches = [64, 68, 71, 68, 71, 69, 66, 63] * 2 + [64, 68, 71, 76]
    e_major = Score(tracks=(Track(notes=tuple(Note(p, i * Q, Q) for i, p in enumerate(pitches))),),
                    chords=(Chord(ChordSymbol.parse("E"), 0, BAR),))
    roll.ensure_visible(pitch=64)
    assert row_colour(roll, 60) == colours.ROW_TONIC  # an empty new document: C major until there are notes
    window.doc.edit("Paste", window.doc.score.with_notes(e_major.melody.notes))  # an edit: the rows follow
    assert row_colour(roll, 64) == colours.ROW_TONIC and row_colour(roll, 60) != colours.ROW_TONIC
    meta = window.sound.transport.meta
    assert meta.tonic_combo.currentText() == "auto (E)" and meta.mode_combo.currentText() == "major"
    window.doc.load(e_major)
    assert window.doc.score.key.assumed and meta.tonic_combo.currentText() == "auto (E)"  # what it reads
    assert not meta.mode_combo.isEnabled()
    assert row_colour(roll, 64) == colours.ROW_TONIC and row_colour(roll, 61) == colours.ROW_SCALE_BLACK  # C#
    assert row_colour(roll, 65) == colours.ROW_OUTSIDE  # F is not in E major
    assert "E major (from the notes)" in palette.place_label.text()
    assert [b.text().split("\n")[:2] for b in palette.buttons][:2] == [["E", "I"], ["F#m", "ii"]]
    assert roll.chord_lane.numeral(ChordSymbol.parse("E"), 0).text == "I"
    meta.tonic_combo.setFocus()
    qtbot.keyClick(meta.tonic_combo, K.Key_Down)  # auto -> C: the composer says C major
    assert not window.doc.score.key.assumed and row_colour(roll, 60) == colours.ROW_TONIC
    assert meta.tonic_combo.currentText() == "C" and meta.tonic_combo.itemText(0) == "auto"
    assert palette.place_label.text().startswith("<b>C major</b>")
    assert roll.chord_lane.numeral(ChordSymbol.parse("E"), 0).text == "V/vi"


def test_roman_numerals_under_the_chords_toggle(window, qtbot):
    window.doc.load(ghost_score())
    lane = window.roll.chord_lane
    g7 = window.doc.score.chords[1]
    assert lane.numeral(g7.symbol, g7.start).text == "V7"
    with_numerals = lane.grab().toImage()
    window.actions_by_name["show_numerals"].trigger()
    assert lane.grab().toImage() != with_numerals and not window.settings.show_numerals


def test_the_palette_writes_a_progression_with_clicks(window, qtbot):
    palette = window.palette_panel
    heard = []
    palette.audition = heard.append
    texts = [b.text().split("\n")[:2] for b in palette.buttons]
    assert texts[:7] == [["C", "I"], ["Dm", "ii"], ["Em", "iii"], ["F", "IV"], ["G", "V"], ["Am", "vi"],
                         ["Bdim", "vii°"]]
    assert ["Bb", "♭VII"] in texts  # borrowed
    button = {b.entry.symbol.__str__(): b for b in palette.buttons}
    doc = window.doc
    qtbot.mouseClick(button["F"], LEFT)
    qtbot.mouseClick(button["G"], LEFT)
    assert [(str(c.symbol), c.start, c.duration) for c in doc.score.chords] == [("F", 0, BAR), ("G", BAR, BAR)]
    assert doc.undo_stack.count() == 2 and [str(s) for s in heard] == ["F", "G"]
    qtbot.mouseClick(button["Am"], LEFT, SHIFT)  # only heard
    assert len(doc.score.chords) == 2 and str(heard[-1]) == "Am"
    # select a chord in the lane: the palette replaces it
    lane = window.roll.chord_lane
    qtbot.mouseClick(lane, LEFT, pos=QPoint(int(lane.block_rect(0, BAR).center().x()), lane.ROW // 2))
    assert "Replace" in palette.place_label.text()
    qtbot.mouseClick(button["Dm"], LEFT)
    assert [str(c.symbol) for c in doc.score.chords] == ["Dm", "G"] and doc.undo_stack.count() == 3


def test_the_palette_shows_the_assistants_chances(qtbot, tiny_model_dir):
    w = model_window(qtbot, tiny_model_dir, ghost_score())
    try:
        palette = w.palette_panel
        qtbot.waitUntil(lambda: palette.distribution is not None, timeout=60000)
        assert all(b.text().endswith("%") for b in palette.buttons)
        total = sum(palette.distribution.probs.values())
        assert total == pytest.approx(1.0, abs=1e-3)
        assert "favourite" in palette.status.text()
    finally:
        close_window(w)


def test_a_palette_chord_sounds_on_the_chord_channel(window):
    from composer_app.gui.sound import install_sound
    from output_doubles import RecordingOutput

    out = RecordingOutput()
    sound = install_sound(window, window.doc, window.settings, output=out)
    try:
        sound.preview_chord(ChordSymbol.parse("G7"))
        ons = [m for _, m in out.messages if m.type == "note_on"]
        assert sorted(m.note % 12 for m in ons) == sorted(ChordSymbol.parse("G7").pitch_classes)
        assert {m.channel for m in ons} == {window.doc.score.chord_channel}
    finally:
        sound.close()


def test_extended_chords_typed_in_the_lane(window, qtbot):
    lane = window.roll.chord_lane
    for bar, text in enumerate(["C2", "Cmaj13#11", "C7alt"]):
        x = int(lane.block_rect(bar * BAR + Q, 1).left())
        qtbot.mouseDClick(lane, LEFT, pos=QPoint(x, lane.ROW // 2))
        qtbot.keyClicks(lane.editor, text)
        qtbot.keyClick(lane.editor, K.Key_Return)
    assert [str(c.symbol) for c in window.doc.score.chords] == ["C2", "Cmaj13#11", "C7alt"]
    assert not lane.error_label.isVisible()


def test_a_key_change_does_not_need_the_window(qtbot):
    # the numerals follow the key at each chord: a D major section after C major
    from composer_app.document import ScoreDocument
    from composer_app.gui.pianoroll import PianoRollWidget

    score = Score(chords=(Chord(ChordSymbol.parse("G"), 0, BAR), Chord(ChordSymbol.parse("G"), BAR, BAR)),
                  key_signatures=(KeySignature("C"), KeySignature("D", "major", BAR)))
    roll = PianoRollWidget(ScoreDocument(score))
    qtbot.addWidget(roll)
    a, b = score.chords
    assert roll.chord_lane.numeral(a.symbol, a.start).text == "V"
    assert roll.chord_lane.numeral(b.symbol, b.start).text == "IV"


def test_counts_read_in_the_right_number(window, qtbot):
    panel = window.assistant.panel
    panel.bars_spin.setValue(1)
    assert panel.bars_spin.text() == "1 bar"
    panel.bars_spin.setValue(2)
    assert panel.bars_spin.text() == "2 bars"
    assert panel.keep_bars.text() == "first 1 bar"
    messages = []
    window.roll.messageShown.connect(messages.append)
    window.doc.load(Score(tracks=(Track(notes=(Note(60, 0, Q),)),), chords=(Chord(ChordSymbol.parse("C"), 0, BAR),)))
    window.roll.view.setFocus()
    qtbot.keyClick(window.roll.view.viewport(), K.Key_A, CTRL)
    qtbot.keyClick(window.roll.view.viewport(), K.Key_C, CTRL)
    assert messages[-1].startswith("Copied 1 note and 1 chord")


def test_the_roll_has_the_keys_when_the_window_opens(qtbot):
    from composer_app.app import create_main_window
    from composer_app.settings import Settings

    w = create_main_window(Settings(), load_model=False, open_devices=False)
    w.doc.load(ghost_score())
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    try:
        assert w.focusWidget() is w.roll.view  # not the transport's tempo box
        qtbot.keyClick(w.focusWidget(), K.Key_A, CTRL)
        assert len(w.doc.selection.notes) == 8
    finally:
        w.doc.undo_stack.setClean()
        w.close()


def test_the_ruler_marks_key_changes_set_and_read(window, qtbot):
    """A key change set in the score is written on the ruler at its bar (D♭); one the assistant
    reads from the notes where none is set is written in brackets, (D♭)."""
    from composer_app.gui.pianoroll.ruler import key_changes, key_mark
    from composer_app.score import KeySignature

    assert [key_mark(k) for k in (KeySignature("Db"), KeySignature("F#", "minor"), KeySignature("D", "dorian"),
                                  KeySignature("Eb", assumed=True))] == ["D\u266d", "F\u266fm", "D dorian", "(E\u266d)"]
    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 67, 72, 71, 69, 67] * 4  # 16 bars of C major
    notes = tuple(Note(p, i * Q, Q) for i, p in enumerate(tune + [p + 1 for p in tune]))
    window.doc.load(Score(tracks=(Track(notes=notes),)))
    assert [key_mark(k) for k in key_changes(window.doc.score)] == ["(D\u266d)"]
    window.roll.ensure_visible(16 * BAR)
    assert not window.roll.ruler.grab().isNull()  # painted with the mark


def test_a_key_change_from_the_ruler(window, qtbot):
    """Right-clicking the ruler at bar 17 offers a key change from there: the key of the notes first
    (the unmarked chorus a half step up), then every key; one undo step; and removing it again."""
    from composer_app.score import KeySignature

    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 67, 72, 71, 69, 67] * 4  # 16 bars of C major
    notes = tuple(Note(p, i * Q, Q) for i, p in enumerate(tune + [p + 1 for p in tune]))
    window.doc.load(Score(tracks=(Track(notes=notes),), key_signatures=(KeySignature("C"),)))
    ruler = window.roll.ruler
    from composer_app.gui.pianoroll.ruler import key_changes as changes

    assert [(k.tonic, k.assumed) for k in changes(window.doc.score)] == [("Db", True)]  # read, in brackets
    menu = ruler.key_menu(16 * BAR + Q)  # inside bar 17: the change goes on its bar line
    sub = menu.actions()[0].menu()
    assert menu.actions()[0].text() == "Key from bar 17"
    first = sub.actions()[0]
    assert first.text() == "Db major (the key of the notes)"
    depth = window.doc.undo_stack.count()
    first.trigger()
    assert [(str(k), k.tick) for k in window.doc.score.key_signatures] == [("C major", 0), ("Db major", 16 * BAR)]
    assert window.doc.undo_stack.count() == depth + 1
    from composer_app.gui.pianoroll.ruler import key_changes, key_mark

    assert [key_mark(k) for k in key_changes(window.doc.score)] == ["D\u266d"]  # set: no brackets
    remove = [a for a in ruler.key_menu(16 * BAR).actions() if a.text() == "Remove the key change at bar 17"]
    remove[0].trigger()
    assert [str(k) for k in window.doc.score.key_signatures] == ["C major"]
    e_minor = [a for a in ruler.key_menu(0).actions()[0].menu().actions() if a.text() == "E minor"]
    e_minor[0].trigger()
    assert str(window.doc.score.key) == "E minor" and window.sound.transport.meta.tonic_combo.currentText() == "E"
