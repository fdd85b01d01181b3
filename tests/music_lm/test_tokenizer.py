"""Tokenizer: hand-made round trips, the task layouts, prompts and decoding of generated ids."""

from __future__ import annotations

import pytest

from composer_app.music_lm.tokenizer import MusicTokenizer, roundtrip_differences
from composer_app.music_lm.vocab import VocabConfig, Vocabulary
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, TimeSignature, Track

Q = 480


def lead_sheet() -> Score:
    """Two bars of 4/4 in F with a triplet, a 16th run, a tie over the bar line and a slash chord."""
    notes = [
        Note(65, 0, Q), Note(67, Q, Q // 3), Note(69, Q + 160, 160), Note(70, Q + 320, 160),
        Note(72, 2 * Q, Q // 4), Note(74, 2 * Q + 120, 120), Note(72, 2 * Q + 240, 240),
        Note(70, 3 * Q, 2 * Q),  # crosses the bar line
        Note(69, 5 * Q, Q), Note(67, 6 * Q, Q), Note(65, 7 * Q, Q),
    ]
    chords = [
        Chord(ChordSymbol("F"), 0, 2 * Q),
        Chord(ChordSymbol("Bb", "", "D"), 2 * Q, 2 * Q),
        Chord(ChordSymbol("C", "7"), 4 * Q, 2 * Q),
        Chord(ChordSymbol("F", "maj7"), 6 * Q, Q),  # then a gap: N.C. for the last beat
    ]
    return Score(title="Test", tracks=(Track(notes=tuple(notes)),), chords=tuple(chords),
                 time_signatures=(TimeSignature(4, 4),), key_signatures=(KeySignature("F", "major"),))


def test_round_trip_is_exact_for_a_lead_sheet():
    tok = MusicTokenizer()
    score = lead_sheet()
    ids = tok.encode(score)
    assert tok.encode_piece(score).issues == []
    back = tok.decode_score(ids)
    assert roundtrip_differences(score, back) == []
    # Spelling follows the key (flats in F major) and the slash chord keeps its bass.
    assert [str(c.symbol) for c in back.chords] == ["F", "Bb/D", "C7", "Fmaj7"]
    assert tok.tokens(ids[:4]) == ["<bos>", "<CONT>", "TS_4/4", "Key_F_major"]
    assert "NC" in tok.tokens(ids)


def test_meter_and_key_changes_round_trip():
    tok = MusicTokenizer()
    bar3 = 3 * 3 * Q  # three bars of 3/4
    score = Score(
        tracks=(Track(notes=(Note(60, 0, Q), Note(62, bar3, 3 * Q // 2), Note(64, bar3 + 3 * Q // 2, 3 * Q // 2))),),
        chords=(Chord(ChordSymbol("A", "m"), 0, bar3), Chord(ChordSymbol("E", "7"), bar3, 3 * Q)),
        time_signatures=(TimeSignature(3, 4), TimeSignature(6, 8, bar3)),
        key_signatures=(KeySignature("A", "minor"), KeySignature("E", "dorian", bar3)),
    )
    back = tok.decode_score(tok.encode(score))
    assert roundtrip_differences(score, back) == []


def test_off_grid_note_is_reported_and_snapped():
    tok = MusicTokenizer()
    score = Score(tracks=(Track(notes=(Note(60, 0, 60), Note(62, 60, 420))),))  # 32nd notes
    piece = tok.encode_piece(score)
    assert any("grid" in i for i in piece.issues)
    assert roundtrip_differences(score, tok.decode_score(tok.encode(score))) == ["notes differ"]


def test_harmonize_layout_puts_the_region_melody_before_its_chords():
    tok = MusicTokenizer()
    score = lead_sheet()
    piece = tok.encode_piece(score)
    ids = tok.layout(piece, "harmonize", 0, 1, 2)
    mel, chd = ids.index(tok.mel_id), ids.index(tok.chd_id)
    assert mel < chd
    region_melody = ids[mel + 1:chd]
    region_chords = ids[chd + 1:]
    # Every note of bar 2 (ticks 1920-3839) is in the melody part, and no chord is.
    bar2_pitches = {tok.pitch_ids[n.pitch] for n in score.tracks[0].notes if 4 * Q <= n.start < 8 * Q}
    assert bar2_pitches <= set(region_melody)
    assert not set(region_melody) & tok.chord_token_ids
    # Both parts number the region's bars (Idx_1 ...), so each chord part bar can find its melody.
    assert region_melody[:2] == [tok.bar_id, tok.bar_index_id(1)] and region_chords[:2] == region_melody[:2]
    # The chord part holds bar 2's chords (C7, Fmaj7, NC) and no notes; it ends the sequence.
    assert region_chords[-1] == tok.eos_id
    assert not set(region_chords) & set(tok.pitch_ids.values())
    assert tok.tokens(region_chords).count("Root_C") == 1
    assert tok.root_ids[5] in region_chords and tok.quality_ids["maj7"] in region_chords

    # The prompt for harmonizing bar 2 ends right after <CHD>, with the whole region melody before it.
    prompt = tok.build_prompt(score, "harmonize", 4 * Q, 8 * Q)
    assert prompt.ids[-1] == tok.chd_id and prompt.ids == ids[:chd + 1]
    assert prompt.bar_index_ids == [tok.bar_index_id(1)]
    assert (prompt.first_bar, prompt.n_bars, prompt.start_tick, prompt.end_tick) == (1, 1, 4 * Q, 8 * Q)


def test_decode_continuation_places_events_in_the_region():
    tok = MusicTokenizer()
    score = lead_sheet()
    gen = [tok.bar_id, tok.bar_index_id(1), tok.position_ids[0], *tok.chord_ids(ChordSymbol("G", "m")), tok.pitch_ids[67],
           tok.duration_ids[960], tok.position_ids[960], tok.pitch_ids[70], tok.duration_ids[480],
           tok.bar_id, tok.position_ids[0], *tok.chord_ids(ChordSymbol("C", "7", "E")), tok.pitch_ids[72],
           tok.duration_ids[1920], tok.eos_id, tok.pitch_ids[60]]
    notes, chords = tok.decode_continuation(gen, score, 8 * Q, 16 * Q)
    assert [(n.pitch, n.start, n.duration) for n in notes] == [(67, 8 * Q, 960), (70, 10 * Q, 480), (72, 12 * Q, 1920)]
    assert [(str(c.symbol), c.start, c.duration) for c in chords] == [("Gm", 8 * Q, 4 * Q), ("C7/E", 12 * Q, 4 * Q)]


def test_prompts_for_every_task_fit_and_end_where_generation_starts():
    tok = MusicTokenizer()
    long = lead_sheet()
    notes = [Note(60 + (i % 12), i * Q, Q) for i in range(64 * 4)]
    long = Score(tracks=(Track(notes=tuple(notes)),), chords=long.chords)
    for task, last in (("continue", None), ("harmonize", tok.chd_id), ("chords", tok.chd_id), ("infill", None)):
        p = tok.build_prompt(long, task, 32 * 4 * Q, 34 * 4 * Q, max_len=300)
        assert len(p.ids) + 48 * 2 <= 300
        assert p.ids[:2] == [tok.bos_id, tok.task_ids[task]]
        assert p.context_first_bar > 0  # the context was cut from the left
        if last is not None:
            assert p.ids[-1] == last
    infill = tok.build_prompt(long, "infill", 32 * 4 * Q, 34 * 4 * Q, max_len=600)
    assert tok.after_id in infill.ids and infill.ids[-2:] == [tok.fill_id, tok.len_ids[2]]
    cont = tok.build_prompt(long, "continue", 32 * 4 * Q, n_bars=2)
    assert tok.kinds[cont.ids[-1]] in ("pitch", "dur")  # ends after the last full bar before the region


def test_id_groups_cover_the_vocabulary_for_masks():
    tok = MusicTokenizer()
    assert set(tok.position_ids) == set(range(0, 8 * Q, 40))
    assert {120, 160, 80, 240, 360, 480, 720, 960, 1440, 1920} <= set(tok.duration_ids)
    assert len(tok.root_ids) == len(tok.bass_ids) == 12 and "m7b5" in tok.quality_ids
    assert len(set(tok.kinds)) >= 12 and len(tok) == len(tok.vocab.tokens)
    assert tok.chord_ids(ChordSymbol("C", "", "C")) == tok.chord_ids(ChordSymbol("C"))


def test_vocabulary_json_round_trip_and_incompatibility(tmp_path):
    from composer_app.errors import ModelError

    v = Vocabulary()
    v.save(tmp_path)
    assert Vocabulary.load(tmp_path).tokens == v.tokens
    Vocabulary(VocabConfig(grid=20)).save(tmp_path)  # a different grid is a different vocabulary
    assert Vocabulary.load(tmp_path).config.grid == 20
    import json

    data = json.loads((tmp_path / "music_vocab.json").read_text())
    data["tokens"][10] = "Foo"
    (tmp_path / "music_vocab.json").write_text(json.dumps(data))
    with pytest.raises(ModelError, match="incompatible vocabulary"):
        Vocabulary.load(tmp_path)


# ---- pickups and extended chords (issue 14) --------------------------------------------------------
def _with_pickup(pickup: int = Q) -> Score:
    """A one-beat pickup (G) in 4/4, then two bars with chords."""
    notes = [Note(67, 0, pickup)] + [Note(60 + i, pickup + i * Q, Q) for i in range(8)]
    chords = [Chord(ChordSymbol("C"), pickup, 4 * Q), Chord(ChordSymbol("G", "7"), pickup + 4 * Q, 4 * Q)]
    return Score(tracks=(Track(notes=tuple(notes)),), chords=tuple(chords), pickup=pickup)


def test_a_pickup_is_tokenized_at_the_end_of_its_bar():
    tok = MusicTokenizer()
    score = _with_pickup()
    # the same tokens as the pickup written as a whole first bar that starts with three beats of rest
    assert tok.encode(score) == tok.encode(score.without_pickup())
    first_bar = tok.render_bar(tok.encode_piece(score).bar(0))
    assert tok.tokens(first_bar)[:3] == ["Bar", f"Pos_{3 * Q}", "Pitch_67"]
    assert roundtrip_differences(score, tok.decode_score(tok.encode(score))) == []


def test_decoding_after_a_pickup_lands_on_the_scores_own_bar_lines():
    tok = MusicTokenizer()
    score = _with_pickup()
    bar2 = score.meter.bar(2)
    ids = [tok.bar_id, tok.position_ids[0], tok.root_ids[5], tok.quality_ids[""],
           tok.pitch_ids[65], tok.duration_ids[Q]]
    notes, chords = tok.decode_continuation(ids, score, bar2.start)
    assert [(n.pitch, n.start) for n in notes] == [(65, bar2.start)]
    assert [(str(c.symbol), c.start) for c in chords] == [("F", bar2.start)]
    # positions before a pickup's first tick decode to nothing rather than before the piece
    ids0 = [tok.bar_id, tok.position_ids[0], tok.pitch_ids[60], tok.duration_ids[Q],
            tok.position_ids[3 * Q], tok.pitch_ids[62], tok.duration_ids[Q]]
    notes0, _ = tok.decode_continuation(ids0, score, 0)
    assert [(n.pitch, n.start) for n in notes0] == [(62, 0)]


def test_extended_chords_are_tokenized_as_their_nearest_vocabulary_quality():
    tok = MusicTokenizer()
    assert tok.chord_ids(ChordSymbol.parse("Cmaj13#11")) == tok.chord_ids(ChordSymbol.parse("Cmaj9"))
    assert tok.chord_ids(ChordSymbol.parse("G7alt/B")) == tok.chord_ids(ChordSymbol.parse("G7b9/B"))


def test_a_prompt_from_an_empty_score_carries_its_key_and_meter():
    tok = MusicTokenizer()
    empty = Score(time_signatures=(TimeSignature(3, 4),), key_signatures=(KeySignature("G"),))
    ids = tok.build_prompt(empty, "continue", 0, n_bars=2).ids
    assert tok.tokens(ids) == ["<bos>", "<CONT>", "TS_3/4", "Key_G_major"]


def test_an_extended_chord_is_noted_as_outside_the_vocabulary():
    tok = MusicTokenizer()
    score = Score(chords=(Chord(ChordSymbol.parse("Cm13"), 0, 4 * Q),))
    assert "chord quality not in the vocabulary (its nearest is used)" in tok.encode_piece(score).issues
    assert roundtrip_differences(score, tok.decode_score(tok.encode(score))) == ["chords differ"]
