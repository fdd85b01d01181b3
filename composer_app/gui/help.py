"""Help: the user guide (the README, rendered in the app) and the About box with the licence.

Both are ordinary, non-modal windows, so the shortcuts can stay open beside the piano roll. The
guide is the README shipped with the app (:func:`composer_app.paths.doc_file`), rendered by Qt's
own Markdown support; F1 opens it at "Keyboard shortcuts and mouse". Nothing is fetched from the
network.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QTextCursor, QTextDocument
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QTextBrowser,
                               QVBoxLayout, QWidget)

from .. import __version__
from ..logs import log_file
from ..paths import doc_file

SHORTCUTS_HEADING = "Keyboard shortcuts and mouse"


class TextWindow(QDialog):
    """A resizable, non-modal window showing Markdown or plain text."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def scroll_to(self, text: str) -> bool:
        """Put the first occurrence of ``text`` (a heading) at the top of the view."""
        found = self.browser.document().find(text, 0, QTextDocument.FindFlag.FindCaseSensitively)
        if found.isNull():
            return False
        bar = self.browser.verticalScrollBar()
        bar.setValue(bar.maximum())  # then back up: the heading ends at the top, not the bottom
        self.browser.setTextCursor(found)
        self.browser.ensureCursorVisible()
        cursor = QTextCursor(found)
        cursor.clearSelection()
        self.browser.setTextCursor(cursor)
        return True


def user_guide(parent: QWidget | None, section: str | None = SHORTCUTS_HEADING) -> TextWindow:
    """The README as a window, scrolled to ``section``; shown, and returned (tests read it)."""
    window = TextWindow("Composer Assistant - User Guide", parent)
    window.setObjectName("userGuide")
    readme = doc_file("README.md")
    if readme is None:
        window.browser.setPlainText("The user guide (README.md) is not part of this installation. It is online "
                                    "with the source code, and Help > Keyboard Shortcuts lists every key.")
    else:
        text = readme.read_text(encoding="utf-8", errors="replace")
        text = "\n".join(line for line in text.splitlines() if not line.startswith("!["))  # no images
        window.browser.setMarkdown(text)
    window.show()
    if section:
        window.scroll_to(section)
    return window


def licence_window(parent: QWidget | None) -> TextWindow:
    window = TextWindow("Composer Assistant - Licence", parent)
    window.setObjectName("licenceWindow")
    path = doc_file("LICENSE")
    window.browser.setPlainText(path.read_text(encoding="utf-8", errors="replace") if path else
                                "GNU General Public License, version 3 or later: https://www.gnu.org/licenses/gpl-3.0.html")
    window.show()
    return window


def _version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


class AboutDialog(QDialog):
    """Name, version, what runs it, the model in use and the licence (with its full text)."""

    def __init__(self, model_text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Composer Assistant")
        layout = QVBoxLayout(self)
        from PySide6 import __version__ as qt_version

        self.label = QLabel(
            f"<h2>Composer Assistant {__version__}</h2>"
            "<p>A piano-roll sketchpad with a music language model that runs on your computer and "
            "suggests melodic continuations and chord progressions. Nothing is sent anywhere.</p>"
            f"<p>{model_text}</p>"
            f"<p><small>Python {platform.python_version()} · Qt {qt_version} · PyTorch "
            f"{_version_of('torch')}<br>Log file: {html.escape(str(log_file()))}</small></p>"
            "<p>Copyright © the Composer Assistant developers.<br>Free software under the GNU General "
            "Public License, version 3 or later: you may share and change it under its terms. It comes "
            "with no warranty.</p>")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()  # the app's icon beside the text (no empty block above it)
        self.icon_label = QLabel()
        self.icon_label.setObjectName("aboutIcon")
        icon = QApplication.windowIcon()
        if icon.isNull():
            from ..paths import resources_dir

            icon = QIcon(str(resources_dir() / "icons" / "composer-app.svg"))
        self.icon_label.setPixmap(icon.pixmap(64, 64))
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.icon_label)
        row.addWidget(self.label, 1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.licence_button = QPushButton("&Licence…")
        self.licence_button.setObjectName("licenceButton")
        buttons.addButton(self.licence_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.licence_button.clicked.connect(lambda: setattr(self, "licence", licence_window(self)))
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
