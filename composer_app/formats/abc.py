"""ABC import (read only) with music21, one tune at a time. Pure Python, no Qt.

A multi-tune file is split into tunes at its ``X:`` lines here (faster and more robust than
handing music21 the whole file); each tune's text is then tokenized and translated by music21.
Chord symbols (quoted strings) are parsed by :func:`composer_app.score.parse_nottingham`, falling
back to :meth:`ChordSymbol.parse`, because music21 misreads some Nottingham spellings; quoted
strings that are not chords (annotations, fingerings such as ``"4"``) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from ..errors import ChordSymbolError, FileFormatError
from ..score import TPQ, ChordSymbol, KeySignature, Score, parse_nottingham
from .music21_bridge import NO_CHORD, score_from_m21
from ._common import MAX_CHORD_NOTES, MAX_M21_NOTES, MAX_TICK, read_bytes

_X_RE = re.compile(r"^X:\s*(\d*)", re.MULTILINE)
_NO_CHORD_TEXT = {"NC", "N.C.", "N.C", "No Chord", "none", "None"}
_EDITORIAL_KEY = "composer_chord"


@dataclass(frozen=True)
class TuneInfo:
    """One tune of an ABC file: 0-based ``index`` in the file, its ``X:`` ``number`` and ``title``."""

    index: int
    number: int
    title: str

    def __str__(self) -> str:
        return f"X:{self.number} {self.title}".strip()


@dataclass(frozen=True)
class _Tune:
    info: TuneInfo
    text: str


def _read_text(path: Path) -> str:
    data = read_bytes(path)
    if b"\x00" in data:
        raise FileFormatError(path, "not an ABC text file (it contains binary data)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _split(path: Path) -> list[_Tune]:
    text = _read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    starts = [m.start() for m in _X_RE.finditer(text)]
    if not starts:
        if not re.search(r"^K:", text, re.MULTILINE):
            raise FileFormatError(path, "not an ABC file (no X: or K: field found)")
        chunks = [("1", "X:1\n" + text)]
        header = ""
    else:
        header = text[: starts[0]]
        chunks = []
        for i, s in enumerate(starts):
            chunk = text[s: starts[i + 1] if i + 1 < len(starts) else len(text)]
            chunks.append((_X_RE.match(chunk).group(1), chunk))  # type: ignore[union-attr]  # starts at an X: line
    # File-header fields (L:, M:, Q:, R: ...) apply to every tune: insert them after X:.
    header_fields = [ln for ln in header.split("\n") if re.match(r"^[A-JL-WYZa-z]:", ln) and not ln.startswith("T:")]
    tunes = []
    for index, (num, chunk) in enumerate(chunks):
        if header_fields:
            first, _, rest = chunk.partition("\n")
            chunk = first + "\n" + "\n".join(header_fields) + "\n" + rest
        title_match = re.search(r"^T:\s*(.*)$", chunk, re.MULTILINE)
        title = title_match.group(1).strip() if title_match else ""
        number = int(num) if num and len(num) <= 9 else index + 1  # no number (or an absurd one): its place
        tunes.append(_Tune(TuneInfo(index, number, title), chunk))
    return tunes


def list_tunes(path: str | Path) -> list[TuneInfo]:
    """The tunes in an ABC file (the GUI asks which one to open when there are several)."""
    return [t.info for t in _split(Path(path))]


def has_repeats(path: str | Path, tune: int | None = None) -> bool:
    """Whether the tune (its ``X:`` number; the first when None) has repeat signs (``|:``, ``:|``,
    ``::``) or numbered endings in its music (quoted text and fields ignored)."""
    tunes = _split(Path(path))
    chosen = next((t for t in tunes if t.info.number == tune), tunes[0]) if tune is not None else tunes[0]
    m = re.search(r"^K:.*$", chosen.text, re.MULTILINE)
    body = chosen.text[m.end():] if m else chosen.text
    music = "\n".join(ln for ln in body.split("\n") if not re.match(r"[A-Za-z+]:", ln))
    music = re.sub(r'"[^"]*"', "", re.sub(r"%.*", "", music))
    return bool(re.search(r"\|:|:\||::|\[[12]|\|[12]", music))


def parse_chord_text(text: str):
    """A quoted ABC string as a chord: ``ChordSymbol``, ``NO_CHORD`` for N.C., ``None`` if not a chord."""
    t = text.strip().strip('"').strip()
    if t in _NO_CHORD_TEXT:
        return NO_CHORD
    if not t or t[0] in "^_<>@":  # ABC annotations with a placement prefix
        return None
    for parser in (parse_nottingham, ChordSymbol.parse):
        try:
            sym = parser(t)
        except (ChordSymbolError, ValueError):
            continue
        if sym.bass is not None and sym.bass_pc == sym.root_pc:  # "C/c": a bass equal to the root
            sym = ChordSymbol(sym.root, sym.quality)
        return sym
    return None


def normalize_bars(text: str, *, implicit_repeat_starts: bool = False) -> str:
    """Rewrite bar lines music21 mishandles, outside quotes, comments and fields.

    * ``::`` becomes ``:||:`` (music21 drops the notes after a ``::`` on the same line);
    * with ``implicit_repeat_starts``, write out the ``|:`` ABC leaves implicit, so that repeat
      expansion plays AABB rather than AAB AAB: a ``:|`` with no ``|:`` since the previous section
      boundary (``:|``, ``::``, ``||``, ``|]``) repeats from that boundary, where music21 would go
      back to the start of the tune.
    """
    m = re.search(r"^K:.*$", text, re.MULTILINE)
    if not m:
        return text
    edits: list[tuple[int, int, str]] = []  # (position, characters removed, text inserted)
    open_start = False
    boundary: int | None = None
    i, n = m.end(), len(text)
    line_start = False

    def end_repeat() -> None:
        if implicit_repeat_starts and not open_start and boundary is not None:
            edits.append((_next_music(text, boundary), 0, "|:"))

    while i < n:
        c = text[i]
        if line_start and re.match(r"[A-Za-z]:", text[i:i + 2]):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        line_start = c == "\n"
        if c == '"':
            j = text.find('"', i + 1)
            i = n if j < 0 else j + 1
        elif c == "%":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
        elif c == "[" and re.match(r"\[[A-Za-z]:", text[i:i + 3]):
            j = text.find("]", i)
            i = n if j < 0 else j + 1
        elif text.startswith("::", i):
            end_repeat()
            edits.append((i, 2, ":||:"))
            i += 2
            boundary, open_start = i, True
        elif text.startswith(":|", i):
            end_repeat()
            i += 2
            if i < n and (text[i] == "]" or (text[i] == "|" and not text.startswith("|:", i))):
                i += 1
            boundary, open_start = i, False
        elif text.startswith("||:", i):
            i += 1
        elif text.startswith("|:", i):
            open_start = True
            i += 2
        elif text.startswith("||", i) or text.startswith("|]", i) or text.startswith("[|", i):
            i += 2
            boundary = i
        else:
            i += 1
    for pos, remove, insert in sorted(edits, key=lambda e: e[0], reverse=True):
        text = text[:pos] + insert + text[pos + remove:]
    return text


def _next_music(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is music (not blank, not a field line such as
    ``P:B``: music21 loses a ``|:`` written before one)."""
    while True:
        pos += re.match(r"[ \t\r\n]*", text[pos:]).end()  # type: ignore[union-attr]  # * always matches
        if (pos == 0 or text[pos - 1] == "\n") and re.match(r"[A-Za-z]:", text[pos:pos + 2]):
            nl = text.find("\n", pos)
            if nl < 0:
                return len(text)
            pos = nl + 1
            continue
        return pos


