"""Hostile model folders (issue 13): a folder's own Python never runs and nothing prompts; an
architecture the app does not run, weights that do not fit, pickle weights and files that are not
regular files are refused with a message naming the folder and the reason; training never copies
code into a new model. The same check serves the BERT token-classifier kind (the harmonizer)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap

import pytest

from composer_app.errors import ModelError
from composer_app.music_lm.model_folder import CAUSAL_LM_ARCHITECTURES, validate_model_folder

torch = pytest.importorskip("torch")


@pytest.fixture
def folder(tiny_model_dir, tmp_path):
    """A copy of the tiny model folder to spoil."""
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


def _config(folder, **changes):
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(changes)
    (folder / "config.json").write_text(json.dumps(cfg))


def with_own_code(folder, marker):
    """The folder asks, through auto_map, for a class in its own evil.py (which leaves a marker)."""
    _config(folder, model_type="evil_music", architectures=["EvilModel"],
            auto_map={"AutoConfig": "evil.EvilConfig", "AutoModelForCausalLM": "evil.EvilModel"})
    (folder / "evil.py").write_text(textwrap.dedent(f"""\
        import pathlib
        pathlib.Path({str(marker)!r}).write_text("ran")
        from transformers import LlamaConfig, LlamaForCausalLM
        class EvilConfig(LlamaConfig):
            model_type = "evil_music"
        class EvilModel(LlamaForCausalLM):
            config_class = EvilConfig
        """))
    return folder


def refused(folder, *fragments, **kw) -> str:
    from composer_app.music_lm.loading import load_model

    with pytest.raises(ModelError) as err:
        load_model(folder, "cpu", **kw)
    msg = str(err.value)
    assert str(folder) in msg and "\n" not in msg
    for f in fragments:
        assert f in msg, msg
    return msg


def test_a_folder_asking_for_its_own_code_is_refused_and_nothing_runs(folder, tmp_path, monkeypatch):
    import builtins

    from composer_app.music_lm.loading import check_model_dir

    marker = tmp_path / "ran"
    with_own_code(folder, marker)
    monkeypatch.setattr(builtins, "input", lambda *a: pytest.fail("something prompted"))
    refused(folder, "asks to run Python code from the folder", "auto_map")
    with pytest.raises(ModelError, match="auto_map"):
        check_model_dir(folder)  # the editor's cheap check before it hands the folder to the worker
    assert not marker.exists()


def test_suggest_and_train_never_run_a_folders_code_even_when_the_user_says_yes(folder, tmp_path):
    from composer_app.formats import write
    from composer_app.score import Note, Score, Track

    marker = tmp_path / "ran"
    with_own_code(folder, marker)
    mid = tmp_path / "tune.mid"
    write(Score(tracks=(Track(notes=tuple(Note(60 + i, i * 480, 480) for i in range(8))),)), mid)
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(mid, data / "tune.mid")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for args in (["suggest", str(mid), "--model", str(folder)],
                 ["train", "--data", str(data), "--from", str(folder), "--out", str(tmp_path / "out"),
                  "--max-steps", "1", "--no-progress", "--cache", str(tmp_path / "cache")]):
        r = subprocess.run([sys.executable, "-m", "composer_app", *args], input="y\ny\n", capture_output=True,
                           text=True, timeout=300, env=env)
        assert r.returncode != 0 and "Traceback" not in r.stderr
        assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, r.stdout + r.stderr
        assert str(folder) in r.stderr and "auto_map" in r.stderr
        assert not marker.exists(), f"{args[0]} ran the folder's code"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.py"))


@pytest.mark.parametrize("change, fragment", [
    ({"model_type": "evil_music"}, 'model_type "evil_music"'),
    ({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}, '["GPT2LMHeadModel"]'),
    ({"architectures": ["LlamaForCausalLM", "GPT2LMHeadModel"]}, "this program runs only LlamaForCausalLM"),
    ({"num_hidden_layers": 10**9}, "impossible num_hidden_layers"),
    ({"custom_pipelines": {"x": {"impl": "p.Pipe"}}}, "custom_pipelines"),
])
def test_architectures_the_app_does_not_run_are_refused(folder, change, fragment):
    _config(folder, **change)
    refused(folder, fragment)


def test_a_gpt2_config_over_these_weights_is_refused(folder):
    (folder / "config.json").write_text(json.dumps(
        {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 540, "n_embd": 32}))
    refused(folder, "GPT2LMHeadModel", "this program runs only LlamaForCausalLM")


def test_weights_that_do_not_fit_the_config_are_refused(folder, tiny_model_dir):
    from safetensors.torch import load_file, save_file

    _config(folder, intermediate_size=96)  # the same architecture, another shape
    refused(folder, "does not hold the weights", "of the wrong shape", "mlp")
    _config(folder, intermediate_size=64)
    save_file({"unrelated.weight": torch.zeros(3, 3)}, str(folder / "model.safetensors"), metadata={"format": "pt"})
    refused(folder, "missing (lm_head.weight, model.embed_tokens.weight", "1 unexpected (unrelated.weight)")
    state = load_file(str(tiny_model_dir / "model.safetensors"))
    state["model.layers.0.extra"] = torch.zeros(2)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    refused(folder, "1 unexpected (model.layers.0.extra)")
    state.pop("model.layers.0.extra")
    state["model.norm.weight"] = state["model.norm.weight"].to(torch.int32)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    refused(folder, "not floating point (model.norm.weight: I32)")


def test_pickle_only_and_sharded_weights_and_adapters_are_refused(folder, tiny_model_dir):
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    refused(folder, "only pickle weights (pytorch_model.bin)", "can run code")
    (folder / "pytorch_model.bin").unlink()
    (folder / "model.safetensors.index.json").write_text("{}")
    refused(folder, "sharded weights")
    (folder / "model.safetensors.index.json").unlink()
    shutil.copy(tiny_model_dir / "model.safetensors", folder / "model.safetensors")
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "gpt2"}))
    refused(folder, "PEFT adapter")


def _header(folder, header: bytes, extra: bytes = b"") -> None:
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + extra)


def test_a_damaged_safetensors_header_is_refused_before_anything_is_read(folder):
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", 2**62) + b"{}")
    refused(folder, "header length", "impossible")
    _header(folder, b"not json")
    refused(folder, "header is not JSON")
    _header(folder, b"[1, 2]")
    refused(folder, "not a JSON object")
    _header(folder, json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 1 << 40]}}).encode())
    refused(folder, "lies outside the file")
    _header(folder, json.dumps({"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 0]}}).encode())
    refused(folder, "impossible shape")
    _header(folder, json.dumps({"w": {"dtype": "Q99", "shape": [1], "data_offsets": [0, 1]}}).encode(), b"x")
    refused(folder, "unknown type")


@pytest.mark.skipif(os.name != "posix", reason="FIFOs of POSIX")
@pytest.mark.parametrize("name", ["config.json", "music_vocab.json", "generation_config.json", "README.md",
                                  "model.safetensors"])
def test_a_fifo_in_place_of_a_folder_file_is_refused_without_blocking(folder, name):
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    code = textwrap.dedent(f"""\
        from composer_app.errors import ModelError
        from composer_app.music_lm.loading import load_model
        try:
            load_model({str(folder)!r}, "cpu")
        except ModelError as exc:
            print(exc)
        """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    if name == "README.md":  # the card is optional: the folder's name is used instead
        assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
        return
    assert "FIFO" in r.stdout and name in r.stdout, r.stdout + r.stderr


def test_a_stray_python_file_is_never_run_nor_copied_into_a_trained_model(folder, tmp_path):
    from composer_app.music_lm.training import TrainOptions, train

    marker = tmp_path / "ran"
    (folder / "modeling_llama.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "tune.abc").write_text("X:1\nT:t\nM:4/4\nL:1/8\nK:G\n\"G\"GABc dedB|\"D\"A2F2 D4|\"G\"G8|]\n")
    out = tmp_path / "finetuned"
    train(TrainOptions(data=[str(data)], out=str(out), from_dir=str(folder), max_len=64, batch_size=2,
                       max_steps=1, warmup_steps=1, eval_steps=1, save_steps=1, valid_fraction=0.0,
                       progress=False, cache=str(tmp_path / "cache")))
    assert (out / "model.safetensors").is_file()
    assert not list(out.rglob("*.py")) and not marker.exists()


def test_the_bundled_model_and_a_bert_token_classifier_pass_the_same_check(tmp_path):
    """The contract the harmonizer's kind uses: ``validate_model_folder(path, {class: model_type})``."""
    from safetensors.torch import load_file, save_file
    from transformers import BertConfig, BertForTokenClassification

    from composer_app.paths import default_model_dir

    if (default_model_dir() / "model.safetensors").is_file():
        checked = validate_model_folder(default_model_dir(), CAUSAL_LM_ARCHITECTURES)
        assert checked.architecture == "LlamaForCausalLM" and checked.tensors
    bert = tmp_path / "harmonizer"
    BertForTokenClassification(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                          intermediate_size=32, max_position_embeddings=64, num_labels=7)
                               ).save_pretrained(bert)
    allowed = {"BertForTokenClassification": "bert"}
    folder = validate_model_folder(bert, allowed)
    assert folder.model_class is BertForTokenClassification
    with pytest.raises(ModelError, match=r'\["BertForTokenClassification"\]; this program runs only LlamaForCausalLM'):
        validate_model_folder(bert, CAUSAL_LM_ARCHITECTURES)
    state = load_file(str(bert / "model.safetensors"))
    state.pop("classifier.weight")
    save_file(state, str(bert / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ModelError, match=r"1 tensor missing \(classifier.weight\)"):
        validate_model_folder(bert, allowed)
