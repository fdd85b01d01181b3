"""A short real training run on a tiny config, loading model folders, and the error paths."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap

import pytest

from composer_app.errors import DataError, ModelError
from composer_app.paths import default_model_dir

TUNES = textwrap.dedent("""\
    X:1
    T:Test Jig One
    M:6/8
    L:1/8
    K:G
    "G"GAB "D"AGF|"G"GAB "C"c2e|"G"dBG "D7"AFD|"G"G3 G3|
    "G"dBG "C"ceg|"G"dBG "D"A2F|"G"GAB "D7"AFD|"G"G3 G3|

    X:2
    T:Test Reel Two
    M:4/4
    L:1/8
    K:D
    "D"d2fd "A"cAeA|"D"d2fd "G"B2AB|"D"dfaf "A"gece|"D"d2d2 d4|
    "Bm"BcdB "F#m"AFDF|"G"GABG "A"FEDE|"D"FAdf "A7"egec|"D"d4 d4|

    X:3
    T:Test Waltz Three
    M:3/4
    L:1/4
    K:C
    "C"E G c|"F"A2 F|"G"G B d|"C"c3|"Am"A c e|"Dm"d2 F|"G7"G F D|"C"C3|
    """)


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "tunes"
    d.mkdir()
    (d / "tunes.abc").write_text(TUNES)
    return d


def _train(data_dir, out, **kw):
    from composer_app.music_lm.training import TrainOptions, train

    opts = TrainOptions(data=[str(data_dir)], out=str(out), size="tiny", max_len=128, batch_size=4, max_steps=6,
                        warmup_steps=1, eval_steps=3, save_steps=3, valid_fraction=0.0, progress=False, **kw)
    return train(opts)


def test_short_real_training_run_saves_a_loadable_model_folder(data_dir, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from composer_app.music_lm.loading import load_model

    out = tmp_path / "model"
    info = _train(data_dir, out)
    assert info["steps"] == 6 and info["data"]["pieces"] == 3
    for name in ("config.json", "model.safetensors", "music_vocab.json", "tokenizer.json", "training_info.json"):
        assert (out / name).is_file(), name
    assert any((out / "checkpoints").glob("checkpoint-*"))
    # A standard Hugging Face folder: plain transformers loads it offline, and the HF tokenizer agrees.
    hf = AutoModelForCausalLM.from_pretrained(out, local_files_only=True)
    hf_tok = AutoTokenizer.from_pretrained(out, local_files_only=True)
    lm = load_model(out, device="cpu")
    assert lm.device == "cpu" and torch.get_num_threads() == 1
    tok = lm.tokenizer
    assert hf_tok("<bos> <CONT> Bar Pos_0 Pitch_67 Dur_240")["input_ids"] == [
        tok.bos_id, tok.task_ids["continue"], tok.bar_id, tok.position_ids[0], tok.pitch_ids[67], tok.duration_ids[240]]
    x = torch.tensor([[tok.bos_id, tok.task_ids["continue"], tok.bar_id]])
    assert torch.allclose(hf(x).logits, lm.model(x).logits)
    # The run really trained: the logged loss is below the random-init level ln(vocab size) ~ 6.2.
    assert info["last_train_loss"]["loss"] < 6.2
    assert json.loads((out / "training_info.json").read_text())["steps"] == 6

    # Fine-tuning from that folder keeps its vocabulary and resumes cleanly.
    out2 = tmp_path / "finetuned"
    info2 = _train(data_dir, out2, from_dir=str(out))
    assert info2["steps"] == 6 and load_model(out2, device="cpu").tokenizer.vocab.tokens == tok.vocab.tokens


def test_train_command_on_an_empty_folder_names_it(tmp_path, capsys):
    from composer_app.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["train", "--data", str(empty), "--out", str(tmp_path / "m"), "--size", "tiny", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and str(empty) in err and "holds no MIDI, MusicXML, ABC" in err
    with pytest.raises(DataError, match="no such file or folder"):
        from composer_app.music_lm.corpus import collect_files

        collect_files([tmp_path / "missing"])


def test_train_without_accelerate_says_what_to_install(tmp_path, capsys, monkeypatch):
    """accelerate is the ``train`` extra: the app runs without it, training says how to get it."""
    from composer_app.cli import main

    monkeypatch.setitem(sys.modules, "accelerate", None)  # what ``import accelerate`` meets when it is missing
    rc = main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "'accelerate'" in err and "composer-app[train]" in err and "Traceback" not in err


def test_missing_folder_and_folder_without_weights(tmp_path):
    from composer_app.music_lm.loading import load_model

    with pytest.raises(ModelError, match="no such folder") as e:
        load_model(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(e.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a Composer Assistant model"):
        load_model(tmp_path / "empty")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A real (untrained) tiny model folder written by the same code as training."""
    from transformers import AutoModelForCausalLM

    from composer_app.music_lm.model import make_config, save_model_dir
    from composer_app.music_lm.tokenizer import MusicTokenizer

    tok = MusicTokenizer()
    d = tmp_path_factory.mktemp("tiny") / "model"
    save_model_dir(AutoModelForCausalLM.from_config(make_config(tok, "tiny", 128)), tok, d)
    return d


