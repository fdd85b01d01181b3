"""The harmonizer's chord classes: 12 roots x 10 qualities, and how symbols map onto them.

Every chord symbol of the score model reduces to one class (its root and the nearest of
:data:`CLASSES`: ninths to their seventh, sixths to their triad, ``dim7`` to ``dim`` ...); the
bass of a slash chord is not predicted. Pure Python.
"""

from __future__ import annotations

from ...score import ChordSymbol
from ...score.chords import spell

#: Quality classes the harmonizer predicts, in label order.
CLASSES: tuple[str, ...] = ("", "m", "7", "maj7", "m7", "dim", "m7b5", "aug", "sus4", "sus2")
N_CLASSES = len(CLASSES)
N_LABELS = 12 * N_CLASSES
IGNORE = -100  # label of a beat without a chord (not trained on, not scored)

#: Canonical quality (score.QUALITIES) -> class.
REDUCE: dict[str, str] = {
    "": "", "5": "", "6": "", "add9": "",
    "m": "m", "m6": "m", "mmaj7": "m",
    "7": "7", "9": "7", "7b9": "7", "7#9": "7", "11": "7", "13": "7",
    "maj7": "maj7", "maj9": "maj7",
    "m7": "m7", "m9": "m7", "m11": "m7",
    "dim": "dim", "dim7": "dim",
    "m7b5": "m7b5",
    "aug": "aug", "aug7": "aug",
    "sus4": "sus4", "7sus4": "sus4",
    "sus2": "sus2",
}
#: Classes allowed by the assistant's chord-vocabulary setting, and where the others go.
VOCAB_MAP: dict[str, dict[str, str]] = {
    "triads": {"7": "", "maj7": "", "m7": "m", "m7b5": "dim"},
    "sevenths": {},
    "all": {},
}


def label_of(symbol: ChordSymbol) -> int:
    """Class index (root * N_CLASSES + quality class) of a chord symbol."""
    quality = REDUCE.get(symbol.quality, "")
    return symbol.root_pc * N_CLASSES + CLASSES.index(quality)


def root_of(label: int) -> int:
    return label // N_CLASSES


def quality_of(label: int) -> str:
    return CLASSES[label % N_CLASSES]


def transpose_label(label: int, k: int) -> int:
    return ((label // N_CLASSES + k) % 12) * N_CLASSES + label % N_CLASSES


def symbol_of(label: int, prefer_flats: bool = False) -> ChordSymbol:
    return ChordSymbol(spell(root_of(label), prefer_flats), quality_of(label))


def is_minor_label(label: int) -> bool:
    return quality_of(label) in ("m", "m7", "dim", "m7b5")


def allowed_labels(vocab: str) -> list[int]:
    """Labels a chord-vocabulary setting (``triads``, ``sevenths``, ``all``) allows."""
    banned = set(VOCAB_MAP.get(vocab, {}))
    return [lab for lab in range(N_LABELS) if quality_of(lab) not in banned]


def folded(vocab: str) -> list[int]:
    """For each label, the label it becomes under ``vocab`` (``G7`` -> ``G`` with triads)."""
    mapping = VOCAB_MAP.get(vocab, {})
    return [root_of(lab) * N_CLASSES + CLASSES.index(mapping.get(quality_of(lab), quality_of(lab)))
            for lab in range(N_LABELS)]
