"""Loading a model directory (the bundled default or any local one), offline, with clear errors.

``load_model(path=None, device="auto")`` returns a :class:`LoadedModel`: the ``transformers``
model in eval mode, the :class:`MusicTokenizer` built from the directory's ``music_vocab.json``,
the device and a display name. CUDA runs in half precision (bfloat16 where supported); the CPU
path uses one thread by default (the machine is shared with the GUI and playback). A missing or
corrupt directory, an incompatible vocabulary or an unavailable device raise
:class:`~composer_app.errors.ModelError` naming the path and the problem.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DeviceError, InstallError, ModelError
from ..paths import default_harmonizer_dir, default_model_dir
from .model_folder import (CAUSAL_LM_ARCHITECTURES, ModelFolder, check_weights_fit, load_validated,
                           read_folder_file, validate_model_folder)
from .tokenizer import MusicTokenizer
from .vocab import VOCAB_FILE, Vocabulary



@dataclass
class LoadedModel:
    model: Any  # transformers PreTrainedModel, eval mode, on ``device``
    tokenizer: MusicTokenizer
    device: str  # "cpu" or "cuda"
    name: str  # directory name, or the model card's name
    path: Path
    dtype: str = "float32"
    #: The bidirectional chord model that harmonizes melodies (``None``: not available, see
    #: ``harmonizer_problem``; harmonizing then falls back to the language model).
    harmonizer: Any = None  # a harmonizer.runtime.LoadedHarmonizer, or None
    harmonizer_problem: str | None = None
    #: Longest sequence the model was trained on (``training_info.json``); prompts never exceed it.
    trained_len: int | None = None

    @property
    def max_len(self) -> int:
        positions = int(getattr(self.model.config, "max_position_embeddings", 1024))
        return min(positions, self.trained_len) if self.trained_len else positions


def check_model_dir(path: str | Path) -> Vocabulary:
    """Cheap checks without torch, before anything of the folder is used (see
    :mod:`.model_folder`): no code of its own, a supported architecture, regular files, a sane
    weights header and a compatible vocabulary."""
    return _vocabulary(validate_model_folder(path, CAUSAL_LM_ARCHITECTURES, required_files=(VOCAB_FILE,),
                                             check_weights=False))


def _vocabulary(folder: ModelFolder) -> Vocabulary:
    vocab = Vocabulary.load(folder.path)
    if folder.config.get("vocab_size") != len(vocab):
        raise ModelError(folder.path, f"incompatible vocabulary: the model has {folder.config.get('vocab_size')} "
                                      f"token embeddings but {VOCAB_FILE} has {len(vocab)} tokens")
    return vocab


def resolve_device(device: str = "auto") -> str:
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceError("cuda", "no CUDA graphics card is available on this computer: run the model on the CPU "
                                  "(Assistant > Device > CPU in the editor, --device cpu on the command line)")
    if device not in ("cpu", "cuda"):
        raise DeviceError(device, f"unknown device '{device}' (choose auto, cpu or cuda)")
    return device


#: Packages that read the model folder: an error raised inside them is about the folder's files.
_MODEL_READERS = frozenset({"transformers", "safetensors", "torch", "huggingface_hub", "tokenizers", "composer_app"})


def broken_dependency(exc: BaseException) -> str | None:
    """The installed package whose own code failed, or None when the model files are to blame.

    An ``ImportError`` names the missing module; otherwise the innermost frame of the traceback
    outside the standard library tells whose code raised: inside transformers, safetensors or torch
    it is about the folder's files, inside any other package (``kernels`` missing its data file)
    it is a broken installation.
    """
    if isinstance(exc, ImportError):
        return exc.name or str(exc) or type(exc).__name__
    tb, owner = exc.__traceback__, None
    while tb is not None:
        top = str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0]
        if top and top not in sys.stdlib_module_names and top != "__main__":
            owner = top
        tb = tb.tb_next
    return owner if owner is not None and owner not in _MODEL_READERS else None


def _install_error(path: Path, exc: BaseException) -> InstallError:
    text = str(exc).strip()
    msg = text.splitlines()[0][:200] if text else type(exc).__name__
    return InstallError(path, f"cannot be loaded because the installed Python package '{broken_dependency(exc)}' "
                            f"failed ({type(exc).__name__}: {msg}); the model files are not the problem: the "
                            "installation is incomplete, reinstall the app (or that package)")


def load_model(path: str | Path | None = None, device: str = "auto", threads: int | None = 1) -> LoadedModel:
    """Load a model folder (default: the bundled model) for inference; raise :class:`ModelError` on failure."""
    p = Path(path) if path else default_model_dir()
    folder = validate_model_folder(p, CAUSAL_LM_ARCHITECTURES, required_files=(VOCAB_FILE,), check_weights=False)
    vocab = _vocabulary(folder)
    try:
        import torch
    except ImportError as exc:
        raise _install_error(p, exc) from None

    dev = resolve_device(device)  # before the weights: a missing device is said at once
    check_weights_fit(folder)
    if dev == "cpu" and threads:
        torch.set_num_threads(threads)
    dtype = torch.float32
    if dev == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    model = load_validated(folder, dtype=dtype)
    if model.get_input_embeddings().weight.shape[0] != len(vocab):
        raise ModelError(p, "incompatible vocabulary: embedding size differs from music_vocab.json")
    model.to(dev).eval()
    name = _card_name(p)
    loaded = LoadedModel(model, MusicTokenizer(vocab), dev, name, p, str(dtype).replace("torch.", ""),
                         trained_len=_trained_len(p))
    loaded.harmonizer, loaded.harmonizer_problem = _load_harmonizer(p, dev)
    return loaded


def _card_name(p: Path) -> str:
    """The model card's first heading (``README.md``), or the folder's name."""
    try:
        text = read_folder_file(p, "README.md").decode("utf-8", errors="replace")
    except ModelError:  # no card, or not a regular file
        return p.name
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), p.name)


def _trained_len(p: Path) -> int | None:
    """``max_len`` of the training run that made the folder (``training_info.json``), if recorded."""
    info = p / "training_info.json"
    try:
        if info.is_file() and info.stat().st_size < (1 << 22):
            value = json.loads(info.read_text(encoding="utf-8")).get("options", {}).get("max_len")
            return int(value) if isinstance(value, int) and value > 0 else None
    except (OSError, ValueError, AttributeError):
        return None
    return None


def harmonizer_dir_for(model_dir: Path) -> Path:
    """A model folder's own ``harmonizer/`` if it has one, else the bundled harmonizer."""
    own = Path(model_dir) / "harmonizer"
    return own if own.is_dir() else default_harmonizer_dir()


def _load_harmonizer(model_dir: Path, device: str):
    from .harmonizer.runtime import load_harmonizer

    path = harmonizer_dir_for(model_dir)
    try:
        return load_harmonizer(path, device), None
    except ModelError as exc:
        return None, str(exc)