#: Longest tune read, in quarter notes (the readers' tick limit); a damaged ``L:`` field such as
#: ``L:2147483648/4`` otherwise makes music21 fill gigabytes with measures of rests.
_MAX_QUARTERS = MAX_TICK // TPQ
#: Longest single note or chord, in quarter notes (32 bars of 4/4).
_MAX_NOTE_QUARTERS = 128


_SANE_METER_RE = re.compile(r"^\s*(C\|?|none|[\d\s+()]+/\s*\d+)?\s*$")


def _check_meters(path: Path, tune: _Tune) -> None:
    """Refuse an absurd meter before music21 sees it: ``M:10000000/4`` makes it allocate without end,
    and an ``M:`` in the middle of a music line (``g,,M:8|]``), which music21 also takes as a meter,
    can make it run for minutes."""
    for line in tune.text.split("\n"):
        if re.match(r"[A-Za-z+]:", line) and not line.startswith("M:"):
            continue  # another field (title, lyrics ...): free text
        music = re.sub(r'"[^"]*"', "", line.split("%")[0])
        for m in re.finditer(r"M:([^\]\n]*)", music):
            value = m.group(1)
            if not _SANE_METER_RE.match(value) or any(len(n.lstrip("0")) > 3 or int(n) > 64
                                                       for n in re.findall(r"\d+", value)):
                raise FileFormatError(path, f"tune X:{tune.info.number} has a meter that cannot be read "
                                      f"(M:{value.strip()[:40]})")