def test_corrupt_weights_give_a_model_error(tiny_model, tmp_path):
    from composer_app.music_lm.loading import load_model

    bad = tmp_path / "bad"
    shutil.copytree(tiny_model, bad)
    data = (bad / "model.safetensors").read_bytes()
    (bad / "model.safetensors").write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match="model.safetensors is damaged") as e:
        load_model(bad)
    assert str(bad) in str(e.value)


def test_incompatible_vocabulary_gives_a_model_error(tiny_model, tmp_path):
    from composer_app.music_lm.loading import load_model
    from composer_app.music_lm.vocab import VocabConfig, Vocabulary

    other = tmp_path / "other"
    shutil.copytree(tiny_model, other)
    Vocabulary(VocabConfig(grid=20)).save(other)  # a finer grid: more tokens than the embeddings
    with pytest.raises(ModelError, match="incompatible vocabulary"):
        load_model(other)
    cfg = json.loads((other / "music_vocab.json").read_text())
    cfg["config"]["version"] = 99
    (other / "music_vocab.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="incompatible vocabulary version 99"):
        load_model(other)
    (other / "music_vocab.json").unlink()
    with pytest.raises(ModelError, match="music_vocab.json"):
        load_model(other)


def test_cuda_request_without_cuda_is_a_clear_error(tiny_model):
    import torch

    from composer_app.music_lm.loading import load_model

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ModelError, match="no CUDA graphics card") as err:
        load_model(tiny_model, device="cuda")
    assert not str(err.value).startswith("model at"), str(err.value)  # in the composer's terms
    assert "--device cpu" in str(err.value)


def test_bundled_model_loads_offline():
    from composer_app.music_lm.loading import load_model

    d = default_model_dir()
    if not (d / "model.safetensors").is_file():
        pytest.skip(f"the bundled model is not in {d} yet")
    lm = load_model(d, device="cpu")
    size = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
    assert size < 50 * 1024 * 1024
    assert lm.model.config.vocab_size == len(lm.tokenizer)


def _train_harmonizer(data_dir, out, **kw):
    from composer_app.music_lm.harmonizer.training import HarmTrainOptions, train_harmonizer

    opts = HarmTrainOptions(data=[str(data_dir)], out=str(out), size="tiny", max_len=128, batch_size=4, max_steps=4,
                            warmup_steps=1, eval_steps=2, save_steps=2, valid_fraction=0.0, progress=False, **kw)
    return train_harmonizer(opts)


