"""Assistant > Learn from My Music… in the real window: a few small files become a style that the
Assistant > Model menu lists and loads, with its model card; Cancel leaves no style behind. The
learning runs as the real ``composer-app learn`` process (a few steps on the tiny test model)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from composer_app.music_lm.styles import list_styles, styles_dir

from mw_helpers import close_window, model_window

FEW_STEPS = ["--max-steps", "3", "--eval-every", "1", "--batch-size", "2", "--holdout", "1", "--max-len", "256",
             "--self-replay", "4", "--guard", "10"]


def write_tunes(folder, n=4):
    folder.mkdir()
    for i in range(n):
        (folder / f"t{i}.abc").write_text(f"X:1\nT:Little tune {'ABCD'[i]}\nM:4/4\nL:1/8\nK:G\n"
                                          f'"G"GABc dcBA|"D"ABcd cBAG|"C"cBAG FGAB|"G"G8|\n')
    return folder


@pytest.fixture
def window(qtbot, tiny_model_dir):
    w = model_window(qtbot, tiny_model_dir)
    yield w
    if w.assistant.styles.dialog is not None:
        w.assistant.styles.dialog.close()
    close_window(w)


def open_dialog(qtbot, w, tmp_path, monkeypatch, name, n_tunes=4):
    learn = next(a for a in w.menus["assistant"].actions() if a.text() == "Learn from My Music…")
    learn.trigger()
    dialog = w.assistant.styles.dialog
    assert dialog is not None and dialog.isVisible()
    folder = write_tunes(tmp_path / "my music", n_tunes)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    add_folder = next(b for b in dialog.findChildren(type(dialog.learn_button)) if b.text() == "Add Folder…")
    qtbot.mouseClick(add_folder, Qt.MouseButton.LeftButton)
    assert dialog.paths.count() == 1
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, name)
    return dialog


def test_learn_from_my_music_gives_a_selectable_style_with_a_card(qtbot, window, tmp_path, monkeypatch,
                                                                  tiny_model_dir):
    w = window
    ctl = w.assistant
    dialog = open_dialog(qtbot, w, tmp_path, monkeypatch, "Little tunes")
    dialog.extra_args = FEW_STEPS
    with qtbot.waitSignal(dialog.styleLearned, timeout=120000) as learned:
        qtbot.mouseClick(dialog.learn_button, Qt.MouseButton.LeftButton)
        assert dialog.running and not dialog.learn_button.isEnabled()
    path = learned.args[0]
    assert dialog.progress.value() == 1000 and "held-out pieces" in dialog.status.text()
    assert [s.name for s in list_styles()] == ["Little tunes"] and path == str(styles_dir() / "Little tunes")
    qtbot.waitUntil(lambda: ctl.service.model_info and ctl.service.model_info["name"] == "Little tunes",
                    timeout=60000)  # the new style is loaded at once
    ctl.load_model(str(tiny_model_dir), "cpu")  # back to the tiny model, then choose the style in the menu
    qtbot.waitUntil(lambda: ctl.service.model_info["name"] != "Little tunes", timeout=60000)
    ctl.styles.menu.aboutToShow.emit()
    entries = ctl.styles.style_actions()
    assert set(entries) == {"Bundled Model", "Little tunes"} and not entries["Little tunes"].isChecked()
    entries["Little tunes"].trigger()
    qtbot.waitUntil(lambda: ctl.service.model_info["name"] == "Little tunes", timeout=60000)
    assert ctl.settings.model_dir == path
    ctl.styles.rebuild()
    assert ctl.styles.style_actions()["Little tunes"].isChecked()
    card = ctl.styles.show_card()
    assert "Held-out pieces" in ctl.styles.card_text() and "t0.abc" in ctl.styles.card_text()
    card.close()

    # "Forget What You Learned…" asks about the styles separately: No keeps the style in use,
    # Yes deletes it and goes back to the bundled model.
    asked, answers = [], []

    def question(parent, title, text, *a, **k):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    answers[:] = [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No]
    qtbot.mouseClick(ctl.panel.taste_reset, Qt.MouseButton.LeftButton)
    assert len(asked) == 2 and "“Little tunes”" in asked[1] and not answers
    assert [s.name for s in list_styles()] == ["Little tunes"] and ctl.settings.model_dir == path
    answers[:] = [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Yes]
    qtbot.mouseClick(ctl.panel.taste_reset, Qt.MouseButton.LeftButton)
    assert len(asked) == 4 and not answers
    assert list_styles() == [] and not (styles_dir() / "Little tunes").exists()
    qtbot.waitUntil(lambda: ctl.service.model_info["name"] != "Little tunes" and not ctl.settings.model_dir,
                    timeout=60000)  # the bundled model
    ctl.styles.menu.aboutToShow.emit()
    assert set(ctl.styles.style_actions()) == {"Bundled Model"}


def test_cancel_stops_the_learning_and_lists_no_style(qtbot, window, tmp_path, monkeypatch):
    w = window
    dialog = open_dialog(qtbot, w, tmp_path, monkeypatch, "Never")
    dialog.extra_args = ["--max-steps", "100000", "--eval-every", "1000", "--batch-size", "2", "--max-len", "256",
                         "--self-replay", "4"]
    qtbot.mouseClick(dialog.learn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Step"), timeout=120000)  # it is learning
    assert dialog.progress.value() < 1000
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and dialog.status.text().startswith("Cancelled")
    assert list_styles() == [] and not any(styles_dir().iterdir())  # no style, not even a hidden half
    w.assistant.styles.rebuild()
    assert set(w.assistant.styles.style_actions()) == {"Bundled Model"}
    assert dialog.learn_button.isEnabled()


def test_too_few_pieces_is_said_in_the_dialog(qtbot, window, tmp_path, monkeypatch):
    dialog = open_dialog(qtbot, window, tmp_path, monkeypatch, "Two", n_tunes=2)
    dialog.extra_args = FEW_STEPS
    qtbot.mouseClick(dialog.learn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120000)
    assert dialog.status.text().startswith("Could not learn the style:") and "too few pieces" in dialog.status.text()
    assert list_styles() == [] and dialog.learn_button.isEnabled()
