"""MusicXML import details: pickup, ties, grace notes, <harmony> kinds and offsets, repeats as notated."""

from __future__ import annotations

from composer_app import formats
from composer_app.score import TPQ, Score

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 3.1 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
<score-partwise version="3.1">
  <work><work-title>Pickup Test</work-title></work>
  <part-list><score-part id="P1"><part-name>Voice</part-name></score-part></part-list>
  <part id="P1">
"""


def note(step, dur, typ, octave=4, alter=None, tie=None, grace=False):
    a = f"<alter>{alter}</alter>" if alter is not None else ""
    t = f'<tie type="{tie}"/>' if tie else ""
    n = f'<notations><tied type="{tie}"/></notations>' if tie else ""
    if grace:
        return f"<note><grace/><pitch><step>{step}</step>{a}<octave>{octave}</octave></pitch><type>eighth</type></note>"
    return (f"<note><pitch><step>{step}</step>{a}<octave>{octave}</octave></pitch><duration>{dur}</duration>"
            f"{t}<type>{typ}</type>{n}</note>")


def harmony(root, kind, alter=None, bass=None, degree=None, offset=None):
    a = f"<root-alter>{alter}</root-alter>" if alter is not None else ""
    b = f"<bass><bass-step>{bass}</bass-step></bass>" if bass else ""
    d = (f"<degree><degree-value>{degree[0]}</degree-value><degree-alter>{degree[1]}</degree-alter>"
         f"<degree-type>{degree[2]}</degree-type></degree>") if degree else ""
    o = f"<offset>{offset}</offset>" if offset is not None else ""
    return f"<harmony><root><root-step>{root}</root-step>{a}</root><kind>{kind}</kind>{b}{d}{o}</harmony>"


DOC = HEAD + f"""
    <measure number="0" implicit="yes">
      <attributes><divisions>2</divisions><key><fifths>-1</fifths><mode>minor</mode></key>
        <time><beats>3</beats><beat-type>4</beat-type></time></attributes>
      <direction placement="above"><sound tempo="84"/></direction>
      {note("A", 2, "quarter")}
    </measure>
    <measure number="1">
      <barline location="left"><repeat direction="forward"/></barline>
      {harmony("D", "minor")}
      {note("C", 0, "eighth", octave=5, grace=True)}
      {note("D", 2, "quarter")}
      {harmony("G", "dominant", degree=(9, -1, "add"), offset=1)}
      {note("F", 4, "half", tie="start")}
    </measure>
    <measure number="2">
      {note("F", 2, "quarter", tie="stop")}
      {harmony("B", "major-seventh", alter=-1, bass="D")}
      {note("B", 2, "quarter", alter=-1)}
      <harmony><root><root-step>C</root-step></root><kind>none</kind></harmony>
      {note("A", 2, "quarter")}
      <barline location="right"><repeat direction="backward"/></barline>
    </measure>
    <measure number="3">
      {harmony("E", "half-diminished")}
      {note("E", 6, "half")}
    </measure>
  </part>
</score-partwise>
"""


def test_handwritten_musicxml(tmp_path):
    path = tmp_path / "pickup.musicxml"
    path.write_text(DOC)
    s = formats.read(path)
    assert s.title == "Pickup Test"
    assert str(s.time_signature) == "3/4" and (s.key.tonic, s.key.mode) == ("D", "minor")
    assert s.tempo == 84
    bar = 3 * TPQ
    # the pickup quarter is a partial bar 0 (bar 1 starts after it); the grace note is dropped;
    # the tie is merged
    assert s.pickup == TPQ and s.meter.bar(1).start == TPQ
    b1 = TPQ  # where bar 1 starts
    assert [(n.pitch, n.start, n.duration) for n in s.melody.notes] == [
        (69, 0, TPQ), (62, b1, TPQ), (65, b1 + TPQ, 3 * TPQ), (70, b1 + bar + TPQ, TPQ),
        (69, b1 + bar + 2 * TPQ, TPQ), (64, b1 + 2 * bar, 3 * TPQ)]
    # <offset> (in divisions) moves the G7b9 half a beat after the D; N.C. ends the Bbmaj7/D;
    # the last chord runs to the end of the piece; repeats stay as notated (no expansion)
    assert [(str(c.symbol), c.start, c.duration) for c in s.chords] == [
        ("Dm", b1, TPQ + TPQ // 2), ("G7b9", b1 + TPQ + TPQ // 2, bar - TPQ // 2),
        ("Bbmaj7/D", b1 + bar + TPQ, TPQ), ("Em7b5", b1 + 2 * bar, bar)]


def test_openewld_sheet_has_notes_chords_and_meter(shared_data):
    path = next((shared_data / "openewld-pd" / "dataset").rglob("*.mxl"))
    s = formats.read(path)
    assert isinstance(s, Score)
    assert s.melody.notes, path
    assert s.chords, path
    assert s.title
    for a, b in zip(s.chords, s.chords[1:]):
        assert a.end == b.start or a.end < b.start


def test_utf16_musicxml(tmp_path):
    from formats_helpers import lead_sheet

    score = lead_sheet(3, 4)
    plain = tmp_path / "utf8.musicxml"
    formats.write(score, plain)
    text = plain.read_text(encoding="utf-8").replace('encoding="utf-8"', 'encoding="UTF-16"')
    wide = tmp_path / "utf16.musicxml"
    wide.write_bytes(text.encode("utf-16"))
    assert formats.read(wide).content_equal(score)
