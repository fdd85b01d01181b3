"""Fuzzing model folders (issue 13) through ``music_lm.loading``: ``check_model_dir`` (the editor's
cheap check) and ``load_model`` (suggest, the editor's worker, ``train --from`` use the same
checks).

Seed: a real tiny model folder written by the app's own code, plus an ``evil.py`` that leaves a
marker file when imported. Mutants: ``config.json`` with structural JSON mutations (wrong types,
absurd numbers, deleted keys), other architectures and model types, ``auto_map`` and
``custom_pipelines`` pointing at ``evil.py``, byte mutations of its text; ``model.safetensors`` with
its header mutated (tensors dropped, added, renamed, reshaped, retyped, moved; the length prefix
wrong) or its bytes flipped and truncated.

Contract: a folder loads (and the model runs one forward step giving one row of logits per token
over the vocabulary) or is refused with a :class:`ModelError` naming the folder with a one-line
reason; nothing else escapes; the folder's code never runs and nothing prompts; each example stays
within the fuzz suite's time and memory limits.
"""

from __future__ import annotations

import builtins
import json
import shutil
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from composer_app.errors import ModelError
from fuzz_contract import STATS, MEMORY_GROWTH_MB, _peak_rss_mb, fuzz_settings, memory_limit, time_limit
from fuzz_inputs import byte_mutants, project_mutants

torch = pytest.importorskip("torch")

MARKER = Path(tempfile.gettempdir()) / "composer-app-fuzz-model-code-ran"
EVIL = f"import pathlib\npathlib.Path({str(MARKER)!r}).write_text('ran')\nfrom transformers import LlamaForCausalLM as EvilModel\n"
ARCHITECTURES = ["LlamaForCausalLM", "GPT2LMHeadModel", "BertForTokenClassification", "MistralForCausalLM",
                 "EvilModel", "", None, 3]
MODEL_TYPES = ["llama", "gpt2", "bert", "mistral", "evil", "", None, ["llama"]]
CODE_KEYS = {"auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModelForCausalLM": "evil.EvilModel"},
             "custom_pipelines": {"x": {"impl": "evil.Pipe"}}}
DTYPES = ["F32", "F16", "BF16", "I64", "I32", "U8", "BOOL", "F64", "Q4", "", None]


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory):
    from transformers import LlamaForCausalLM

    from composer_app.music_lm.model import make_config, save_model_dir
    from composer_app.music_lm.tokenizer import MusicTokenizer

    torch.manual_seed(7)
    tok = MusicTokenizer()
    out = tmp_path_factory.mktemp("fuzz_model") / "model"
    save_model_dir(LlamaForCausalLM(make_config(tok, "tiny")), tok, out)
    (out / "evil.py").write_text(EVIL)
    return out


class Weights(bytes):
    """Mutated weights whose repr (printed by hypothesis for a failing example) is the header's start."""

    def __repr__(self) -> str:
        return f"Weights({bytes(self[:600])!r}... {len(self)} bytes)"


def _header(weights: bytes) -> tuple[dict, bytes]:
    (n,) = struct.unpack("<Q", weights[:8])
    return json.loads(weights[8:8 + n]), weights[8 + n:]


@st.composite
def config_mutants(draw, config: dict) -> bytes:
    doc = json.loads(json.dumps(config))
    kind = draw(st.sampled_from(["structure", "architecture", "code", "sizes", "bytes"]))
    if kind == "structure":
        return draw(project_mutants(doc))
    if kind == "architecture":
        doc["architectures"] = draw(st.sampled_from([[a] for a in ARCHITECTURES] + [ARCHITECTURES[:2], [], None]))
        doc["model_type"] = draw(st.sampled_from(MODEL_TYPES))
    elif kind == "code":
        key = draw(st.sampled_from(sorted(CODE_KEYS)))
        doc[key] = CODE_KEYS[key]
        if draw(st.booleans()):
            doc["model_type"], doc["architectures"] = "evil", ["EvilModel"]
    elif kind == "sizes":
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                                        "num_key_value_heads", "vocab_size", "max_position_embeddings", "head_dim",
                                        "tie_word_embeddings", "rms_norm_eps", "torch_dtype", "dtype"]))
            doc[key] = draw(st.sampled_from([0, 1, 2, 3, 64, 96, 540, 10**6, 10**12, -1, 2**63, 1.5, True, "32",
                                             None, "float64", "bfloat16", "int8"]))
    else:
        return draw(byte_mutants(json.dumps(doc).encode()))
    return json.dumps(doc).encode()


