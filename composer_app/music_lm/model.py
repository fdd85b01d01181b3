"""Model configurations and saving a complete Hugging Face model directory.

A model directory holds ``config.json`` + ``model.safetensors`` (a ``transformers`` Llama causal
LM), ``generation_config.json``, the Hugging Face tokenizer files (``tokenizer.json``: a
``tokenizers`` WordLevel model over the token strings, so ``AutoTokenizer`` works too), and
``music_vocab.json`` (the lead-sheet vocabulary config, checked when loading).
"""

from __future__ import annotations

import json
from pathlib import Path

from .tokenizer import MusicTokenizer

#: name -> (hidden size, layers, heads, MLP size). ``default`` is the bundled model's shape.
SIZES = {
    "tiny": (32, 2, 2, 64),
    "small": (128, 3, 4, 384),
    "default": (192, 4, 4, 768),
    "large": (256, 6, 4, 1024),
}


def make_config(tok: MusicTokenizer, size: str = "default", max_len: int = 512):
    from transformers import LlamaConfig

    if size not in SIZES:
        raise ValueError(f"unknown model size {size!r}; choose one of {', '.join(SIZES)}")
    hidden, layers, heads, mlp = SIZES[size]
    return LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden, intermediate_size=mlp, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max(max_len, 1024),
        rope_theta=10000.0, tie_word_embeddings=True, bos_token_id=tok.bos_id, eos_token_id=tok.eos_id,
        pad_token_id=tok.pad_id, attention_dropout=0.0,
    )


def hf_tokenizer(tok: MusicTokenizer):
    """A ``PreTrainedTokenizerFast`` over the same ids (token strings separated by spaces)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel(vocab=dict(tok.vocab.index), unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<bos>", eos_token="<eos>",
                                   pad_token="<pad>", unk_token="<unk>", model_max_length=1024)


def save_model_dir(model, tok: MusicTokenizer, out: str | Path, info: dict | None = None) -> Path:
    """Write a complete, loadable model directory (weights as safetensors)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.vocab.save(out)
    hf_tokenizer(tok).save_pretrained(out)
    if info is not None:
        (out / "training_info.json").write_text(json.dumps(info, indent=1, default=str), encoding="utf-8")
    return out


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())
