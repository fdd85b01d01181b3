"""Tokenized ABC to a music21 score, in time linear in the length of the tune. Pure Python, no Qt.

music21's ``abcFormat.translate.abcToStreamScore`` has two steps that grow with the square of the
number of bars, so a long but valid tune took minutes (20,000 notes: 194 s):

* ``Part.makeBeams``: for every measure it looks up the measure's context in a tree rebuilt from
  the whole part. The readers never use beams, so the parts made here skip it;
* ``translate.reBar`` indexes a ``StreamIterator`` inside its loop over the measures, and each
  index rebuilds the iterator's list (its cache is keyed on ``None`` but stored under ``True``).
  :func:`rebar` is the same algorithm over one list of the measures (music21's iterator also
  holds the measures as they were before the loop split any).

Everything else is music21's own translation (measures, pickups, ties, tuplets, repeats, meter
and key changes), so the scores are the same as before, only faster.
"""

from __future__ import annotations

import contextlib
import copy
import threading

from music21 import common, exceptions21, stream
from music21.abcFormat import translate


class UnbeamedPart(stream.Part):
    """A part whose ``makeBeams`` does nothing (beams are notation the readers never read)."""

    def makeBeams(self, *args, **kwargs):  # noqa: N802 - music21's name
        return None


def rebar(part: stream.Part, *, inPlace: bool = False):  # noqa: N803 - music21's signature
    """music21's ``translate.reBar`` (split measures longer than the meter) over a list of the
    measures: the same splits, measure numbers and time signatures, in linear time."""
    if not inPlace:
        part = copy.deepcopy(part)
    last_ts = None
    number_shift = 0
    measures = list(part.getElementsByClass(stream.Measure))  # the measures before any split
    count = len(measures)
    for index in range(count):
        measure = measures[index]
        if measure.timeSignature is not None:
            last_ts = measure.timeSignature
        if last_ts is None:
            raise translate.ABCTranslateException("No time signature found in this Part")
        ts_end = last_ts.barDuration.quarterLength
        m_end = common.opFrac(measure.highestTime)
        measure.number += number_shift
        if m_end > ts_end:
            m1, m2 = measure.splitAtQuarterLength(ts_end)
            m2.timeSignature = None
            if last_ts.barDuration.quarterLength != m2.highestTime:
                try:
                    m2.timeSignature = m2.bestTimeSignature()
                except exceptions21.StreamException as exc:
                    raise translate.ABCTranslateException(
                        f"Problem with measure {measure.number} ({measure!r}): {exc}") from None
                if index != count - 1 and measures[index + 1].timeSignature is None:
                    measures[index + 1].timeSignature = last_ts
            m2.keySignature = None
            m2.clef = None
            m2.number = m1.number + 1
            number_shift += 1
            part.insert(common.opFrac(m1.offset + m1.highestTime), m2)
    return None if inPlace else part


_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def _linear_rebar():
    """``translate.abcToStreamPart`` calls the module's ``reBar``: use :func:`rebar` meanwhile
    (the same result, so another thread translating at the same time is not affected)."""
    with _PATCH_LOCK:
        original = translate.reBar
        translate.reBar = rebar
        try:
            yield
        finally:
            translate.reBar = original


def translate_tune(handler) -> stream.Score:
    """A music21 score (one part per voice) from a processed ``ABCHandler`` holding one tune;
    what ``translate.abcToStreamScore`` builds, without its metadata (the reader names the tune)."""
    voices = handler.splitByVoice()
    handlers = voices[:1] if len(voices) == 1 else [voices[0] + v for v in voices[1:]]
    score = stream.Score()
    with _linear_rebar():
        for h in handlers:
            score.coreInsert(0, translate.abcToStreamPart(h, inputM21=UnbeamedPart()))
    score.coreElementsChanged()
    return score
