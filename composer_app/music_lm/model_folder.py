"""Checking a model folder before anything in it is used: no foreign code, only known architectures,
weights that fit. Works for every kind of model folder the app loads.

A model folder is data from a stranger as much as a MIDI file is. :func:`validate_model_folder`
reads it the way :mod:`composer_app.formats` reads files (regular files only, with a size bound)
and refuses, with a :class:`~composer_app.errors.ModelError` that names the folder and the reason:

* a ``config.json`` that asks for the folder's own Python code (``auto_map``, in any of the JSON
  files transformers reads), or whose ``architectures`` / ``model_type`` is not one of the
  ``allowed_architectures`` (standard transformers classes, imported from transformers by name:
  never from the folder);
* files transformers would open that are not regular files (a FIFO blocks, a device never ends)
  or are absurdly large; a PEFT adapter; weights only in pickle form (``pytorch_model.bin`` can run
  code when loaded); sharded weights;
* a ``model.safetensors`` whose header is damaged, or whose tensors do not fit the model the
  config describes: missing, unexpected, wrong shape, not floating point (checked against the
  model built on torch's ``meta`` device, which holds no memory, before any weight is read).

:func:`load_validated` then loads the weights with the same standard class, ``trust_remote_code``
off, safetensors only, offline, and checks transformers' own loading report.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..errors import FileFormatError, ModelError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
#: The causal language models the app runs (transformers class name -> ``model_type``).
CAUSAL_LM_ARCHITECTURES: dict[str, str] = {"LlamaForCausalLM": "llama"}
#: JSON files transformers may read from a folder (``auto_map`` in any of them asks for code).
_HF_JSON = (CONFIG_FILE, "generation_config.json", "tokenizer_config.json", "preprocessor_config.json",
            "processor_config.json")
#: Largest JSON file read from a model folder, and largest weights file.
MAX_JSON_BYTES = 1 << 20
MAX_WEIGHTS_BYTES = 1 << 30
#: A safetensors header (the index of tensors) larger than this is not a model we made.
MAX_HEADER_BYTES = 16 << 20
#: Structural sizes in config.json beyond which the model cannot be one this program runs (they
#: are checked before the model is built, even on the meta device).
_CONFIG_LIMITS = {"num_hidden_layers": 256, "hidden_size": 16384, "intermediate_size": 65536,
                  "num_attention_heads": 512, "num_key_value_heads": 512, "vocab_size": 1_000_000,
                  "max_position_embeddings": 1 << 20, "num_labels": 100_000, "head_dim": 4096,
                  "type_vocab_size": 1024}
_DTYPE_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
                "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
_FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}


@dataclass(frozen=True)
class ModelFolder:
    """A model folder that passed :func:`validate_model_folder`."""

    path: Path
    config: dict  # config.json as read
    architecture: str  # the transformers class name, e.g. "LlamaForCausalLM"
    weights: Path  # model.safetensors
    #: name -> (safetensors dtype, shape), from the weights file's header
    tensors: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)

    @property
    def model_class(self):
        """The standard transformers class (imported from transformers by its name)."""
        try:
            import transformers

            return getattr(transformers, self.architecture)
        except Exception as exc:  # the installed transformers (or a package it needs) is broken
            from .loading import _install_error, broken_dependency

            if broken_dependency(exc) or isinstance(exc, ImportError):
                raise _install_error(self.path, exc) from None
            raise ModelError(self.path, f"the installed transformers cannot load {self.architecture} "
                                        f"({type(exc).__name__}: {str(exc)[:160]})") from None


def read_folder_file(folder: Path, name: str, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """A file of the folder, read as the file readers read: a regular file, with a bound."""
    from ..formats._common import read_bytes

    try:
        return read_bytes(folder / name, max_bytes=max_bytes)
    except FileFormatError as exc:
        raise ModelError(folder, f"{name} {exc.reason}") from None


def _read_json(folder: Path, name: str) -> dict:
    try:
        value = json.loads(read_folder_file(folder, name), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ModelError(folder, f"{name} is not valid JSON ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(value, dict):
        raise ModelError(folder, f"{name} is not a JSON object")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _check_folder(path: Path) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ModelError(path, "is a symbolic link that loops back on itself") from None
        raise ModelError(path, "no such folder") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ModelError(path, "is a file, not a model folder")


def _check_code(folder: Path, name: str, data: dict) -> None:
    """Refuse any reference to the folder's own code (``auto_map``, custom pipelines)."""
    for key in ("auto_map", "custom_pipelines"):
        if key in data:
            where = json.dumps(data[key])[:120]
            raise ModelError(folder, f"its {name} asks to run Python code from the folder ({key}: {where}); "
                                     f"this program never runs code from a model folder")


