"""MusicXML import and export (``.musicxml``, ``.xml``, compressed ``.mxl``) with music21. No Qt.

Import keeps notes (ties merged, grace notes dropped), ``<harmony>`` chord symbols, tempo, meter
and key; a pickup measure is placed at the end of bar 0; repeats stay as notated. Export writes
one part per track and the chord lane as ``<harmony>`` elements on the first part, which
MuseScore and music21 read back as chord symbols.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from fractions import Fraction
from pathlib import Path

from ..errors import FileFormatError
from ..score import TPQ, KeySignature, Score
from ._common import MAX_BARS, MAX_CHORD_NOTES, MAX_FILE_BYTES, MAX_M21_NOTES, MAX_TICK, read_bytes
from ._musicxml_m21 import score_from_bytes, score_from_tree
from .music21_bridge import chord_from_fields, score_from_m21


#: The largest MusicXML document read (plain, or inflated from an .mxl archive).
MAX_XML_BYTES = 2 * MAX_FILE_BYTES
#: Inflated size over compressed size beyond which an .mxl member is a zip bomb, not music
#: (MusicXML written by notation programs deflates 10 to 40 times; a bomb 1,000 times).
MAX_MXL_RATIO = 200


def _inflate(path: Path, zf: zipfile.ZipFile, name: str) -> bytes:
    """One member of the archive, refused before inflating when its declared size or ratio is
    absurd, and inflated with a cap in case the declaration lies."""
    info = zf.getinfo(name)
    if info.file_size > MAX_XML_BYTES:
        raise FileFormatError(path, f"the .mxl archive's {name} would inflate to {info.file_size / 2 ** 20:,.0f} MB "
                              f"(at most {MAX_XML_BYTES / 2 ** 20:.0f} MB is read)")
    if info.file_size > 1 << 20 and info.file_size > MAX_MXL_RATIO * max(1, info.compress_size):
        raise FileFormatError(path, f"the .mxl archive's {name} is a zip bomb: {info.compress_size / 2 ** 10:,.0f} KB "
                              f"would inflate to {info.file_size / 2 ** 20:,.0f} MB")
    with zf.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise FileFormatError(path, f"the .mxl archive's {name} inflates to more than it declares")
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
                    container = ET.fromstring(_inflate(path, zf, "META-INF/container.xml"))
                except (ET.ParseError, LookupError, ValueError):  # badly quoted, odd encoding: use the listing
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
            return _inflate(path, zf, root)
    except FileFormatError:
        raise
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        raise FileFormatError(path, f"not a valid compressed MusicXML (.mxl) file ({_short(exc)})") from None
    except Exception as exc:  # xml.etree.ParseError and friends
        raise FileFormatError(path, f"not a valid compressed MusicXML (.mxl) file ({_short(exc)})") from None


#: Values music21 takes at their word and then loops or allocates over (``<beats>4294967296</beats>``
#: exhausts memory, ``<fifths>-4294967296</fifths>`` never finishes): refused before parsing.
_SANE_LIMITS = {b"beats": 64, b"beat-type": 64, b"fifths": 20, b"staves": 64}
_LIMITED_RE = re.compile(rb"<(beats|beat-type|fifths|staves)(?:\s[^>]*)?>([^<]*)<")


def _check_sane_values(path: Path, data: bytes) -> None:
    for m in _LIMITED_RE.finditer(data):
        tag, limit = m.group(1), _SANE_LIMITS[m.group(1)]
        for n in re.findall(rb"\d+", m.group(2)):
            if len(n.lstrip(b"0")) > 3 or int(n) > limit:
                value = m.group(2).decode("utf-8", "replace").strip()[:40]
                raise FileFormatError(path, f"the MusicXML has an impossible <{tag.decode()}> value {value} "
                                      f"(at most {limit} makes sense)")


_NOTE_RE = re.compile(rb"<note[\s>/]")
_MEASURE_RE = re.compile(rb"<measure[\s>/]")
_PART_RE = re.compile(rb"<part[\s>/]")
#: Tags (``<`` characters) in a document: a note written by a notation program takes 20 to 30
#: (pitch, duration, voice, type, stem, beam, notations ...); more than this is not music.
MAX_XML_TAGS = 60 * MAX_M21_NOTES


def _check_counts(path: Path, data: bytes) -> None:
    """Refuse a document with absurdly many notes, measures or tags before any tree is built (cheap:
    counted on the bytes)."""
    notes = len(_NOTE_RE.findall(data))
    if notes > MAX_M21_NOTES:
        raise FileFormatError(path, f"the MusicXML holds {notes:,} notes (at most {MAX_M21_NOTES:,} can be read)")
    measures, parts = len(_MEASURE_RE.findall(data)), len(_PART_RE.findall(data))
    if measures > MAX_BARS * max(1, parts):
        raise FileFormatError(path, f"the MusicXML holds {measures:,} measures in {parts} "
                              f"part{'s' if parts != 1 else ''} (at most {MAX_BARS:,} a part can be read)")
    tags = data.count(b"<")
    if tags > MAX_XML_TAGS:
        raise FileFormatError(path, f"the MusicXML holds {tags:,} tags, far more than its {notes:,} notes "
                              f"need (at most {MAX_XML_TAGS:,} are read)")


def _too_long(path: Path, part: int, measures: int, quarters: Fraction | None = None) -> FileFormatError:
    if quarters is not None:
        return FileFormatError(path, f"part {part + 1} lasts {float(quarters):,.0f} quarter notes, longer than a "
                               f"score can hold ({MAX_TICK // TPQ:,}: {MAX_BARS:,} bars of 4/4)")
    return FileFormatError(path, f"part {part + 1} has {measures:,} measures (at most {MAX_BARS:,} can be read)")


def _num(el, default: float = 0.0) -> float:
    """The element's number; ``default`` when missing, not a number, infinite or NaN."""
    try:
        value = float(el.text) if el is not None and el.text and el.text.strip() else default
    except ValueError:
        return default
    return value if math.isfinite(value) else default


