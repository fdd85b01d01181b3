"""MusicXML import and export (``.musicxml``, ``.xml``, compressed ``.mxl``) with music21. No Qt.

Import keeps notes (ties merged, grace notes dropped), ``<harmony>`` chord symbols, tempo, meter
and key; a pickup measure is placed at the end of bar 0; repeats stay as notated. Export writes
one part per track and the chord lane as ``<harmony>`` elements on the first part, which
MuseScore and music21 read back as chord symbols.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import FileFormatError
from ..score import Score
from .music21_bridge import score_from_m21


def _check_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(path, "file not found") from None
    except IsADirectoryError:
        raise FileFormatError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise FileFormatError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise FileFormatError(path, "the file is empty")
    return data


def _xml_from_mxl(path: Path, data: bytes) -> bytes:
    """The score document inside a compressed MusicXML (.mxl) archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            root = None
            if "META-INF/container.xml" in names:
                import xml.etree.ElementTree as ET

                try:
                    container = ET.fromstring(zf.read("META-INF/container.xml"))
                except ET.ParseError:  # some writers quote badly: fall back to the archive listing
                    container = ET.fromstring("<container/>")
                for el in container.iter():
                    if el.tag.endswith("rootfile") and el.get("full-path") in names:
                        root = el.get("full-path")
                        break
            if root is None:
                candidates = [n for n in names if n.lower().endswith((".xml", ".musicxml")) and not n.startswith("META-INF")]
                if not candidates:
                    raise FileFormatError(path, "the .mxl archive holds no MusicXML document")
                root = candidates[0]
            return zf.read(root)
    except FileFormatError:
        raise
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        raise FileFormatError(path, f"not a valid compressed MusicXML (.mxl) file ({exc})") from None
    except Exception as exc:  # xml.etree.ParseError and friends
        raise FileFormatError(path, f"not a valid compressed MusicXML (.mxl) file ({exc})") from None


def read_musicxml(path: str | Path) -> Score:
    """Read a MusicXML file into a :class:`Score`; any failure is a :class:`FileFormatError`."""
    from music21 import converter

    path = Path(path)
    data = _check_file(path)
    if path.suffix.lower() == ".mxl" or data[:2] == b"PK":
        data = _xml_from_mxl(path, data)
    head = data.lstrip()[:400]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.startswith(b"<"):
        raise FileFormatError(path, "not a MusicXML file (it is not XML)")
    if b"score-partwise" not in data[:4000] and b"score-timewise" not in data[:4000]:
        raise FileFormatError(path, "not a MusicXML file (no <score-partwise> or <score-timewise> element)")
    try:
        s = converter.parse(data, format="musicxml", forceSource=True)
    except Exception as exc:  # music21 raises many exception types on bad documents
        raise FileFormatError(path, f"the MusicXML could not be parsed ({_short(exc)})") from None
    try:
        score = score_from_m21(s)
    except Exception as exc:
        raise FileFormatError(path, f"the MusicXML could not be converted ({_short(exc)})") from None
    if not score.title:
        from dataclasses import replace

        score = replace(score, title=path.stem.replace("_", " "))
    return score


def write_musicxml(score: Score, path: str | Path) -> None:
    """Write ``score`` as MusicXML (``.mxl`` compressed, otherwise plain XML), atomically."""
    from .music21_bridge import m21_from_score
    from ._atomic import atomic_write_bytes

    path = Path(path)
    try:
        s = m21_from_score(score)
        from music21.musicxml.m21ToXml import GeneralObjectExporter

        xml = GeneralObjectExporter(s).parse()
    except Exception as exc:
        raise FileFormatError(path, f"could not be written as MusicXML ({_short(exc)})") from None
    if path.suffix.lower() == ".mxl":
        buf = io.BytesIO()
        inner = (path.stem or "score") + ".musicxml"
        container = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<container><rootfiles>'
            f'<rootfile full-path="{inner}" media-type="application/vnd.recordare.musicxml+xml"/>'
            "</rootfiles></container>\n"
        )
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("mimetype", "application/vnd.recordare.musicxml", compress_type=zipfile.ZIP_STORED)
            zf.writestr("META-INF/container.xml", container)
            zf.writestr(inner, xml)
        data = buf.getvalue()
    else:
        data = xml
    atomic_write_bytes(path, data)


def _short(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg[:200]
