"""Help menu: F1 opens the user guide (the README shipped with the app) at its shortcuts table;
About names the version and the licence and shows the licence's full text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from composer_app import __version__
from composer_app.gui.help import SHORTCUTS_HEADING

from mw_helpers import dialogs, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def test_f1_opens_the_guide_at_the_shortcuts(qtbot, window):
    w = window
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_F1)
    guide = w.help_window
    qtbot.waitExposed(guide)
    text = guide.browser.toPlainText()
    assert SHORTCUTS_HEADING in text and "Ctrl+G / Ctrl+Shift+G" in text  # the README's table
    doc = guide.browser.document()
    heading = doc.find(SHORTCUTS_HEADING).block()
    y = doc.documentLayout().blockBoundingRect(heading).top()
    bar = guide.browser.verticalScrollBar()
    # the view starts at the shortcuts heading, not at the top of the README
    assert bar.value() > 0 and abs(bar.value() - y) < guide.browser.viewport().height() / 4, (bar.value(), y)
    assert not guide.isModal()  # it can stay open while composing
    guide.close()


def test_user_guide_and_about_from_the_help_menu(qtbot, window):
    w = window
    names = [a.objectName() for a in w.menus["help"].actions()]
    assert names[:3] == ["shortcuts", "guide", "about"]
    w.actions_by_name["guide"].trigger()
    assert w.help_window.browser.verticalScrollBar().value() == 0
    assert "Composer Assistant" in w.help_window.browser.toPlainText()
    w.actions_by_name["about"].trigger()
    about = w.about_dialog
    qtbot.waitExposed(about)
    assert __version__ in about.label.text() and "General Public License" in about.label.text()
    qtbot.mouseClick(about.licence_button, Qt.MouseButton.LeftButton)
    assert "GNU GENERAL PUBLIC LICENSE" in about.licence.browser.toPlainText()
    about.licence.close()
    about.close()
    w.help_window.close()  # leave no window open for the tests after this one
