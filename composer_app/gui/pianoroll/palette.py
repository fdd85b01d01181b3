"""Colours and fonts of the piano roll (dark, DAW-like). The only place that names a colour."""

from __future__ import annotations

from PySide6.QtGui import QColor

BACKGROUND = QColor(34, 36, 42)  # white-key rows (scale highlighting off)
ROW_BLACK = QColor(27, 28, 33)  # black-key rows (scale highlighting off)
ROW_SCALE = QColor(44, 52, 66)  # rows of pitches in the key's scale
ROW_SCALE_BLACK = QColor(38, 46, 60)
ROW_TONIC = QColor(56, 70, 92)  # the tonic's rows
ROW_OUTSIDE = QColor(29, 30, 35)  # rows outside the scale
ROW_OUTSIDE_BLACK = QColor(23, 24, 28)
ROW_HOVER = QColor(255, 255, 255, 14)
KEY_HOVER = QColor(120, 190, 255)
ROW_SEPARATOR = QColor(22, 23, 27)
OCTAVE_LINE = QColor(70, 74, 88)
LINE_BAR = QColor(118, 122, 140)
LINE_BEAT = QColor(74, 78, 94)
LINE_SUB = QColor(52, 55, 66)
PLAYHEAD = QColor(255, 92, 80)
LOOP = QColor(90, 160, 255, 60)
LOOP_GRID = QColor(90, 160, 255, 22)
LOOP_EDGE = QColor(90, 160, 255, 200)
RUBBER_BAND = QColor(120, 180, 255)
TEXT = QColor(215, 218, 226)
TEXT_DIM = QColor(140, 144, 158)
PANEL = QColor(44, 46, 54)
PANEL_DARK = QColor(30, 31, 37)
ERROR = QColor(200, 60, 60)

KEY_WHITE = QColor(226, 228, 232)
KEY_WHITE_SCALE = QColor(240, 242, 246)
KEY_SCALE_MARK = QColor(70, 130, 210)  # a dot on the keys of the scale
KEY_TONIC_MARK = QColor(235, 150, 60)
KEY_BLACK = QColor(38, 40, 46)
KEY_PRESSED = QColor(255, 170, 70)

CHORD_BLOCK = QColor(64, 104, 150)
CHORD_SELECTED = QColor(235, 150, 60)
CHORD_CANDIDATE = QColor(190, 120, 255)
PROPOSAL_ROW = QColor(44, 36, 58)  # the chord lane's row of proposed chords
NUMERAL = QColor(226, 214, 160)  # roman numerals under chord symbols
CONFIDENCE = QColor(120, 230, 150)
CLASH = QColor(255, 80, 80)

GHOST_TRACK = QColor(160, 164, 180, 70)
CANDIDATE = QColor(190, 120, 255)


def note_fill(velocity: int, selected: bool) -> QColor:
    """Note colour: brightness and saturation follow velocity; selected notes turn orange."""
    v = max(1, min(127, velocity)) / 127.0
    if selected:
        return QColor.fromHsv(28, int(150 + 90 * v), int(170 + 85 * v))
    return QColor.fromHsv(150, int(90 + 120 * v), int(95 + 150 * v))


def note_border(fill: QColor) -> QColor:
    return fill.darker(190)


def candidate_fill(confidence: float) -> QColor:
    """Ghost note fill: always visible, more opaque the more confident the model is. A note's
    confidence is the product of its pitch and length probabilities, so its square root (their
    geometric mean) spreads typical values (0.05-0.5) over the range."""
    c = QColor(CANDIDATE)
    c.setAlpha(int(90 + 165 * max(0.0, min(1.0, confidence)) ** 0.5))
    return c
