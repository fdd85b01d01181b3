"""The key a melody is in, and which key the assistant reads a score in (score/keyfinding.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track
from composer_app.score import keyfinding as kf

Q = 480


def melody(pitches, key: KeySignature | None = None, length=Q) -> Score:
    notes = tuple(Note(p, i * length, length) for i, p in enumerate(pitches))
    keys = (key,) if key is not None else (KeySignature(assumed=True),)
    return Score(tracks=(Track(notes=notes),), key_signatures=keys)


#: A tune in E flat major (do mi sol mi | sol fa re ti | ...), and in E minor with its raised seventh.
E_FLAT = [63, 67, 70, 67, 70, 68, 65, 62, 63, 67, 70, 75, 74, 70, 65, 63] * 2
E_MINOR = [64, 67, 71, 67, 69, 72, 71, 75, 76, 74, 72, 71, 69, 66, 63, 64] * 2


@pytest.mark.parametrize("profile", sorted(kf.PROFILES))
def test_every_profile_finds_a_plain_major_tune(profile):
    w = kf.pitch_class_weights(melody(E_FLAT).melody.notes)
    k = kf.estimate_key(w, profile=profile)
    assert (k.tonic, k.mode) == ("Eb", "major")


def test_the_estimate_is_spelled_and_finds_minor():
    k = kf.estimate_key(kf.pitch_class_weights(melody(E_MINOR).melody.notes), tick=960)
    assert (k.tonic, k.mode, k.tick, k.assumed) == ("E", "minor", 960, False)
    e = kf.estimate_key(kf.pitch_class_weights(melody([p + 2 for p in E_FLAT]).melody.notes))
    assert e.tonic == "F"  # not E#


def test_weights_count_only_the_time_inside_the_span():
    notes = [Note(60, 0, 960), Note(62, 960, 960)]
    assert kf.pitch_class_weights(notes, 480, 1440)[0] == 480 and kf.pitch_class_weights(notes, 480, 1440)[2] == 480
    assert sum(kf.pitch_class_weights(notes)) == 1920


def test_a_score_with_no_key_set_is_read_in_the_key_of_its_notes():
    score = melody(E_FLAT)
    keys, changed = kf.reading_keys(score)
    assert [(k.tonic, k.mode) for k in keys] == [("Eb", "major")] and keys[0].assumed
    assert [c.why for c in changed] == ["not set"] and "E" in changed[0].describe()
    read, _ = kf.reading_score(score)
    assert read.key.tonic == "Eb" and read.melody == score.melody


def test_a_key_the_composer_set_is_kept_when_the_melody_fits_its_scale():
    # A melody in A minor under a declared C major: the same scale, the composer's reading stands.
    a_minor = [69, 72, 76, 72, 74, 71, 68, 69, 64, 69, 72, 71, 69, 68, 71, 69] * 2
    score = melody(a_minor, KeySignature("C", "major"))
    assert kf.reading_keys(score) == ((KeySignature("C", "major"),), [])
    # A few chromatic notes (under 5 % of the time) do not unseat it either.
    chromatic = list(E_FLAT)
    chromatic[3] = 66
    score = melody([p - 3 for p in chromatic], KeySignature("C", "major"))
    assert kf.reading_keys(score)[1] == []


def test_a_set_key_the_melody_clearly_leaves_is_read_as_the_key_of_the_notes_and_noted():
    # "C major", as a DAW writes by default, over a melody in E flat: the score keeps its key, the
    # assistant reads the melody in E flat, as a musician harmonizing it would, and says so.
    score = melody(E_FLAT, KeySignature("C", "major"))
    keys, notes = kf.reading_keys(score)
    assert [(k.tonic, k.mode, k.assumed) for k in keys] == [("Eb", "major", True)]
    assert notes[0].why == "does not fit" and notes[0].declared == KeySignature("C", "major")
    assert str(notes[0].read) == "Eb major"
    assert "leaves the key set (C major)" in notes[0].describe() and "reads it in Eb major" in notes[0].describe()
    read, notes_again = kf.reading_score(score)
    assert read.key.tonic == "Eb" and score.key == KeySignature("C") and notes_again == notes


def test_each_key_span_is_read_on_its_own():
    first = [p - 3 for p in E_FLAT]  # C major, declared
    second = E_FLAT  # E flat major, under an assumed key from bar 9 (a file that stopped declaring)
    notes = [Note(p, i * Q, Q) for i, p in enumerate(first + second)]
    score = Score(tracks=(Track(notes=tuple(notes)),),
                  key_signatures=(KeySignature("C", "major"), KeySignature("C", "major", 32 * Q, assumed=True)))
    keys, changed = kf.reading_keys(score)
    assert [(k.tonic, k.tick) for k in keys] == [("C", 0), ("Eb", 32 * Q)]
    assert len(changed) == 1 and changed[0].declared.tick == 32 * Q and changed[0].read.tonic == "Eb"
    assert kf.reading_key_at(score, 0).tonic == "C" and kf.reading_key_at(score, 40 * Q).tonic == "Eb"
    assert kf.reading_keys(score) == (keys, changed)  # the same score: the same answer (cached)


def test_too_few_notes_keep_the_key_and_chords_stand_in_for_a_missing_melody():
    short = melody([63, 67, 70])
    assert kf.reading_keys(short)[1] == []
    # 16 clicked sixteenths sound for 4 beats only, but they are a tune: enough notes to read
    clicked = melody([p + 1 for p in E_FLAT[:16]], length=Q // 4)
    assert kf.reading_keys(clicked)[0][0].tonic == "E"
    chords = tuple(Chord(ChordSymbol.parse(s), i * 4 * Q, 4 * Q) for i, s in enumerate(["Eb", "Ab", "Bb7", "Eb"]))
    progression = Score(chords=chords)  # a chords-only sketch, no key set
    keys, _ = kf.reading_keys(progression)
    assert (keys[0].tonic, keys[0].mode) == ("Eb", "major")


def test_new_scores_and_files_without_a_key_have_an_assumed_one():
    from composer_app.formats._common import normalize_keys

    assert Score().key.assumed and Score(key_signatures=()).key.assumed
    assert normalize_keys({})[0].assumed and not normalize_keys({0: KeySignature("G")})[0].assumed
    assert KeySignature(assumed=True).transposed(3).assumed
    assert KeySignature("C") != KeySignature(assumed=True)  # setting C major is a change


def test_an_assumed_key_survives_a_project_file_and_is_not_written_to_midi(tmp_path):
    import mido

    from composer_app.formats import midi, project

    score = melody(E_FLAT)
    project.write_project(score, tmp_path / "a.composer")
    assert project.read_project(tmp_path / "a.composer").key.assumed
    declared = replace(score, key_signatures=(KeySignature("Eb"),))
    project.write_project(declared, tmp_path / "b.composer")
    assert project.read_project(tmp_path / "b.composer").key == KeySignature("Eb")
    midi.write_midi(score, tmp_path / "a.mid")
    events = [m for t in mido.MidiFile(tmp_path / "a.mid").tracks for m in t if m.type == "key_signature"]
    assert events == [] and midi.read_midi(tmp_path / "a.mid").key.assumed
    midi.write_midi(declared, tmp_path / "b.mid")
    assert midi.read_midi(tmp_path / "b.mid").key == KeySignature("Eb")


def test_an_assumed_key_is_not_written_to_musicxml_and_notes_are_spelled_in_the_key_read(tmp_path):
    """Saving a sketch with no key set as MusicXML and opening it again must not declare C major
    (the harmonizer would then read an E flat tune in C); the notation has no key signature, and
    its accidentals are E flat's (flats), not D sharp and G sharp."""
    from composer_app.formats import musicxml

    score = melody(E_FLAT)
    musicxml.write_musicxml(score, tmp_path / "a.musicxml")
    text = (tmp_path / "a.musicxml").read_text()
    assert "<key>" not in text and "<alter>1</alter>" not in text and "<alter>-1</alter>" in text
    back = musicxml.read_musicxml(tmp_path / "a.musicxml")
    assert back.key.assumed and kf.reading_key_at(back, 0).tonic == "Eb"
    declared = replace(score, key_signatures=(KeySignature("Eb"),))
    musicxml.write_musicxml(declared, tmp_path / "b.musicxml")
    assert "<fifths>-3</fifths>" in (tmp_path / "b.musicxml").read_text()
    assert musicxml.read_musicxml(tmp_path / "b.musicxml").key == KeySignature("Eb")