def _pitch_name(step_el, alter_el) -> str | None:
    step = (step_el.text or "").strip().upper() if step_el is not None else ""
    if step not in ("A", "B", "C", "D", "E", "F", "G"):
        return None
    alter = int(round(_num(alter_el)))
    if not -2 <= alter <= 2:  # beyond double sharp/flat: not a spelling anyone writes
        return None
    return step + ("#" * alter if alter > 0 else "-" * -alter)


def _harmony_symbol(h):
    """Our chord symbol (or ``NO_CHORD``/``None``) for a ``<harmony>`` element."""
    kind_el = h.find("kind")
    kind = (kind_el.text or "").strip() if kind_el is not None else ""
    if kind == "none":
        return chord_from_fields("C", "none")
    root_el = h.find("root")
    if root_el is None:
        return None  # a <function> (roman numeral) without a root: not a lead-sheet chord
    root = _pitch_name(root_el.find("root-step"), root_el.find("root-alter"))
    bass_el = h.find("bass")
    bass = _pitch_name(bass_el.find("bass-step"), bass_el.find("bass-alter")) if bass_el is not None else None
    if root is None:
        return None
    mods = set()
    for d in h.findall("degree"):
        typ = (d.findtext("degree-type") or "add").strip()
        mods.add((typ, int(_num(d.find("degree-value")) or 0), int(round(_num(d.find("degree-alter"))))))
    return chord_from_fields(root, kind or "major", bass, mods, kind_el.get("text", "") if kind_el is not None else "")


def _quarters(el, divisions: Fraction) -> Fraction:
    return Fraction(_num(el.find("duration"))).limit_denominator(10_000) / divisions


