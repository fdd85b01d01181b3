"""The Assistant panel's "Your taste": on by default, says what it learned in words, learns from
accepts, rejects, auditions and regenerations made with real keys, switches off with a click
(remembered in the settings) and forgets everything with "Forget What You Learned…"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from composer_app.generation import decisions, taste
from composer_app.generation.taste import TasteModel
from composer_app.paths import user_data
from composer_app.settings import Settings

from mw_helpers import close_window, dialogs, model_window  # noqa: F401 - fixtures
from test_assistant import ask, sketch

pytestmark = pytest.mark.gui


def stepwise_profile() -> TasteModel:
    """What an earlier session learned: stepwise lines, from 20 decisions (the documented format)."""
    return TasteModel.from_json({"format": "composer-app-taste", "version": 1, "decisions": 20,
                                 "weights": {"shared": {"base": 0.6, "stepwise": 2.0}}})


@pytest.fixture
def window(qtbot, tiny_model_dir):
    taste.save(stepwise_profile(), user_data())  # what an earlier session learned
    w = model_window(qtbot, tiny_model_dir, sketch())
    yield w
    close_window(w)


def test_taste_panel_learns_switches_off_and_forgets(qtbot, window, dialogs):  # noqa: F811
    w = window
    ctl = w.assistant
    panel = ctl.panel
    view = w.roll.view.viewport()
    assert panel.taste_check.isChecked()
    assert panel.taste_label.text().startswith("On. From 20 decisions: You prefer stepwise lines")

    # Accept with Return: logged with the four candidates on screen, and learned.
    ask(qtbot, w)
    shown = [c.fingerprint() for c in panel.candidates]
    assert all("base_rank" in c.provenance for c in panel.candidates)  # the taste ordered them
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    kept = ctl.current()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    line = decisions.read()[-1]
    assert line["decision"] == "accept" and line["v"] == 2
    assert [s["fingerprint"] for s in line["shown"]] == shown and line["chosen"] == 1
    assert line["fingerprint"] == kept.fingerprint()
    assert ctl.taste.model.decisions == 21 and taste.load(user_data()).decisions == 21
    assert panel.taste_label.text().startswith("On. From 21 decisions:")

    # Audition (A), regenerate (Ctrl+Shift+G) and reject (X) are logged too.
    ask(qtbot, w)
    qtbot.keyClick(view, Qt.Key.Key_A)
    qtbot.keyClick(view, Qt.Key.Key_A)  # stop; a second audition of the same one is not logged again
    qtbot.keyClick(view, Qt.Key.Key_A)
    with qtbot.waitSignal(ctl.service.finished, timeout=60000):
        qtbot.keyClick(view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(panel.candidates))
    qtbot.keyClick(view, Qt.Key.Key_X)
    assert [e["decision"] for e in decisions.read()] == ["accept", "audition", "regenerate", "reject"]
    assert decisions.read()[2]["chosen"] is None and len(decisions.read()[2]["shown"]) == 4
    assert ctl.taste.model.decisions == 24 and "From 24 decisions" in panel.taste_label.text()
    if ctl.auditioning:
        qtbot.keyClick(view, Qt.Key.Key_A)

    # Switch it off with a click: remembered, the next request carries no taste, nothing is learned.
    qtbot.mouseClick(panel.taste_check, Qt.MouseButton.LeftButton)
    assert not panel.taste_check.isChecked() and Settings().taste_enabled is False
    assert panel.taste_label.text().startswith("Off")
    assert not ctl.actions_by_name["learn_taste"].isChecked()
    assert ctl.taste.reranker() is None
    ask(qtbot, w)
    assert not any("base_rank" in c.provenance for c in panel.candidates)  # the assistant's own order
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert ctl.taste.model.decisions == 24 and decisions.read()[-1]["decision"] == "accept"
    qtbot.mouseClick(panel.taste_check, Qt.MouseButton.LeftButton)
    assert panel.taste_check.isChecked() and Settings().taste_enabled is True

    # Forget: asks first; Cancel keeps everything, Yes deletes the log and the model.
    dialogs.answer_question(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(panel.taste_reset, Qt.MouseButton.LeftButton)
    assert taste.model_path(user_data()).exists() and ctl.taste.model.decisions == 24
    dialogs.answer_question(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(panel.taste_reset, Qt.MouseButton.LeftButton)
    assert len(dialogs.asked) == 2
    assert not taste.model_path(user_data()).exists() and not decisions.log_path().exists()
    assert panel.taste_label.text() == "On. Nothing learned yet: suggestions keep the assistant's own order."


def test_taste_switched_off_in_the_settings_stays_off(qtbot, tiny_model_dir):
    Settings().taste_enabled = False
    w = model_window(qtbot, tiny_model_dir, sketch())
    try:
        assert not w.assistant.panel.taste_check.isChecked() and not w.assistant.taste.learning
        assert w.assistant.panel.taste_label.text().startswith("Off")
    finally:
        close_window(w)