def test_with_no_key_set_a_change_of_key_is_found_on_a_bar_line():
    """A pop song's last choruses a half step up: 16 bars in C major, then 16 in D flat major, no key
    set. The key of each bar is read from the bars around it and a change costs something, so
    there is one change, at bar 17; the C major tune alone stays in one key."""
    in_c = [p - 3 for p in E_FLAT] * 2  # 64 quarter notes: 16 bars
    score = melody(in_c + [p + 1 for p in in_c])
    keys, notes = kf.reading_keys(score)
    assert [(k.tonic, k.mode) for k in keys] == [("C", "major"), ("Db", "major")]
    assert all(k.assumed for k in keys) and keys[1].tick == 16 * 4 * Q
    text = kf.describe(notes, score)
    assert "in C major (from bar 17: Db major), the keys its notes suggest" in text
    assert kf.reading_keys(melody(in_c))[0] == (KeySignature(assumed=True),)


def test_files_that_say_no_key_leave_it_to_the_notes(tmp_path):
    """ABC's ``K:none`` and MusicXML's ``<mode>none</mode>`` (MuseScore's open key) set no key:
    read as an assumed key, so the E flat tune is read in E flat; ``K:C`` and a ``<key>`` without
    a mode are keys the file sets."""
    from composer_app.formats import abc, musicxml

    body = "M:4/4\nL:1/4\n{}\n_E F G _A|_B _A G F|_E D _E _B|_e d c _B|]\n"
    (tmp_path / "none.abc").write_text("X:1\nT:open\n" + body.format("K:none"))
    (tmp_path / "c.abc").write_text("X:1\nT:c\n" + body.format("K:C"))
    none = abc.read_abc(tmp_path / "none.abc")
    assert none.key.assumed and kf.reading_key_at(none, 0).tonic == "Eb"
    assert abc.read_abc(tmp_path / "c.abc").key == KeySignature("C")
    notes = "".join(f"<note><pitch><step>{s}</step>{'<alter>-1</alter>' if a else ''}<octave>4</octave></pitch>"
                    "<duration>1</duration><type>quarter</type></note>"
                    for s, a in (("E", 1), ("G", 0), ("B", 1), ("A", 1)))

    def doc(mode: str) -> str:
        return ('<?xml version="1.0" encoding="UTF-8"?><score-partwise version="3.1"><part-list>'
                '<score-part id="P1"><part-name>M</part-name></score-part></part-list><part id="P1">'
                f'<measure number="1"><attributes><divisions>1</divisions><key><fifths>0</fifths>{mode}</key>'
                f'<time><beats>4</beats><beat-type>4</beat-type></time></attributes>{notes}</measure>'
                f'<measure number="2">{notes}</measure></part></score-partwise>')

    (tmp_path / "open.musicxml").write_text(doc("<mode>none</mode>"))
    (tmp_path / "plain.musicxml").write_text(doc(""))
    assert musicxml.read_musicxml(tmp_path / "open.musicxml").key.assumed
    assert musicxml.read_musicxml(tmp_path / "plain.musicxml").key == KeySignature("C")