def _extract_harmonies(path: Path, data: bytes):
    """Parse a partwise document, check its shape and take ``<harmony>`` out of it to read here
    (music21 builds each chord symbol slowly). Returns ``(root element without harmonies,
    {part index: [(measure index, offset, symbol)]}, {part index: measure count})`` or ``None``
    when the document is not one we can handle this way (music21 then reports what is wrong).

    Refused before music21 builds anything: a part of more than :data:`MAX_BARS` measures or
    longer than a score can hold, and a chord of more than :data:`MAX_CHORD_NOTES` notes."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError, RecursionError):  # bad XML, unknown encoding ...: music21 reports
        return None
    if root.tag != "score-partwise":
        return None
    events: dict[int, list] = {}
    counts: dict[int, int] = {}
    limit = Fraction(MAX_TICK, TPQ)
    for pi, part in enumerate(root.findall("part")):
        divisions = Fraction(1)
        measures = part.findall("measure")
        counts[pi] = len(measures)
        if len(measures) > MAX_BARS:
            raise _too_long(path, pi, len(measures))
        length = Fraction(0)
        for mi, measure in enumerate(measures):
            pos = end = Fraction(0)
            chord = 0
            for el in list(measure):
                tag = el.tag
                if tag == "attributes":
                    value = _num(el.find("divisions"), float(divisions)) or float(divisions)
                    divisions = Fraction(value).limit_denominator(10_000) or Fraction(1)
                elif tag == "note":
                    chord = chord + 1 if el.find("chord") is not None else 1
                    if chord > MAX_CHORD_NOTES:
                        raise FileFormatError(path, f"measure {mi + 1} of part {pi + 1} has a chord of more than "
                                              f"{MAX_CHORD_NOTES} notes")
                    if el.find("chord") is None and el.find("grace") is None:
                        pos += _quarters(el, divisions)
                elif tag == "backup":
                    pos -= _quarters(el, divisions)
                elif tag == "forward":
                    pos += _quarters(el, divisions)
                elif tag == "harmony":
                    off = Fraction(_num(el.find("offset"))).limit_denominator(10_000) / divisions
                    sym = _harmony_symbol(el)
                    if sym is not None:
                        events.setdefault(pi, []).append((mi, max(Fraction(0), pos + off), sym))
                    measure.remove(el)
                end = max(end, pos)
            length += end
            if length > limit:
                raise _too_long(path, pi, len(measures), length)
    return root, events, counts


def read_musicxml(path: str | Path) -> Score:
    """Read a MusicXML file into a :class:`Score`; any failure is a :class:`FileFormatError`."""
    path = Path(path)
    data = read_bytes(path)
    if path.suffix.lower() == ".mxl" or data[:2] == b"PK":
        data = _xml_from_mxl(path, data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (some Windows exporters): make it UTF-8
        import re

        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileFormatError(path, "not a MusicXML file (bad UTF-16 text)") from None
        data = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-8"?>', text).encode("utf-8")
    head = data.lstrip()[:400]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.startswith(b"<"):
        raise FileFormatError(path, "not a MusicXML file (it is not XML)")
    if b"score-partwise" not in data[:65536] and b"score-timewise" not in data[:65536]:
        raise FileFormatError(path, "not a MusicXML file (no <score-partwise> or <score-timewise> element)")
    _check_sane_values(path, data)
    _check_counts(path, data)
    extracted = _extract_harmonies(path, data)
    chord_events = None
    try:
        if extracted is not None:
            root, chord_events, counts = extracted
            s = score_from_tree(root)
            parts = list(s.parts)
            if len(parts) != len(counts) or any(
                    len(p.getElementsByClass("Measure")) != counts[i] for i, p in enumerate(parts)):
                chord_events = None  # staves split into several parts: let music21 place the chords
                s = score_from_bytes(data)
        else:
            s = score_from_bytes(data)
    except Exception as exc:  # music21 raises many exception types on bad documents
        raise FileFormatError(path, f"the MusicXML could not be parsed ({_short(exc)})") from None
    try:
        score = score_from_m21(s, chord_events=chord_events)
    except Exception as exc:
        raise FileFormatError(path, f"the MusicXML could not be converted ({_short(exc)})") from None
    from dataclasses import replace

    if not score.title:
        score = replace(score, title=path.stem.replace("_", " "))
    if extracted is not None and _open_key(extracted[0]):
        first = score.key_signatures[0] if score.key_signatures else None
        if first is not None and first.tick == 0 and first.sharps == 0:
            score = replace(score, key_signatures=(KeySignature("C", "major", 0, assumed=True),)
                            + score.key_signatures[1:])
    return score


def _open_key(root) -> bool:
    """Whether the first part opens with ``<mode>none</mode>`` and no sharps or flats: no key set
    (MuseScore's "open/atonal" key; music21 reads it as C major). The key is then assumed, as for a
    MIDI file with no key event, and the assistant reads it from the notes."""
    part = root.find("part")
    measure = part.find("measure") if part is not None else None
    key = measure.find("attributes/key") if measure is not None else None
    if key is None:
        return False
    mode = (key.findtext("mode") or "").strip().lower()
    return mode == "none" and (key.findtext("fifths") or "0").strip() in ("0", "")


def write_musicxml(score: Score, path: str | Path) -> None:
    """Write ``score`` as MusicXML (``.mxl`` compressed, otherwise plain XML), atomically."""
    from .music21_bridge import m21_from_score
    from ._atomic import atomic_write_bytes

    path = Path(path)
    try:
        s = m21_from_score(score)
        from music21.musicxml.m21ToXml import GeneralObjectExporter

        exporter = GeneralObjectExporter(s)
        exporter.makeNotation = False  # m21_from_score already made measures, ties, beams, accidentals
        xml = exporter.parse()
    except Exception as exc:
        raise FileFormatError(path, f"could not be written as MusicXML ({_short(exc)})") from None
    if path.suffix.lower() == ".mxl":
        buf = io.BytesIO()
        inner = "score.musicxml"  # a plain name: some readers mishandle quoting in container.xml
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
