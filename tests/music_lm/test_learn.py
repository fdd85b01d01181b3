"""``composer-app learn``: a few steps on tiny generated files give a loadable model folder with a
model card and a lower loss on the composer's held-out pieces; bad input is one clear line."""

from __future__ import annotations

import json

import mido
import pytest

from composer_app.errors import ComposerError, DataError

#: A "style": the same rising-and-falling figure in G, in several keys and orders (one tune per file).
FIGURES = ["GABc dcBA", "GABc BAGF", "ABcd cBAG", "Bcde dcBA", "GABG ABcA", "dcBA GABc"]


def write_style(folder, n: int = 6):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        fig = FIGURES[i % len(FIGURES)]
        body = "|".join([f'"G"{fig}', f'"D"{fig[::-1].strip()}', f'"C"{fig}', '"G"G8'] * 2)
        (folder / f"tune{i}.abc").write_text(f"X:1\nT:Tune number {'ABCDEFGHIJ'[i]}\nM:4/4\nL:1/8\nK:G\n{body}|\n")
    return folder


def write_midi(path, pitches):
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for p in pitches:
        track.append(mido.Message("note_on", note=p, velocity=80, time=0))
        track.append(mido.Message("note_off", note=p, velocity=0, time=240))
    mid.save(path)


def _learn(files, out, base, **kw):
    from composer_app.music_lm.learn import LearnOptions, learn

    opts = dict(files=[str(f) for f in files], out=str(out), from_dir=str(base), max_steps=6, eval_every=3,
                patience=5, lr=3e-3, batch_size=4, warmup_steps=1, max_len=256, holdout=2, self_replay=8,
                guard=10.0)  # the untrained tiny model forgets freely
    opts.update(kw)
    events = []
    return learn(LearnOptions(**opts), events.append), events


def test_learn_writes_a_loadable_style_that_fits_the_held_out_pieces_better(tmp_path, tiny_model_dir):
    from composer_app.music_lm.loading import load_model

    src = write_style(tmp_path / "mine")
    write_midi(src / "extra.mid", [67, 69, 71, 72, 74, 72, 71, 69] * 4)
    out = tmp_path / "styles" / "mine"
    info, events = _learn([src], out, tiny_model_dir, name="My jigs")
    h = info["held_out"]
    assert h["after"]["nll_per_note"] < h["before"]["nll_per_note"]
    assert info["pieces"] == 7 and info["train_pieces"] == 5 and len(info["held_out_titles"]) == 2
    lm = load_model(out, device="cpu")
    assert lm.name == "My jigs" and lm.trained_len == 256  # the card's heading; the learning's max_len
    card = (out / "README.md").read_text()
    assert "tune0.abc" in card and "extra.mid" in card and f"{h['before']['nll_per_note']:.3f}" in card
    assert json.loads((out / "learn_info.json").read_text())["base_model"] == str(tiny_model_dir)
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == list(range(1, 7)) and all(e["total"] == 6 for e in steps)
    assert all(e["eta_s"] >= 0 and e["loss"] > 0 for e in steps) and events[-1]["event"] == "done"
    assert not list(out.parent.glob(".*"))  # the hidden build folder was renamed, nothing left over


def test_learn_command_prints_json_progress_and_replaces_an_earlier_style(tmp_path, tiny_model_dir, capsys):
    from composer_app.cli import main

    src = write_style(tmp_path / "mine", 4)
    out = tmp_path / "out"
    args = ["learn", str(src), "--out", str(out), "--from", str(tiny_model_dir), "--max-steps", "2",
            "--eval-every", "1", "--batch-size", "2", "--holdout", "1", "--self-replay", "4", "--max-len", "256",
            "--progress-json"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"start", "step", "eval", "done"} <= {e["event"] for e in events}
    assert {"step", "total", "eta_s", "loss"} <= set(next(e for e in events if e["event"] == "step"))
    assert main(args) == 0 and (out / "model.safetensors").is_file()  # an earlier style is replaced


