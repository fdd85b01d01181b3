"""The piano roll: note grid, keyboard, ruler, chord lane and velocity lane (see ``widget.py``).

``PianoRollWidget`` is imported lazily so that the pure ``geometry`` module can be used (and
tested) without loading Qt.
"""

__all__ = ["PianoRollWidget"]


def __getattr__(name):
    if name == "PianoRollWidget":
        from .widget import PianoRollWidget

        return PianoRollWidget
    raise AttributeError(name)
