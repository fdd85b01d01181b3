"""Long real music reads in time linear in its length, and absurd inputs are refused before the
expensive step (issue 13). Cost is counted in Python function calls (deterministic), never in
seconds: the wall-clock figures are in ``benchmarks/hostile_inputs.py``."""

from __future__ import annotations

import cProfile
import pstats

import pytest

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.formats._common import MAX_BARS, MAX_CHORD_NOTES


def reel(n_notes: int) -> str:
    """A plain reel of ``n_notes`` eighth notes, eight a bar, a chord symbol on every bar."""
    scale = "CDEFGABcdefgab"
    chords = ["C", "Am", "F", "G7"]
    bars = []
    for b in range(n_notes // 8):
        notes = "".join(scale[(b * 3 + i * (1 + b % 3)) % len(scale)] for i in range(8))
        bars.append(f'"{chords[b % len(chords)]}"{notes[:4]} {notes[4:]}')
    lines = [" | ".join(bars[i:i + 4]) + " |" for i in range(0, len(bars), 4)]
    return "X:1\nT:Long reel\nM:4/4\nL:1/8\nK:C\n" + "\n".join(lines) + "]\n"


def calls_to_read(path, **kw) -> int:
    prof = cProfile.Profile()
    prof.enable()
    try:
        score = formats.read(path, **kw)
    finally:
        prof.disable()
    assert score.all_notes()
    return pstats.Stats(prof).total_calls


def test_a_long_abc_tune_costs_linear_work(tmp_path):
    """music21 beams every measure against a tree of the whole part and re-lists the measures for
    each one it checks (quadratic: 20,000 notes took 194 s); twice the notes must cost about twice."""
    small, large = tmp_path / "small.abc", tmp_path / "large.abc"
    small.write_text(reel(1_000))
    large.write_text(reel(2_000))
    formats.read(small)  # imports and music21's caches: not part of the cost
    ratio = calls_to_read(large) / calls_to_read(small)
    assert ratio < 2.3, f"twice the notes cost {ratio:.2f} times the work"


def test_the_linear_abc_translation_keeps_musics_splits_of_overfull_bars(tmp_path):
    """An overfull bar is split as music21 splits it (the same notes, bar lines and meters)."""
    from music21 import abcFormat
    from music21.abcFormat import translate

    from composer_app.formats._abc_m21 import translate_tune

    text = "X:1\nM:3/4\nL:1/8\nK:D\nABcd efga|ABcd ef|gfed cBAG FE|D6|]\n"
    ours, theirs = abcFormat.ABCHandler(), abcFormat.ABCHandler()
    ours.process(text)
    theirs.process(text)
    a = translate_tune(ours).parts[0]
    b = translate.abcToStreamScore(theirs).parts[0]

    def shape(part):
        return [(m.number, float(m.offset), m.timeSignature.ratioString if m.timeSignature else None,
                 [(n.nameWithOctave, float(n.offset), float(n.quarterLength)) for n in m.notes])
                for m in part.getElementsByClass("Measure")]

    assert shape(a) == shape(b)
    assert len(shape(a)) > 4  # the overfull bars were split


# ---- MusicXML --------------------------------------------------------------------------------------
def musicxml(measures: list[str], divisions: int = 1) -> str:
    body = "".join(f'<measure number="{i + 1}">'
                   + (f"<attributes><divisions>{divisions}</divisions><time><beats>4</beats><beat-type>4</beat-type>"
                      "</time></attributes>" if i == 0 else "") + m + "</measure>" for i, m in enumerate(measures))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="3.1"><part-list>'
            '<score-part id="P1"><part-name>Melody</part-name></score-part></part-list>'
            f'<part id="P1">{body}</part></score-partwise>\n')


def xml_note(step="C", octave=4, duration=4, kind="whole", chord=False) -> str:
    return (f'<note>{"<chord/>" if chord else ""}<pitch><step>{step}</step><octave>{octave}</octave></pitch>'
            f"<duration>{duration}</duration><type>{kind}</type></note>")


@pytest.fixture
def music21_must_not_parse(monkeypatch):
    """Fail if music21's MusicXML importer starts: the refusal must come before the expensive step."""
    from music21.musicxml import xmlToM21

    def refuse(*args, **kwargs):
        raise AssertionError("music21 was asked to parse it")

    monkeypatch.setattr(xmlToM21.MusicXMLImporter, "xmlRootToScore", refuse)


def _refused(path, *fragments):
    with pytest.raises(FileFormatError) as err:
        formats.read(path)
    assert "music21 was asked" not in str(err.value), str(err.value)
    for f in fragments:
        assert f in str(err.value), str(err.value)
    return err.value


def test_musicxml_past_the_bar_limit_is_refused_before_music21(tmp_path, music21_must_not_parse):
    path = tmp_path / "long.musicxml"
    path.write_text(musicxml([xml_note()] * (MAX_BARS + 1)))
    _refused(path, f"{MAX_BARS + 1:,} measures")


def test_musicxml_longer_than_a_score_is_refused_before_music21(tmp_path, music21_must_not_parse):
    path = tmp_path / "endless.musicxml"  # 100 measures of 1,000 quarter notes each
    path.write_text(musicxml([xml_note(duration=1000, kind="whole")] * 100))
    _refused(path, "lasts 81,000 quarter notes", "longer than a score can hold")