def test_no_readable_files_too_few_pieces_and_unwritable_out(tmp_path, tiny_model_dir, capsys):
    from composer_app.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["learn", str(empty), "--out", str(tmp_path / "o"), "--from", str(tiny_model_dir)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(empty) in err and "Traceback" not in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.mid").write_bytes(b"not a midi file")
    with pytest.raises(DataError, match="none of the files holds a melody"):
        _learn([broken], tmp_path / "o", tiny_model_dir)
    with pytest.raises(DataError, match="too few pieces"):
        _learn([write_style(tmp_path / "two", 2)], tmp_path / "o", tiny_model_dir)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ComposerError, match="cannot write the model there"):
        _learn([write_style(tmp_path / "s", 3)], blocker / "style", tiny_model_dir)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(ComposerError, match="not empty and is not a learned style"):
        _learn([tmp_path / "s"], full, tiny_model_dir)
    assert (full / "keep.txt").read_text() == "mine"


def test_pieces_are_told_apart_by_title_and_number():
    from composer_app.music_lm.learn import piece_key, split_held_out

    assert piece_key("take1") != piece_key("take2") and piece_key("Song 1") != piece_key("Song 2")
    assert piece_key("The Silver Spear") == piece_key("Silver Spear (2nd setting)")
    held = split_held_out(["take1", "take2", "take3", "take4"], None)
    assert len(held) == 1 and held == split_held_out(["take4", "take3", "take2", "take1"], None)


def test_style_library_lists_finished_styles_only(tmp_path):
    from composer_app.music_lm.styles import folder_for, learn_command, list_styles, parse_progress

    lib = tmp_path / "styles"
    done = lib / "Reels"
    done.mkdir(parents=True)
    for f in ("config.json", "model.safetensors"):
        (done / f).write_text("{}")
    (done / "learn_info.json").write_text(json.dumps({"name": "My reels"}))
    (lib / ".Jigs.partial-12").mkdir()
    assert [(s.name, s.path) for s in list_styles(lib)] == [("My reels", done)]
    assert folder_for("  My/ reels! ", lib) == lib / "My reels"
    with pytest.raises(DataError):
        folder_for("../..", lib)
    program, args = learn_command(["a.mid"], lib / "X", None, "X", 2)
    assert "--progress-json" in args and "--from" not in args and args[args.index("--time-budget") + 1] == "2"
    assert parse_progress('{"event": "step", "step": 1}') == {"event": "step", "step": 1}
    assert parse_progress("Writing model shards") is None and parse_progress("{oops") is None


def test_distillation_loss_keeps_the_base_distribution(tiny_model_dir):
    """The replay rows' loss is the KL divergence from the base model's next-token distribution:
    zero (and no pull) for the base model itself, positive once the weights move; the composer's
    rows keep their cross-entropy."""
    import copy

    import torch

    from composer_app.music_lm.dataset import Collator
    from composer_app.music_lm.learn import _distill_loss
    from composer_app.music_lm.loading import load_model

    lm = load_model(tiny_model_dir, device="cpu")
    model = lm.model
    teacher = copy.deepcopy(model).eval()
    g = torch.Generator().manual_seed(0)
    rows = [{"input_ids": torch.randint(4, len(lm.tokenizer), (n,), generator=g).tolist()} for n in (20, 14, 18, 9)]
    batch = Collator(lm.tokenizer.pad_id)(rows)
    model.eval()
    with torch.no_grad():
        own = model(input_ids=batch["input_ids"][:2], attention_mask=batch["attention_mask"][:2],
                    labels=batch["labels"][:2]).loss
        same = _distill_loss(model, teacher, batch, 2, 5.0)
    assert float(same) == pytest.approx(float(own), abs=1e-4)  # KL(base || base) = 0
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
        moved = _distill_loss(model, teacher, batch, 2, 5.0) - _distill_loss(model, teacher, batch, 2, 0.0)
    assert float(moved) > 1e-4


def test_the_card_says_how_the_base_model_was_kept(tmp_path, tiny_model_dir):
    src = write_style(tmp_path / "mine", 4)
    info, _ = _learn([src], tmp_path / "out", tiny_model_dir, max_steps=2, eval_every=1, holdout=1, distill=2.0)
    assert info["options"]["distill"] == 2.0
    assert "distilled" in (tmp_path / "out" / "README.md").read_text()


