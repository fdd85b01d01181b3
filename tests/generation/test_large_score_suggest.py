"""Suggestions on the 20-minute, 20,000-note piece (issue 6): the model sees a window of context.

The prompt is left-truncated to the model's window, and only the bars that can reach the prompt
are tokenized (``Prompt.encoded_bars``), yet it is the same prompt the whole piece's encoding gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from composer_app.generation.types import SuggestionRequest, SuggestionSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for benchmarks/
from benchmarks.large_score import BAR, big_piece  # noqa: E402


@pytest.fixture(scope="module")
def piece():
    return big_piece()


def _reference(tok, score, prompt, max_len, reserve):
    """The prompt from the *whole* piece's encoding, left-truncated the same way."""
    full = tok.encode_piece(score)
    a, r0 = prompt.context_first_bar, prompt.first_bar
    ids = tok.header(full, prompt.task, a) + tok.render_bars(full, a, r0)
    if prompt.task == "chords":
        ids += [tok.chd_id]
    # and the context is as long as the budget allows: one more bar would not fit
    longer = len(ids) + len(tok.render_bar(full.bar(a - 1))) if a > 0 else None
    return ids, longer


@pytest.mark.parametrize("where", ["end", "middle"])
def test_suggestion_at_the_end_and_middle_of_the_big_piece(engine, piece, monkeypatch, where):
    tok, max_len = engine.tok, engine.loaded.max_len
    prompts = []
    real = tok.build_prompt

    def spy(*args, **kwargs):
        prompts.append((real(*args, **kwargs), kwargs))
        return prompts[-1][0]

    monkeypatch.setattr(tok, "build_prompt", spy)
    region = None if where == "end" else (299 * BAR, 300 * BAR)
    settings = SuggestionSettings(candidates=3, bars=2, seed=5)
    cands = engine.generate(SuggestionRequest(1, piece, settings, region))
    assert cands and all(c.notes or c.chords for c in cands)
    first = 600 if where == "end" else 300
    assert all(first * BAR <= n.start < (first + 2) * BAR for c in cands for n in c.notes)
    [(prompt, kwargs)] = prompts
    assert prompt.first_bar == first and prompt.n_bars == 2
    # within the model's window, with room left for the answer
    assert len(prompt.ids) + kwargs["reserve"] <= max_len
    # built from a window of the piece: the context is cut from the left, and only the bars that
    # could reach the prompt were tokenized
    assert 0 < prompt.context_first_bar < prompt.first_bar
    w0, w1 = prompt.encoded_bars
    assert w0 <= prompt.context_first_bar and w1 - w0 < 600 // 2 and w1 >= prompt.first_bar + 2
    ids, longer = _reference(tok, piece, prompt, max_len, kwargs["reserve"])
    assert prompt.ids == ids
    assert longer is None or longer > max_len - kwargs["reserve"]


@pytest.mark.parametrize("task", ["continue", "chords", "harmonize", "infill"])
def test_windowed_prompt_equals_the_whole_piece_prompt(engine, piece, task):
    """Every task's prompt from the window equals the one from encoding all 600 bars."""
    tok = engine.tok
    full_tok = type(tok)(tok.vocab)
    whole = full_tok.encode_piece
    full_tok.encode_piece = lambda score, window=None: whole(score)  # ignore the window
    for bar, max_len in ((431, 1024), (599, 256), (3, 512)):
        start, end = bar * BAR, (bar + 2) * BAR
        a = tok.build_prompt(piece, task, start, end, max_len=max_len)
        b = full_tok.build_prompt(piece, task, start, end, max_len=max_len)
        assert a.ids == b.ids and a.context_first_bar == b.context_first_bar
        assert a.encoded_bars[1] - a.encoded_bars[0] <= max_len + 8