_TUPLET_RE = re.compile(r"\((\d+)(?::(\d*))?(?::(\d*))?")
#: The most notes a tuplet may group, and the most notes it may apply to.
_MAX_TUPLET = 64


def _check_tuplets(path: Path, tune: _Tune) -> None:
    """Refuse an absurd tuplet such as ``(99999:1:99999`` before music21 reads it."""
    for line in tune.text.split("\n"):
        if re.match(r"[A-Za-z+]:", line):
            continue  # a field (title, lyrics ...): free text
        music = re.sub(r'"[^"]*"', "", line.split("%")[0])
        for m in _TUPLET_RE.finditer(music):
            if any(len(g) > 3 or int(g) > _MAX_TUPLET for g in m.groups() if g):
                raise FileFormatError(path, f"tune X:{tune.info.number} has a tuplet {m.group(0)[:40]} that cannot be "
                                      f"read (at most {_MAX_TUPLET} notes in a tuplet)")


def _check_lengths(path: Path, tune: _Tune, handler) -> None:
    """Refuse a tune whose notes add up to an absurd length, or that has absurdly many notes or a
    chord of absurdly many notes, before music21 builds any measures."""
    import math

    from music21 import abcFormat

    total = 0.0
    count = 0
    for tok in handler.tokens:
        if isinstance(tok, abcFormat.ABCNote):
            size = len(tok.subTokens) if isinstance(tok, abcFormat.ABCChord) else 1
            count += size
            if size > MAX_CHORD_NOTES or count > MAX_M21_NOTES:
                what = (f"a chord of {size:,} notes (at most {MAX_CHORD_NOTES} can be read)" if size > MAX_CHORD_NOTES
                        else f"more than {MAX_M21_NOTES:,} notes (too many to read)")
                raise FileFormatError(path, f"tune X:{tune.info.number} has {what}")
            ql = float(getattr(tok, "quarterLength", 0.0) or 0.0)
            if math.isnan(ql) or math.isinf(ql) or ql > _MAX_QUARTERS:
                total = math.inf
                break
            if ql > _MAX_NOTE_QUARTERS:  # music21's re-barring of such a note takes minutes (A4096 in L:1/8)
                raise FileFormatError(path, f"tune X:{tune.info.number} has a note lasting {ql:g} quarter notes "
                                      f"(at most {_MAX_NOTE_QUARTERS} can be read; check its length)")
            total += ql
    if total > _MAX_QUARTERS:
        raise FileFormatError(path, f"tune X:{tune.info.number} is impossibly long (its notes last more than "
                              f"{_MAX_QUARTERS} quarter notes; check its L: field and note lengths)")


def _with_unit_length(text: str) -> str:
    """The tune with ``L:1/8`` added when its header has neither ``L:`` nor ``M:``: the standard's
    default (with an ``M:`` music21 derives it; with neither it stops)."""
    k = re.search(r"^K:", text, re.MULTILINE)
    header = text[:k.start()] if k else text
    if re.search(r"^[LM]:", header, re.MULTILINE):
        return text
    first, _, rest = text.partition("\n")
    return f"{first}\nL:1/8\n{rest}"


def _mapper(cs):
    return cs.editorial.get(_EDITORIAL_KEY)