def test_half_the_base_samples_open_as_lead_sheets_and_go_on_with_chords():
    """The bundled model rarely writes chords from <bos>; the replayed and guarding samples must
    cover lead sheets too, so every other one opens with the tonic chord of the key the model
    chose and the model goes on writing chords in its own words."""
    import torch

    from composer_app.music_lm.learn import base_samples
    from composer_app.music_lm.loading import load_model

    torch.set_num_threads(1)
    lm = load_model(None, device="cpu", threads=1)
    tok = lm.tokenizer
    rows = base_samples(lm, 8, 96, seed=3)
    assert len(rows) == 8 and all(r[:2] == [tok.bos_id, tok.task_ids["continue"]] for r in rows)
    opened = [r for r in rows if r[4:6] == [tok.bar_id, tok.position_ids[0]] and tok.kinds[r[6]] == "root"]
    assert len(opened) >= 4  # rows 1, 3, 5, 7 (and any the model opened with a chord itself)
    for r in rows[1::2]:
        tonic, mode = tok.id_key[r[3]]
        assert r[4:8] == [tok.bar_id, tok.position_ids[0], tok.root_ids[tonic], tok.quality_ids["m" if mode == "minor" else ""]]
    later_chords = [sum(tok.kinds[i] == "root" for i in r[8:]) for r in rows[1::2]]
    assert sum(later_chords) >= 4, later_chords  # it goes on as a lead sheet, not only the chord given
    plain = base_samples(lm, 4, 96, seed=3, chord_share=0.0)  # left alone, it writes few chords
    assert sum(later_chords) >= 2 * sum(tok.kinds[i] == "root" for r in plain for i in r[8:])


def test_the_forgetting_guard_measures_notes_and_chords_apart(tiny_model_dir):
    import math

    from composer_app.music_lm.learn import _guard_nll
    from composer_app.music_lm.loading import load_model

    lm = load_model(tiny_model_dir, device="cpu")
    tok = lm.tokenizer
    head = [tok.bos_id, tok.task_ids["continue"], next(iter(tok.meter_ids.values())), next(iter(tok.key_ids.values()))]
    note = [tok.position_ids[0], tok.pitch_ids[60], next(iter(tok.duration_ids.values()))]
    chord = [tok.position_ids[0], tok.root_ids[0], tok.quality_ids[""]]
    melody_only = [head + [tok.bar_id] + note + [tok.bar_id] + note]
    plain, sheets, chords = _guard_nll(lm, melody_only)
    assert plain > 0 and math.isnan(sheets) and math.isnan(chords)  # no lead sheet: nothing to guard there
    lead_sheet = head + [tok.bar_id] + chord + note[1:]
    plain2, sheets2, chords2 = _guard_nll(lm, melody_only + [lead_sheet])
    assert plain2 == pytest.approx(plain) and sheets2 > 0 and chords2 > 0  # each kind apart


def test_the_learned_weights_are_blended_back_as_far_as_the_held_out_gain_allows(tmp_path, tiny_model_dir):
    """Same seed, same run: the blended style is exactly base + factor x (learned - base), with the
    smallest factor of the grid that keeps ``blend_keep`` of the held-out gain."""
    import torch
    from safetensors.torch import load_file

    from composer_app.music_lm.learn import BLEND_GRID

    src = write_style(tmp_path / "mine")
    plain, _ = _learn([src], tmp_path / "plain", tiny_model_dir, blend_keep=0.0)
    info, events = _learn([src], tmp_path / "blended", tiny_model_dir, blend_keep=0.5)
    assert plain["blend"] is None and plain["best_step"] == info["best_step"] > 0
    b = info["blend"]
    base_nll, best_nll = info["held_out"]["before"]["nll_per_note"], plain["held_out"]["after"]["nll_per_note"]
    assert b["unblended_nll_per_note"] == pytest.approx(best_nll, rel=1e-4)
    assert b["factor"] in (1.0, *BLEND_GRID)
    assert b["held_out_nll_per_note"] <= base_nll - 0.5 * (base_nll - best_nll) + 1e-6  # kept half the gain or more
    assert info["held_out"]["after"]["nll_per_note"] == pytest.approx(b["held_out_nll_per_note"], rel=1e-4)
    w0 = load_file(str(tiny_model_dir / "model.safetensors"))
    w1 = load_file(str(tmp_path / "plain" / "model.safetensors"))
    wb = load_file(str(tmp_path / "blended" / "model.safetensors"))
    for k, v in wb.items():
        if v.is_floating_point():
            torch.testing.assert_close(v, w0[k] + b["factor"] * (w1[k] - w0[k]), atol=1e-5, rtol=1e-4)
    assert "blended" in (tmp_path / "blended" / "README.md").read_text()
