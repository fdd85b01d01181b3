"""Music LM speed on this machine (issue 3): training throughput and decoding with the KV cache.

* training: tokens/s of forward + backward + AdamW step, batch 16 x 512 tokens (the bundled
  model's training shape), for each model size;
* decoding: new tokens/s for 1 and 8 sequences sampled together with the KV cache after a
  256-token prompt (the bundled model when present, else a fresh model of the default size).

Run: ``.venv/bin/python -m benchmarks.lm_speed [--model DIR] [--threads 1] [--sizes tiny,default]``.
Timings on a shared machine are noisy: read the medians of the repeats and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def train_throughput(model, vocab: int, batch: int, length: int, steps: int) -> float:
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(8, vocab, (batch, length))
    loss = model(input_ids=x, labels=x).loss  # warm-up step
    loss.backward()
    opt.step()
    opt.zero_grad()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        model(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t)
    model.eval()
    return batch * length / statistics.median(times)


@torch.inference_mode()
def decode_speed(model, vocab: int, batch: int, prompt: int, new: int, repeats: int) -> float:
    rates = []
    for r in range(repeats):
        g = torch.Generator().manual_seed(r)
        x = torch.randint(8, vocab, (batch, prompt), generator=g)
        out = model(input_ids=x, use_cache=True)
        t = time.perf_counter()
        past = out.past_key_values
        logits = out.logits[:, -1]
        for _ in range(new):
            nxt = torch.multinomial(torch.softmax(logits.float(), -1), 1, generator=g)
            out = model(input_ids=nxt, past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[:, -1]
        rates.append(batch * new / (time.perf_counter() - t))
    return statistics.median(rates)


def main(argv=None) -> None:
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    from composer_app.errors import ModelError
    from composer_app.music_lm.loading import load_model
    from composer_app.music_lm.model import SIZES, count_parameters, make_config
    from composer_app.music_lm.tokenizer import MusicTokenizer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model folder for decoding (default: the bundled model)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sizes", default="small,default", help=f"training sizes to time ({', '.join(SIZES)})")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    hf_logging.set_verbosity_error()
    tok = MusicTokenizer()
    print(f"torch {torch.__version__}, {args.threads} thread(s)\n")
    print("| training (batch 16 x 512) | parameters | tokens/s |\n|---|---|---|")
    for size in args.sizes.split(","):
        torch.manual_seed(0)
        m = AutoModelForCausalLM.from_config(make_config(tok, size))
        print(f"| {size} | {count_parameters(m) / 1e6:.2f} M | {train_throughput(m, len(tok), 16, 512, args.steps):,.0f} |")
    try:
        lm = load_model(args.model, "cpu", threads=args.threads)
        model, name = lm.model, f"{lm.name} ({lm.path})"
    except ModelError as exc:
        print(f"\n({exc}; timing a fresh default-size model instead)")
        torch.manual_seed(0)
        model, name = AutoModelForCausalLM.from_config(make_config(tok, "default")).eval(), "fresh default size"
    print(f"\ndecoding with the KV cache, 256-token prompt, 64 new tokens: {name}, "
          f"{count_parameters(model) / 1e6:.2f} M parameters\n")
    print("| sequences | new tokens/s (all sequences) | per sequence |\n|---|---|---|")
    base = None
    for batch in (1, 8):
        rate = decode_speed(model, len(tok), batch, 256, 64, args.repeats)
        base = base or rate
        print(f"| {batch} | {rate:,.0f} | {rate / batch:,.0f} |")
    print(f"\nbatching 8 sequences gives {rate / base:.1f}x the tokens/s of one")


if __name__ == "__main__":
    main()
