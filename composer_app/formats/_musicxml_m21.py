"""A parsed MusicXML document to a music21 score, in time linear in the number of measures. No Qt.

music21's importer inserts each measure into its part with ``Stream.insert``, which first asks the
sorted part for its ``highestTime``: the cache was cleared by the previous insert, so every insert
walks all the measures before it (20,001 measures: about 300 s). The parts made here are filled
unsorted (``ignoreSort``) and sorted once, when music21 first reads them; everything else is
music21's own parsing.

The importer also takes the element tree the reader already built (to read the chord symbols and
check the document's size), rather than serializing it and parsing it again.
"""

from __future__ import annotations

from typing import Any

from music21 import stream
from music21.musicxml import xmlToM21


class _FilledPart(stream.Part):
    def coreInsert(self, offset, element, *, ignoreSort=False, setActiveSite=True):  # noqa: N802, N803
        return super().coreInsert(offset, element, ignoreSort=True, setActiveSite=setActiveSite)


class _FilledPartStaff(stream.PartStaff):
    def coreInsert(self, offset, element, *, ignoreSort=False, setActiveSite=True):  # noqa: N802, N803
        return super().coreInsert(offset, element, ignoreSort=True, setActiveSite=setActiveSite)


class _PartParser(xmlToM21.PartParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream: Any = _FilledPartStaff() if isinstance(self.stream, stream.PartStaff) else _FilledPart()


class _Importer(xmlToM21.MusicXMLImporter):
    def xmlPartToPart(self, mxPart, mxScorePart):  # noqa: N802, N803 - music21's names
        parser = _PartParser(mxPart, mxScorePart=mxScorePart, parent=self)
        parser.parse()
        return parser.stream if parser.appendToScoreAfterParse else None


def score_from_tree(root) -> stream.Score:
    """A music21 score from the root element of a ``<score-partwise>`` document (an
    ``xml.etree.ElementTree`` element), as ``converter.parse(..., format="musicxml")`` makes it."""
    importer = _Importer()
    if root.tag != "score-partwise":
        raise xmlToM21.MusicXMLImportException(f"Cannot parse MusicXML files not in score-partwise. "
                                               f"Root tag was '{root.tag}'")
    importer.xmlRoot = root
    importer.xmlRootToScore(root, importer.stream)
    return importer.stream


def score_from_bytes(data: bytes) -> stream.Score:
    """A music21 score from a document's bytes, decoded and parsed as music21's importer does."""
    import io
    import xml.etree.ElementTree as ET

    text = data.decode("utf-8")
    try:
        root = ET.parse(io.StringIO(text)).getroot()
    except ET.ParseError:
        root = ET.XML(text)
    return score_from_tree(root)