def test_keys_are_parsed_as_a_musician_writes_them():
    from composer_app.score.keys import parse_key

    assert [str(parse_key(t)) for t in ("E", "eb minor", "F#m", "Bm", "D dorian", "A harmonic minor")] == [
        "E major", "Eb minor", "F# minor", "B minor", "D dorian", "A harmonic minor"]
    for bad in ("", "H", "E blues", "minor"):
        with pytest.raises(ValueError, match="key"):
            parse_key(bad)


def test_a_set_key_the_melody_leaves_for_a_stretch_is_read_there_in_the_key_of_the_notes():
    """C major set, the last chorus a half step up nobody marked: the assistant reads that chorus in
    D flat major (read in C, its chords had been A7 Ab7, and the C major bars' C7 D7), the word
    says from which bar (and to which); the key button sets the change there, and the way back."""
    from composer_app.gui.panels import properties_ops as ops

    in_c = [p - 3 for p in E_FLAT] * 2  # 16 bars in C major
    up = [p + 1 for p in in_c]
    c = KeySignature("C")
    score = replace(melody(in_c + up), key_signatures=(c,))
    keys, notes = kf.reading_keys(score)
    assert [(k.tonic, k.tick // (16 * Q), k.assumed) for k in keys] == [("C", 0, False), ("Db", 4, True)]
    assert [(r.why, str(r.estimate), r.until) for r in notes] == [("does not fit", "Db major", None)]
    assert ("From bar 17 the melody leaves the key set (C major) for Db major, so the assistant reads it "
            "there in Db major.") in kf.describe(notes, score)
    assert ops.keys_text(ops.set_keys_read(score)) == "C major, Db major from bar 17"
    back = replace(melody(in_c + up + in_c), key_signatures=(c,))
    keys, notes = kf.reading_keys(back)
    assert [(k.tonic, k.tick // (16 * Q)) for k in keys] == [("C", 0), ("Db", 4), ("C", 8)]
    assert "From bar 17 to bar 32 the melody leaves" in kf.describe(notes, back)
    assert ops.keys_text(ops.set_keys_read(back)) == "C major, Db major from bar 17, C major from bar 33"
    assert kf.reading_keys(replace(melody(in_c), key_signatures=(c,)))[1] == []  # fits: nothing to say