def test_evaluate_command_reports_the_tasks_and_the_baselines(data_dir, tmp_path, capsys):
    """The evaluate command end to end on a tiny trained model and harmonizer (numbers are not judged here)."""
    from composer_app.cli import main

    out = tmp_path / "model"
    _train(data_dir, out)
    _train_harmonizer(data_dir, out / "harmonizer")
    (data_dir / "more.abc").write_text(TUNES.replace("T:Test", "T:Other"))  # other titles: some held out
    capsys.readouterr()  # the Trainer's own log lines
    code = main(["evaluate", "--data", str(data_dir), "--model", str(out), "--json", "--valid-fraction", "0.5",
                 "--ngram-order", "3"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["held_out_pieces"] >= 1
    assert report["harmonizer"] == str(out / "harmonizer")
    for name in ("model", "ngram"):
        r = report["lm"][name]
        assert r["nll_per_note"] > 0 and 0 <= r["next_chord_acc"] <= 1
    whole = report["harmonize"]["piece/all"]
    assert set(whole) == {"rank1", "best_of_k", "mean_of_k", "rule", "human", "ngram"}
    assert whole["rank1"]["beats"] == whole["rule"]["beats"] == whole["human"]["beats"] > 0
    assert whole["human"]["root_acc"] == 1.0 and whole["human"]["class_acc"] == 1.0
    assert whole["best_of_k"]["root_acc"] >= whole["rank1"]["root_acc"]
    assert len(whole["rank1"]["root_acc_by_tenth"]) == 10
    assert 0 <= whole["rank1"]["chord_tone_ratio"] <= 1
    assert any(k.startswith("region4/") for k in report["harmonize"])
    assert set(report["continue"]) == {"app", "before", "pool"} and report["lm_collections"]


def test_a_time_budget_alone_is_not_cut_short_by_a_default_step_limit():
    import argparse

    from composer_app.commands import train as train_cmd

    p = argparse.ArgumentParser()
    train_cmd.add_arguments(p)
    base = ["--data", "x", "--out", "y"]
    assert train_cmd._max_steps(p.parse_args(base)) == 2000
    assert train_cmd._max_steps(p.parse_args(base + ["--time-budget", "60"])) >= 10**6
    assert train_cmd._max_steps(p.parse_args(base + ["--time-budget", "60", "--max-steps", "300"])) == 300


def test_harmonizer_absolute_kind_and_decoder_retuning(tmp_path, capsys):
    """``train --kind harmonizer --absolute`` writes a vocabulary-3 folder; ``--tune-decoder`` trains
    nothing and re-chooses the decoder of a folder on the development pieces; with no development
    pieces it says so."""
    from composer_app.cli import main

    data = tmp_path / "many"
    data.mkdir()
    (data / "tunes.abc").write_text("\n".join(TUNES.replace("T:Test", f"T:Tune {i} Test").replace("X:", f"X:{i}")
                                              for i in range(40)))
    out = tmp_path / "harm"
    common = ["--kind", "harmonizer", "--data", str(data), "--out", str(out), "--no-progress"]
    assert main(["train", *common, "--absolute", "--size", "tiny", "--max-len", "128", "--batch-size", "4",
                 "--max-steps", "3", "--warmup-steps", "1", "--eval-steps", "3", "--save-steps", "3"]) == 0
    assert json.loads((out / "harmonizer_vocab.json").read_text())["version"] == 3
    (out / "decode_config.json").unlink()
    capsys.readouterr()
    assert main(["train", *common, "--tune-decoder"]) == 0
    said = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert said["dev_pieces"] >= 1 and 0 <= said["dev_root_accuracy"] <= 1
    assert json.loads((out / "decode_config.json").read_text()) == said["decoder"]
    assert json.loads((out / "training_info.json").read_text())["decoder_tuning"]["chosen"] == said["decoder"]
    assert "w_prior_silent" in said["decoder"] and "w_change_alternatives" in said["decoder"]
    alternatives = json.loads((out / "training_info.json").read_text())["decoder_tuning"]["alternatives"]
    assert len(alternatives) == 4 and all(0 <= r["mean_of_k_root_acc"] <= r["best_of_k_root_acc"] <= 1
                                          for r in alternatives)
    few = tmp_path / "few"
    few.mkdir()
    (few / "t.abc").write_text(TUNES)
    assert main(["train", "--kind", "harmonizer", "--data", str(few), "--out", str(out), "--tune-decoder",
                 "--no-progress"]) == 2
    assert "no development pieces" in capsys.readouterr().err


def test_harmonizer_init_seed_gives_another_model_on_the_same_split(tmp_path):
    """An ensemble member must not train on the titles held out to measure the others: ``init_seed``
    changes the weights, never the split by title (``seed``)."""
    from safetensors.torch import load_file

    data = tmp_path / "many"
    data.mkdir()
    (data / "tunes.abc").write_text("\n".join(TUNES.replace("T:Test", f"T:Tune {i} Test").replace("X:", f"X:{i}")
                                              for i in range(40)))
    runs = {}
    for name, init in (("a", None), ("b", 5)):
        from composer_app.music_lm.harmonizer.training import HarmTrainOptions, train_harmonizer

        info = train_harmonizer(HarmTrainOptions(data=[str(data)], out=str(tmp_path / name), size="tiny", max_len=128,
                                                 batch_size=4, max_steps=1, warmup_steps=1, eval_steps=1, save_steps=1,
                                                 progress=False, init_seed=init))
        runs[name] = (info["data"], load_file(str(tmp_path / name / "model.safetensors")))
    assert runs["a"][0] == runs["b"][0] and runs["a"][0]["valid_pieces"] > 0  # the same split
    wa, wb = runs["a"][1], runs["b"][1]
    assert any(not (wa[k] == wb[k]).all() for k in wa)  # another model


def test_harmonizer_self_training_learns_only_from_the_training_titles_melodies(tmp_path):
    """``train --kind harmonizer --pseudo-labels TEACHER``: the chordless melodies of the *training*
    titles (never a development or held-out one) are harmonized by the bundled harmonizer and learned
    from beside the real chords."""
    import re

    from composer_app.music_lm.corpus import is_validation
    from composer_app.music_lm.harmonizer.training import (DEV_FRACTION, DEV_SEED, HarmTrainOptions,
                                                           load_harm_pieces, train_harmonizer)
    from composer_app.paths import default_model_dir

    teacher = default_model_dir().parent / "harmonizer"
    if not (teacher / "model.safetensors").is_file():
        pytest.skip(f"the bundled harmonizer is not in {teacher}")
    data = tmp_path / "many"
    data.mkdir()
    chorded = "\n".join(TUNES.replace("T:Test", f"T:Tune {i} Test").replace("X:", f"X:{i}") for i in range(40))
    bare = re.sub(r'"[^"]*"', "", TUNES)  # the same tunes without their chord symbols
    (data / "tunes.abc").write_text(chorded)
    names = [a + b for a in "bcdfghk" for b in "aeiou"][:30]  # titles are compared without their digits
    (data / "bare.abc").write_text("\n".join(bare.replace("T:Test", f"T:Bare {n} Test").replace("X:", f"X:{100 + i}")
                                             for i, n in enumerate(names)))
    unlabelled: list = []
    load_harm_pieces([str(data)], 0.1, 0, progress=False, unlabelled=unlabelled)
    titles = {p.title for _, p in unlabelled}
    assert titles and all(t.startswith("Bare") for t in titles)
    assert not any(is_validation(t, 0.1, 0) or is_validation(t, DEV_FRACTION, DEV_SEED) for t in titles)
    assert len(titles) < 90  # some of the 90 bare tunes' titles are held out or kept for development
    info = train_harmonizer(HarmTrainOptions(
        data=[str(data)], out=str(tmp_path / "student"), size="tiny", max_len=128, batch_size=4, max_steps=2,
        warmup_steps=1, eval_steps=2, save_steps=2, progress=False, pseudo_teacher=str(teacher), pseudo_share=0.5))
    pseudo = info["data"]["pseudo"]
    assert pseudo["pieces"] == len(unlabelled) and pseudo["share"] == 0.5
    assert set(pseudo["groups"]) == {"pseudo-user"} and pseudo["beats"] > 8 * pseudo["pieces"]
    assert (tmp_path / "student" / "model.safetensors").is_file()


def test_harmonizer_keep_best_writes_the_model_of_its_lowest_development_loss(tmp_path, capsys):
    """``--keep-best``: the folder holds the weights of the evaluation with the lowest loss, not the
    last step's, and says which step that was; ``--dropout`` shapes a fresh model; ``--loader-workers``
    draws the windows in other processes; ``--float16`` halves the file. Checked by evaluating the written
    model again."""
    import torch

    from composer_app.cli import main
    from composer_app.music_lm.harmonizer.bags import BagModel
    from composer_app.music_lm.harmonizer.data import FixedWindows, HarmCollator
    from composer_app.music_lm.harmonizer.encoding import HarmVocab
    from composer_app.music_lm.harmonizer.runtime import load_harmonizer_model
    from composer_app.music_lm.harmonizer.training import load_harm_pieces

    data = tmp_path / "many"
    data.mkdir()
    (data / "tunes.abc").write_text("\n".join(TUNES.replace("T:Test", f"T:Tune {i} Test").replace("X:", f"X:{i}")
                                              for i in range(40)))
    out = tmp_path / "harm"
    # A learning rate this high makes the development loss go up and down: the best is rarely the last.
    assert main(["train", "--kind", "harmonizer", "--data", str(data), "--out", str(out), "--no-progress",
                 "--size", "tiny", "--max-len", "128", "--batch-size", "4", "--max-steps", "8", "--lr", "0.3",
                 "--warmup-steps", "1", "--eval-steps", "1", "--save-steps", "100", "--keep-best", "--dropout", "0.3",
                 "--loader-workers", "2", "--float16"]) == 0
    info = json.loads((out / "training_info.json").read_text())
    history = info["eval_history"]
    assert info["trained_steps"] == 8 and len(history) >= 8
    best = min(history, key=lambda h: h["eval_loss"])
    assert best["step"] < 8  # else this test could not tell the best from the last
    assert info["best_step"] == info["steps"] == best["step"] and info["best_eval_loss"] == pytest.approx(best["eval_loss"], abs=1e-4)
    config = json.loads((out / "config.json").read_text())
    assert config["hidden_dropout_prob"] == config["attention_probs_dropout_prob"] == 0.3

    _, dev, valid, _ = load_harm_pieces([str(data)], 0.1, 0, progress=False)
    vocab = HarmVocab.load(out)
    windows = FixedWindows(vocab, dev or valid, 128)
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:  # stored at half the size ...
        assert all(f.get_slice(k).get_dtype() == "F16" for k in f.keys() if "LayerNorm" not in k)
    model = BagModel(load_harmonizer_model(out)).eval()
    assert all(p.dtype == torch.float32 for p in model.parameters())  # ... and read as float32
    losses = []
    with torch.no_grad():
        for i in range(0, len(windows), 4):  # as the Trainer evaluates: batches of 4, the mean per example
            batch = HarmCollator(vocab.pad_id)([windows[j] for j in range(i, min(i + 4, len(windows)))])
            losses += [float(model(**batch).loss)] * len(batch["labels"])
    assert sum(losses) / len(losses) == pytest.approx(info["best_eval_loss"], abs=5e-3)
    capsys.readouterr()
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "lm"), "--size", "xl"]) == 2
    assert "--size xl" in capsys.readouterr().err  # the language model has no such shape: said, not a traceback