def _check_architecture(folder: Path, cfg: dict, allowed: Mapping[str, str]) -> str:
    archs = cfg.get("architectures")
    kinds = ", ".join(sorted(allowed))
    if not (isinstance(archs, list) and len(archs) == 1 and isinstance(archs[0], str) and archs[0] in allowed):
        shown = json.dumps(archs)[:100] if archs is not None else "none"
        raise ModelError(folder, f"its config.json declares the architecture {shown}; this program runs only "
                                 f"{kinds}")
    if cfg.get("model_type") != allowed[archs[0]]:
        shown = json.dumps(cfg.get("model_type"))[:60]
        raise ModelError(folder, f"its config.json has model_type {shown}, not \"{allowed[archs[0]]}\" "
                                 f"(the type of {archs[0]})")
    for key, limit in _CONFIG_LIMITS.items():
        value = cfg.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit):
            raise ModelError(folder, f"its config.json has an impossible {key} ({json.dumps(value)[:40]})")
    return archs[0]


def _check_files(folder: Path, names) -> None:
    """Every file the loaders open must be a regular file (read_bytes refuses the rest)."""
    for name in names:
        p = folder / name
        if p.exists() or p.is_symlink():
            read_folder_file(folder, name, MAX_JSON_BYTES)


def read_safetensors_header(folder: Path, name: str = WEIGHTS_FILE) -> dict[str, tuple[str, tuple[int, ...]]]:
    """The tensors of a safetensors file (name -> (dtype, shape)), its header checked for sense:
    a bounded header length, offsets inside the file, sizes that match dtype and shape."""
    path = folder / name
    try:
        st = os.stat(path)
    except OSError:
        raise ModelError(folder, f"no weights ({name}) in the folder") from None
    if not stat.S_ISREG(st.st_mode):
        raise ModelError(folder, f"{name} is not a regular file (a device, FIFO or socket)")
    if st.st_size > MAX_WEIGHTS_BYTES:
        raise ModelError(folder, f"{name} is {st.st_size / 2 ** 30:.1f} GB, larger than any model this program "
                                 f"runs ({MAX_WEIGHTS_BYTES / 2 ** 30:.0f} GB)")
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ModelError(folder, f"{name} is not a safetensors file (it is truncated)")
        (n,) = struct.unpack("<Q", head)
        if n > min(MAX_HEADER_BYTES, st.st_size - 8):
            raise ModelError(folder, f"{name} is not a safetensors file (its header length {n:,} is impossible)")
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ModelError(folder, f"{name} is damaged (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise ModelError(folder, f"{name} is damaged (its header is not a JSON object)")
    data_size = st.st_size - 8 - n
    tensors: dict[str, tuple[str, tuple[int, ...]]] = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        bad = f"{name} is damaged (tensor {key[:60]!r}"
        if not isinstance(entry, dict):
            raise ModelError(folder, f"{bad} has no description)")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(dtype, str) or dtype not in _DTYPE_BYTES:
            raise ModelError(folder, f"{bad} has an unknown type {json.dumps(dtype)[:20]})")
        if not (isinstance(shape, list) and len(shape) <= 8
                and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 1 << 40 for d in shape)):
            raise ModelError(folder, f"{bad} has an impossible shape)")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) and not isinstance(o, bool)
                                                                         for o in offsets)):
            raise ModelError(folder, f"{bad} has no data offsets)")
        begin, end = offsets
        if not 0 <= begin <= end <= data_size or end - begin != math.prod(shape) * _DTYPE_BYTES[dtype]:
            raise ModelError(folder, f"{bad} lies outside the file or does not fit its shape)")
        tensors[key] = (dtype, tuple(shape))
    return tensors


def _expected_tensors(model_class, cfg: dict):
    """(name -> shape, groups of names that share one tensor) of the model ``cfg`` describes, built
    on the meta device (no memory, no weights)."""
    import torch

    config = model_class.config_class.from_dict(dict(cfg))
    with torch.device("meta"):
        model = model_class(config)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    groups: dict[int, list[str]] = {}
    for n, p in model.named_parameters(remove_duplicate=False):
        groups.setdefault(id(p), []).append(n)
    return shapes, [g for g in groups.values() if len(g) > 1]