def test_a_chord_of_50000_notes_is_refused_before_music21(tmp_path, music21_must_not_parse):
    path = tmp_path / "chord.musicxml"
    path.write_text(musicxml(["".join(xml_note("CDEFGAB"[i % 7], 1 + i % 7, chord=i > 0) for i in range(50_000))]))
    _refused(path, f"a chord of more than {MAX_CHORD_NOTES} notes")


def test_musicxml_with_too_many_notes_or_tags_is_refused_before_parsing(tmp_path, monkeypatch,
                                                                             music21_must_not_parse):
    from composer_app.formats import musicxml as reader

    monkeypatch.setattr(reader, "MAX_M21_NOTES", 50)
    path = tmp_path / "many.musicxml"
    path.write_text(musicxml([xml_note(duration=1, kind="quarter")] * 51))
    _refused(path, "51 notes", "at most 50")
    monkeypatch.setattr(reader, "MAX_XML_TAGS", 500)
    path.write_text(musicxml([xml_note() + "<direction/>" * 600]))
    _refused(path, "tags, far more than its 1 notes need")


def test_long_real_musicxml_costs_linear_work(tmp_path):
    """music21 inserted every measure into a part that it then measured from the start (quadratic:
    20,001 measures took 300 s before the length was even checked)."""
    steps = "CDEFGAB"
    small, large = tmp_path / "small.musicxml", tmp_path / "large.musicxml"
    for path, n in ((small, 400), (large, 800)):
        path.write_text(musicxml([xml_note(steps[m % 7], 4, 2, "half") * 2 for m in range(n)], divisions=1))
    formats.read(small)
    ratio = calls_to_read(large) / calls_to_read(small)
    assert ratio < 2.3, f"twice the measures cost {ratio:.2f} times the work"


def _mxl(path, xml_member: bytes | None = None, *, filler_mb: int = 0) -> None:
    """An .mxl archive; ``filler_mb`` megabytes of spaces inside an XML comment make it a bomb."""
    import zipfile

    doc = musicxml([xml_note()]).encode()
    head, tail = doc.split(b"<part-list>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("META-INF/container.xml", '<?xml version="1.0"?><container><rootfiles>'
                    '<rootfile full-path="score.musicxml"/></rootfiles></container>')
        with zf.open("score.musicxml", "w", force_zip64=True) as f:
            f.write(head + b"<!--")
            for _ in range(filler_mb):
                f.write(b" " * (1 << 20))
            f.write(b"--><part-list>" + tail)


def test_an_mxl_zip_bomb_is_refused_before_inflating(tmp_path, monkeypatch):
    import zipfile

    inflated = []
    real_open = zipfile.ZipFile.open

    def watch(self, name, *args, **kwargs):
        inflated.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    bomb = tmp_path / "bomb.mxl"
    _mxl(bomb, filler_mb=40)  # 40 KB that inflate to 40 MB
    assert bomb.stat().st_size < 200_000
    monkeypatch.setattr(zipfile.ZipFile, "open", watch)
    err = _refused(bomb, "zip bomb")
    assert "score.musicxml" not in inflated, "the bomb was inflated before it was refused"
    assert err.path == str(bomb)
    ordinary = tmp_path / "ok.mxl"
    _mxl(ordinary)
    assert formats.read(ordinary).all_notes()


# ---- ABC -------------------------------------------------------------------------------------------
@pytest.fixture
def abc_must_not_translate(monkeypatch):
    from music21.abcFormat import translate

    def refuse(*args, **kwargs):
        raise AssertionError("music21 was asked to translate it")

    monkeypatch.setattr(translate, "abcToStreamPart", refuse)


def test_an_absurd_abc_tuplet_is_refused_before_music21(tmp_path, abc_must_not_translate):
    path = tmp_path / "tuplet.abc"
    path.write_text("X:1\nT:Tuplet\nM:4/4\nL:1/8\nK:C\n(99999:1:99999 CDEF GABc|\n")
    _refused(path, "tuplet (99999:1:99999")


def test_an_abc_chord_of_many_notes_is_refused_before_music21(tmp_path, abc_must_not_translate):
    notes = "".join("CDEFGABcdefgab"[i % 14] + "'" * (i // 14 % 4) for i in range(3000))
    path = tmp_path / "cluster.abc"
    path.write_text(f"X:1\nT:Cluster\nM:4/4\nL:1/4\nK:C\n[{notes}]4|\n")
    _refused(path, "a chord of 3,000 notes")


def test_an_abc_tune_of_too_many_notes_is_refused_before_music21(tmp_path, monkeypatch, abc_must_not_translate):
    from composer_app.formats import abc as reader

    monkeypatch.setattr(reader, "MAX_M21_NOTES", 100)
    path = tmp_path / "many.abc"
    path.write_text(reel(104))
    _refused(path, "more than 100 notes")


def test_ordinary_tuplets_still_read(tmp_path):
    path = tmp_path / "tuplets.abc"
    path.write_text("X:1\nT:t\nM:4/4\nL:1/8\nK:C\n(3abc (3:2:3 def (5:4:5 gabcd (9:8:9 efgabcdef|]\n")
    assert len(formats.read(path).all_notes()) == 20