def test_group_weights_are_read_and_checked(tmp_path, capsys):
    """``--group-weights``: NAME=WEIGHT pairs; a malformed pair, or a collection the training pieces
    do not come from (a typo would otherwise change nothing), stops with a message."""
    from composer_app.cli import main
    from composer_app.commands.train import parse_group_weights
    from composer_app.errors import DataError

    assert parse_group_weights("openewld=4, nottingham=2") == {"openewld": 4.0, "nottingham": 2.0}
    assert parse_group_weights(None) == {}
    for bad in ("openewld", "openewld=-1", "=2", "openewld=x", "openewld=0"):
        with pytest.raises(DataError, match="--group-weights"):
            parse_group_weights(bad)
    data = tmp_path / "many"
    data.mkdir()
    (data / "tunes.abc").write_text("\n".join(TUNES.replace("T:Test", f"T:Tune {i} Test").replace("X:", f"X:{i}")
                                              for i in range(40)))
    assert main(["train", "--kind", "harmonizer", "--data", str(data), "--out", str(tmp_path / "h"), "--no-progress",
                 "--size", "tiny", "--max-steps", "1", "--group-weights", "openewld=4"]) == 2
    err = capsys.readouterr().err
    assert "openewld" in err and "user" in err and "Traceback" not in err