@st.composite
def weight_mutants(draw, folder: Path) -> bytes:
    weights = (folder / "model.safetensors").read_bytes()
    header, body = _header(weights)
    kind = draw(st.sampled_from(["tensors", "json", "prefix", "bytes"]))
    if kind == "bytes":
        cut = draw(st.integers(0, 8 + 2 * len(json.dumps(header))))  # mostly the header region
        mutated = draw(byte_mutants(weights[:cut]))
        return Weights(mutated + weights[cut:] if draw(st.booleans()) else mutated)
    names = sorted(k for k in header if k != "__metadata__")
    if kind == "tensors":
        for _ in range(draw(st.integers(1, 3))):
            name = draw(st.sampled_from(names))
            op = draw(st.sampled_from(["drop", "add", "rename", "shape", "dtype", "offsets"]))
            entry = header.get(name)
            if not isinstance(entry, dict):
                continue
            if op == "drop":
                header.pop(name)
            elif op == "add":
                header[draw(st.sampled_from(["extra.weight", "lm_head.bias", "model.layers.9.mlp.up_proj.weight"]))] = \
                    dict(entry)
            elif op == "rename":
                header[name.replace("model.", draw(st.sampled_from(["transformer.", "", "bert.", "model.model."])))] = \
                    header.pop(name)
            elif op == "shape":
                shape = entry["shape"] if isinstance(entry.get("shape"), list) else [1]
                entry["shape"] = draw(st.sampled_from([[], [1], [0], [-1], list(reversed(shape)), shape + [1],
                                                       [2**40, 2**40], ["8"], None]))
            elif op == "dtype":
                entry["dtype"] = draw(st.sampled_from(DTYPES))
            elif isinstance(entry, dict) and isinstance(entry.get("data_offsets"), list) \
                    and len(entry["data_offsets"]) == 2:
                a, b = entry["data_offsets"]
                entry["data_offsets"] = draw(st.sampled_from([[b, a], [a, b + 4], [a + 4, b + 4], [0, 0], [-4, b],
                                                               [a, 2**62], [a], None, "0-4"]))
        raw = json.dumps(header).encode()
    else:  # structural JSON mutations of the header, or a wrong length prefix
        raw = draw(project_mutants(header)) if kind == "json" else json.dumps(header).encode()
    n = len(raw) if kind != "prefix" else draw(st.sampled_from([0, 1, len(raw) - 1, len(raw) + 1, 2**32, 2**64 - 1]))
    return Weights(struct.pack("<Q", n) + raw + body)


def _load(folder: Path) -> None:
    """The contract, on one folder."""
    from composer_app.music_lm.loading import check_model_dir, load_model

    rss0 = _peak_rss_mb()
    for how, call in (("check", lambda: check_model_dir(folder)), ("load", lambda: load_model(folder, "cpu"))):
        try:
            with time_limit(what=f"{how} of a model folder"), memory_limit():
                result = call()
        except ModelError as exc:
            msg = str(exc)
            assert str(folder) in msg and "\n" not in msg and len(msg) < 900, msg
            assert "Traceback" not in msg
            STATS[f"model folder {how} refused"] += 1
            break
        else:
            STATS[f"model folder {how} ok"] += 1
            if how == "load":
                ids = torch.tensor([[result.tokenizer.bos_id, result.tokenizer.bar_id, result.tokenizer.eos_id]])
                with torch.inference_mode():
                    logits = result.model(input_ids=ids).logits
                assert tuple(logits.shape) == (1, 3, len(result.tokenizer))
    assert not MARKER.exists(), "the folder's own code ran"
    grew = _peak_rss_mb() - rss0
    assert grew < MEMORY_GROWTH_MB, f"peak memory grew by {grew:.0f} MB loading a model folder"


def _run(seed_folder: Path, config: bytes | None = None, weights: bytes | None = None) -> None:
    MARKER.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="fuzz-model-") as d:
        folder = Path(shutil.copytree(seed_folder, Path(d) / "model"))
        if config is not None:
            (folder / "config.json").write_bytes(config)
            note(f"config.json: {config[:2000]!r}")
        if weights is not None:
            (folder / "model.safetensors").write_bytes(weights)
            note(f"model.safetensors: {weights!r}")
        real_input = builtins.input

        def no_prompt(*args):
            raise AssertionError(f"something prompted: {args}")

        builtins.input = no_prompt
        try:
            _load(folder)
        finally:
            builtins.input = real_input


@fuzz_settings(40, weight=0.05)
@given(data=st.data())
def test_config_mutations(seed_folder, data):
    config = json.loads((seed_folder / "config.json").read_text())
    _run(seed_folder, config=data.draw(config_mutants(config)))


@fuzz_settings(40, weight=0.05)
@given(data=st.data())
def test_safetensors_header_mutations(seed_folder, data):
    _run(seed_folder, weights=data.draw(weight_mutants(seed_folder)))


def test_the_seed_folder_loads(seed_folder):
    _run(seed_folder)
    assert STATS["model folder load ok"] >= 1
