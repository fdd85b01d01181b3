"""Training and fine-tuning with the Hugging Face ``Trainer``.

``train(TrainOptions(...))`` parses the data (cached), splits it by title, draws mixed-task
examples with transposition (training split only), and runs ``transformers.Trainer``: progress
bar, validation loss, checkpoints in ``OUT/checkpoints`` (``resume=True`` continues from the
last one), and after every checkpoint and at the end a complete, loadable model directory in
``OUT``. ``from_dir`` fine-tunes an existing model (its vocabulary is kept) on new data, e.g. a
composer's own files.

Because it is the plain ``Trainer``, the same command runs on several GPUs or machines:
``accelerate launch -m composer_app train ...`` or ``torchrun --nproc_per_node 4 -m composer_app train ...``.
"""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import ComposerError, DataError
from .corpus import collect_files, load_corpus, split_by_title
from .tokenizer import EncodedPiece, MusicTokenizer


@dataclass
class TrainOptions:
    data: list[str] = field(default_factory=list)
    out: str = "runs/model"
    from_dir: str | None = None
    music21_corpus: bool = False
    size: str = "default"
    max_len: int = 512
    batch_size: int = 16
    grad_accum: int = 1
    lr: float = 2e-3
    warmup_steps: int = 100
    max_steps: int = 2000
    time_budget_min: float | None = None  # stop (and save) after this many minutes
    eval_steps: int = 200
    save_steps: int = 200
    valid_fraction: float = 0.1
    seed: int = 0
    cache: str | None = None
    workers: int = 1
    reparse: bool = False
    resume: bool = False
    threads: int = 1
    progress: bool = True
    task_mix: dict[str, float] | None = None  # layout shares; default dataset.DEFAULT_TASK_MIX
    harmonize_answer_loss: bool = False  # harmonize examples: loss on the chord answer only


def encode_pieces(tok: MusicTokenizer, pieces) -> list[EncodedPiece]:
    out = []
    for p in pieces:
        if not p.score.tracks or not p.score.tracks[0].notes:
            continue
        enc = tok.encode_piece(p.score)
        if any("not in vocabulary" in i or "beyond the longest bar" in i for i in enc.issues):
            continue
        enc.title = p.title
        out.append(enc)
    return out


def prepare_data(opts: TrainOptions, tok: MusicTokenizer):
    """(train pieces, validation pieces, summary dict). Raises :class:`DataError` when there is nothing."""
    sources = collect_files(opts.data, opts.music21_corpus)
    pieces, errors = load_corpus(sources, opts.cache, opts.workers, opts.progress, opts.reparse)
    if not pieces:
        first = f" (first error: {errors[0]})" if errors else ""
        raise DataError(f"no readable pieces in {', '.join(map(str, opts.data)) or 'the data'}{first}")
    train, valid = split_by_title(pieces, opts.valid_fraction, opts.seed)
    if not train:  # tiny fine-tuning sets: train on everything, validate on nothing
        train, valid = pieces, []
    enc_train, enc_valid = encode_pieces(tok, train), encode_pieces(tok, valid)
    if not enc_train:
        raise DataError("none of the pieces has a melody the tokenizer can represent")
    count = lambda ps: sum(len(tok.layout(p, "continue", 0, 0, p.n_bars)) for p in ps)  # noqa: E731
    summary = {
        "source_files": len(sources), "pieces": len(pieces), "unreadable": len(errors),
        "train_pieces": len(enc_train), "valid_pieces": len(enc_valid),
        "train_tokens": count(enc_train), "valid_tokens": count(enc_valid),
        "groups": _group_counts(sources),
    }
    return enc_train, enc_valid, summary


def _group_counts(sources) -> dict:
    out: dict[str, int] = {}
    for s in sources:
        out[s.group] = out.get(s.group, 0) + 1
    return out


def check_training_dependencies() -> None:
    """The ``Trainer`` needs ``accelerate``, which only the ``train`` extra installs (the app does
    not need it): say what to install instead of failing inside transformers."""
    try:
        import accelerate  # noqa: F401
    except ImportError:
        raise ComposerError("training needs the Python package 'accelerate', which is not installed (the "
                            "app does not need it): pip install 'composer-app[train]', or in a checkout "
                            ".venv/bin/pip install -e '.[train]'") from None


