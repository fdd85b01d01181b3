"""The piano roll: note grid, keyboard, ruler, chord lane and velocity lane (see ``widget.py``)."""

from .widget import PianoRollWidget

__all__ = ["PianoRollWidget"]