def _parse_tune(path: Path, tune: _Tune, *, chords: bool, expand_repeats: bool) -> Score:
    from music21 import abcFormat, harmony

    from ._abc_m21 import translate_tune

    _check_meters(path, tune)
    _check_tuplets(path, tune)
    try:
        handler = abcFormat.ABCHandler()
        text = normalize_bars(_with_unit_length(tune.text), implicit_repeat_starts=expand_repeats)
        handler.parseHeaderForVersionInformation(text[:100])
        handler.process(text)
        _check_lengths(path, tune, handler)
        # Replace each quoted string by a placeholder music21 always accepts; remember ours in order.
        ours: list[object] = []
        for tok in handler.tokens:
            if isinstance(tok, abcFormat.ABCNote) and tok.chordSymbols:
                sym = None
                if chords:
                    for text in tok.chordSymbols:
                        sym = parse_chord_text(text)
                        if sym is not None:
                            break
                if sym is None:
                    tok.chordSymbols = []
                else:  # music21 builds "NC" quickly (a real chord symbol costs ~3 ms)
                    tok.chordSymbols = ['"NC"']
                    ours.append(sym)
        s = translate_tune(handler)
    except FileFormatError:
        raise
    except Exception as exc:  # music21 raises many types on malformed ABC
        raise FileFormatError(path, f"tune X:{tune.info.number} could not be parsed as ABC ({_short(exc)})") from None
    found = [cs for part in (s.parts or [s]) for cs in part.recurse().getElementsByClass(harmony.ChordSymbol)]
    if len(found) != len(ours):
        raise FileFormatError(path, f"tune X:{tune.info.number}: chord symbols could not be placed "
                              f"({len(ours)} written, {len(found)} read)")
    for cs, sym in zip(found, ours):
        cs.editorial[_EDITORIAL_KEY] = sym
    if expand_repeats:
        try:
            _repeat_after_pickup(s)
            s = s.expandRepeats()
        except Exception:  # inconsistent repeat marks: keep the tune as notated
            pass
    if not s.flatten().notes:
        raise FileFormatError(path, f"tune X:{tune.info.number} has no notes")
    try:
        score = score_from_m21(s, chords=chords, chord_mapper=_mapper, title=tune.info.title)
    except FileFormatError:
        raise
    except Exception as exc:
        raise FileFormatError(path, f"tune X:{tune.info.number} could not be converted ({_short(exc)})") from None
    return _no_key_set(tune.text, score)


def _no_key_set(text: str, score: Score) -> Score:
    """``K:none`` in the header sets no key (ABC 2.1): the key at the start is then assumed, as for
    a MIDI file with no key event, so the assistant reads it from the notes (music21 reads it as
    C major)."""
    m = re.search(r"^K:\s*(\S*)", text, re.MULTILINE)
    first = score.key_signatures[0] if score.key_signatures else None
    if m is None or m.group(1).lower() != "none" or first is None or first.tick != 0 or first.sharps != 0:
        return score
    return replace(score, key_signatures=(KeySignature("C", "major", 0, assumed=True),) + score.key_signatures[1:])


def _repeat_after_pickup(s) -> None:
    """A first repeat with no start sign goes back to the start. After a pickup that is right only
    when the repeat's last bar is short by the pickup (the two make a bar: ``A|d2e ... d3 d2:|``);
    when that bar is whole, it goes back to bar 1, or the pickup would be played again and every
    later bar line would come a pickup's length off."""
    from music21 import bar, stream

    from .music21_bridge import _pickup_length, ticks

    for part in (s.parts or [s]):
        measures = list(part.getElementsByClass(stream.Measure))
        pickup = _pickup_length(part) if len(measures) >= 2 else 0
        if not pickup:
            continue
        whole = ticks(measures[2].offset - measures[1].offset) if len(measures) > 2 else 0
        for i, m in enumerate(measures):
            left, right = m.leftBarline, m.rightBarline
            if isinstance(left, bar.Repeat) and left.direction == "start":
                break  # the first repeat says where it starts
            if isinstance(right, bar.Repeat) and right.direction == "end":
                length = ticks(m.highestTime)
                if i > 0 and length + pickup != whole and not isinstance(measures[1].leftBarline, bar.Repeat):
                    measures[1].leftBarline = bar.Repeat(direction="start")
                break


def _short(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg[:200]


def read_abc(path: str | Path, tune: int | None = None, *, chords: bool = True,
             expand_repeats: bool = False) -> Score:
    """Read one tune: ``tune`` is its ``X:`` number; ``None`` reads the first (or only) tune."""
    path = Path(path)
    tunes = _split(path)
    if tune is None:
        chosen = tunes[0]
    else:
        matches = [t for t in tunes if t.info.number == tune]
        if not matches:
            numbers = sorted(t.info.number for t in tunes)
            have = f"X:{numbers[0]}" if len(numbers) == 1 else f"X:{numbers[0]} to X:{numbers[-1]}"
            raise FileFormatError(path, f"there is no tune X:{tune} (the file has {len(numbers)} "
                                  f"tune{'s' if len(numbers) != 1 else ''}, {have})")
        chosen = matches[0]
    return _parse_tune(path, chosen, chords=chords, expand_repeats=expand_repeats)


def iter_abc_tunes(path: str | Path, *, chords: bool = True,
                   expand_repeats: bool = False) -> Iterator[tuple[TuneInfo, Score | FileFormatError]]:
    """Every tune of a file, in order: ``(info, score)`` or ``(info, error)``; one bad tune never stops it."""
    path = Path(path)
    for t in _split(path):
        try:
            yield t.info, _parse_tune(path, t, chords=chords, expand_repeats=expand_repeats)
        except FileFormatError as exc:
            yield t.info, exc