def train(opts: TrainOptions) -> dict:
    """Run training; returns a summary (also saved as ``training_info.json`` in the output folder)."""
    check_training_dependencies()
    import torch

    if opts.threads:
        torch.set_num_threads(opts.threads)
    from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments
    from transformers.utils import logging as hf_logging

    from .dataset import DEFAULT_TASK_MIX, Collator, FixedSequences, TrainingSequences
    from .loading import check_model_dir
    from .model_folder import CAUSAL_LM_ARCHITECTURES, load_validated, validate_model_folder
    from .model import count_parameters, make_config, save_model_dir

    hf_logging.set_verbosity_error()
    out = Path(opts.out)
    if opts.from_dir:
        vocab = check_model_dir(opts.from_dir)
        tok = MusicTokenizer(vocab)
    else:
        tok = MusicTokenizer()
    t0 = time.time()
    train_pieces, valid_pieces, data_summary = prepare_data(opts, tok)
    parse_s = time.time() - t0
    if opts.from_dir:
        # The same checks as loading for suggestions: never the folder's code, weights that fit.
        model = load_validated(validate_model_folder(opts.from_dir, CAUSAL_LM_ARCHITECTURES))
    else:
        torch.manual_seed(opts.seed)
        model = AutoModelForCausalLM.from_config(make_config(tok, opts.size, opts.max_len))
    n_params = count_parameters(model)
    per_epoch = max(opts.batch_size, len(train_pieces) * 4)
    train_ds = TrainingSequences(tok, train_pieces, opts.max_len, per_epoch, seed=opts.seed,
                                 task_mix=opts.task_mix or DEFAULT_TASK_MIX,
                                 harmonize_answer_loss=opts.harmonize_answer_loss)
    valid_ds = FixedSequences(tok, valid_pieces, opts.max_len) if valid_pieces else None
    cuda = torch.cuda.is_available()
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"), per_device_train_batch_size=opts.batch_size,
        per_device_eval_batch_size=opts.batch_size, gradient_accumulation_steps=opts.grad_accum,
        learning_rate=opts.lr, weight_decay=0.01, warmup_steps=opts.warmup_steps, lr_scheduler_type="cosine",
        max_steps=opts.max_steps, logging_steps=max(1, min(50, opts.eval_steps // 4)),
        eval_strategy="steps" if valid_ds is not None else "no", eval_steps=opts.eval_steps,
        save_strategy="steps", save_steps=opts.save_steps, save_total_limit=2, seed=opts.seed,
        dataloader_num_workers=0, remove_unused_columns=False, report_to="none",
        disable_tqdm=not opts.progress, use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(),
        max_grad_norm=1.0, adam_beta2=0.98, logging_first_step=True, prediction_loss_only=True,
    )
    info = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"), "options": asdict(opts), "data": data_summary,
        "parameters": n_params, "hardware": _hardware(cuda, opts.threads), "parse_seconds": round(parse_s, 1),
    }
    state: dict[str, Any] = {"t_train": None}

    class ExportAndBudget(TrainerCallback):
        """Writes a loadable model folder at each checkpoint; stops when the time budget is spent."""

        def on_train_begin(self, args_, st, control, **kw):
            state["t_train"] = time.time()

        def on_step_end(self, args_, st, control, **kw):
            if opts.time_budget_min and time.time() - state["t_train"] > opts.time_budget_min * 60:
                control.should_training_stop = True
                control.should_save = True
            return control

        def on_save(self, args_, st, control, model=None, **kw):
            if model is not None:
                info.update(_progress_info(st, state["t_train"]))
                save_model_dir(model, tok, out, info)

    optimizers = (None, None)
    if opts.time_budget_min:
        optimizers = _time_schedule(model, args, opts, state)
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=valid_ds,
                      data_collator=Collator(tok.pad_id), callbacks=[ExportAndBudget()], optimizers=optimizers)
    resume = opts.resume and any((out / "checkpoints").glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    info.update(_progress_info(trainer.state, state["t_train"]))
    if valid_ds is not None:
        info["final_eval_loss"] = trainer.evaluate()["eval_loss"]
    trainer.save_model(str(out / "checkpoints" / "last"))
    save_model_dir(trainer.model, tok, out, info)
    return info


class _Budgeted(Protocol):
    warmup_steps: int
    time_budget_min: float | None


def _time_schedule(model, args, opts: _Budgeted, state: dict):
    """With a time budget the step count is unknown: linear warm-up by steps, then a cosine decay
    over the *elapsed fraction of the budget* (to 5% of the peak), so a run ends cooled down."""
    import torch

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    other = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": other, "weight_decay": 0.0}],
                            lr=args.learning_rate, betas=(args.adam_beta1, args.adam_beta2), eps=args.adam_epsilon)
    assert opts.time_budget_min, "the time schedule needs a time budget"
    budget = opts.time_budget_min * 60

    def factor(step: int) -> float:
        if step < opts.warmup_steps:
            return (step + 1) / opts.warmup_steps
        t0 = state.get("t_train") or time.time()
        frac = min(1.0, (time.time() - t0) / budget)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


def _progress_info(st, t_train) -> dict:
    evals = [{"step": h["step"], "eval_loss": round(h["eval_loss"], 4)} for h in st.log_history if "eval_loss" in h]
    losses = [{"step": h["step"], "loss": round(h["loss"], 4)} for h in st.log_history if "loss" in h]
    return {"steps": st.global_step, "train_seconds": round(time.time() - (t_train or time.time()), 1),
            "eval_history": evals, "last_train_loss": losses[-1] if losses else None,
            "eval_loss": evals[-1]["eval_loss"] if evals else None}


def _hardware(cuda: bool, threads: int) -> str:
    import torch

    if cuda:
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    return f"CPU {platform.processor() or platform.machine()}, {threads} thread(s) of {os.cpu_count()} cores"