def _names(names, limit: int = 3) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_weights_fit(folder: ModelFolder) -> None:
    """Refuse weights that do not fit the model the folder's config describes (see the module)."""
    model_class = folder.model_class  # raises InstallError / ModelError naming an installation problem
    try:
        expected, tied = _expected_tensors(model_class, folder.config)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - transformers rejects a config in many ways
        msg = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ModelError(folder.path, f"its config.json does not describe a model {folder.architecture} can build "
                                      f"({msg})") from None
    present = folder.tensors
    optional = set()
    for group in tied:  # tied weights are saved once, under any one of their names
        if any(n in present for n in group):
            optional.update(group)
    missing = [n for n in expected if n not in present and n not in optional]
    unexpected = [n for n in present if n not in expected]
    problems = []
    if missing:
        problems.append(f"{len(missing)} tensor{'s' if len(missing) != 1 else ''} missing ({_names(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected ({_names(unexpected)})")
    wrong = [n for n in present if n in expected and present[n][1] != expected[n]]
    if wrong:
        n = wrong[0]
        problems.append(f"{len(wrong)} of the wrong shape ({n}: {list(present[n][1])} instead of {list(expected[n])})")
    not_float = [n for n in present if n in expected and present[n][0] not in _FLOAT_DTYPES]
    if not_float and not problems:
        problems.append(f"{len(not_float)} not floating point ({not_float[0]}: {present[not_float[0]][0]})")
    if problems:
        raise ModelError(folder.path, f"{WEIGHTS_FILE} does not hold the weights of the model its config.json "
                                      f"describes: {'; '.join(problems)}")


def validate_model_folder(path: str | Path, allowed_architectures: Mapping[str, str], *,
                          required_files: tuple[str, ...] = (), check_weights: bool = True) -> ModelFolder:
    """Check a model folder before anything in it is used; see the module's description.

    ``allowed_architectures`` maps each transformers class name the caller can run to its
    ``model_type`` (e.g. ``{"LlamaForCausalLM": "llama"}`` or ``{"BertForTokenClassification":
    "bert"}``). ``required_files`` are further files the caller reads (checked to be regular files
    of at most 1 MB). ``check_weights=False`` skips building the model on the meta device to compare
    shapes (no torch import: a cheap first check); the header is read either way.
    Returns a :class:`ModelFolder`; raises :class:`ModelError` naming the folder and the reason.
    """
    p = Path(path)
    _check_folder(p)
    if not (p / CONFIG_FILE).exists() and not (p / CONFIG_FILE).is_symlink():
        raise ModelError(p, "this folder is not a Composer Assistant model (a model folder holds config.json, "
                            "model.safetensors and music_vocab.json, as `composer-app train` writes them)")
    cfg = _read_json(p, CONFIG_FILE)
    _check_code(p, CONFIG_FILE, cfg)
    for name in _HF_JSON[1:]:
        if (p / name).exists() or (p / name).is_symlink():
            _check_code(p, name, _read_json(p, name))
    architecture = _check_architecture(p, cfg, allowed_architectures)
    _check_files(p, required_files)
    if (p / "adapter_config.json").exists():
        raise ModelError(p, "holds a PEFT adapter (adapter_config.json), not a complete model")
    if not (p / WEIGHTS_FILE).exists():
        if (p / f"{WEIGHTS_FILE}.index.json").exists():
            raise ModelError(p, f"holds sharded weights; this program reads one {WEIGHTS_FILE}")
        pickles = sorted(q.name for q in p.iterdir() if q.suffix in (".bin", ".pt", ".pth", ".ckpt", ".pkl"))
        if pickles:
            raise ModelError(p, f"holds only pickle weights ({', '.join(pickles[:3])}), which can run code when "
                                f"loaded; this program reads {WEIGHTS_FILE} only")
    folder = ModelFolder(p, cfg, architecture, p / WEIGHTS_FILE, read_safetensors_header(p))
    if check_weights:
        check_weights_fit(folder)
    return folder


def load_validated(folder: ModelFolder, **kwargs):
    """The folder's model, loaded by its standard class: offline, safetensors only, never the
    folder's code; transformers' loading report must be clean. ``kwargs`` go to ``from_pretrained``
    (``dtype`` ...). Raises :class:`ModelError`."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    cls = folder.model_class
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar on the terminal
    try:
        config = cls.config_class.from_dict(dict(folder.config))
        model, info = cls.from_pretrained(folder.path, config=config, local_files_only=True, use_safetensors=True,
                                          trust_remote_code=False, output_loading_info=True, **kwargs)
    except ModelError:
        raise
    except Exception as exc:  # corrupt or truncated weights, or a broken installation ...
        from .loading import _install_error, broken_dependency

        if broken_dependency(exc):  # another package's own code failed: not the folder's fault
            raise _install_error(folder.path, exc) from None
        msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelError(folder.path, f"the weights could not be loaded ({type(exc).__name__}: {msg})") from None
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    problems = {k: v for k, v in (info or {}).items()
                if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    if problems:
        detail = "; ".join(f"{k.replace('_', ' ')}: {_names(str(x) for x in v)}" for k, v in problems.items())
        raise ModelError(folder.path, f"{WEIGHTS_FILE} does not fit the model ({detail})")
    return model
