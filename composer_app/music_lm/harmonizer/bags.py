"""Bags of token embeddings as a standard ``BertForTokenClassification``'s ``inputs_embeds``.

:func:`bag_tensors` pads the per-beat bags of several windows into ``(windows, beats, bag)``
id and weight tensors; :func:`embed_bags` turns them into input vectors with the model's own
embedding table (a weighted sum per beat); :class:`BagModel` wraps the classifier for the
``Trainer`` (the saved folder is the inner model's, a plain Hugging Face folder).
"""

from __future__ import annotations

import torch

from .labels import IGNORE


def bag_tensors(bag_lists, pad_id: int, labels=None):
    """``bag_lists``: one list of bags (``[(id, weight), ...]`` per beat) per window ->
    ``(ids, weights, attention mask[, labels])`` padded tensors."""
    n = len(bag_lists)
    T = max(len(b) for b in bag_lists)
    B = max((len(bag) for bags in bag_lists for bag in bags), default=1)
    ids = torch.full((n, T, B), pad_id, dtype=torch.long)
    w = torch.zeros((n, T, B), dtype=torch.float32)
    mask = torch.zeros((n, T), dtype=torch.long)
    for r, bags in enumerate(bag_lists):
        mask[r, :len(bags)] = 1
        for t, bag in enumerate(bags):
            if bag:
                ids[r, t, :len(bag)] = torch.tensor([i for i, _ in bag])
                w[r, t, :len(bag)] = torch.tensor([x for _, x in bag])
    if labels is None:
        return ids, w, mask
    lab = torch.full((n, T), IGNORE, dtype=torch.long)
    for r, ls in enumerate(labels):
        lab[r, :len(ls)] = torch.tensor(ls, dtype=torch.long)
    return ids, w, mask, lab


def embed_bags(model, ids: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``(windows, beats, hidden)``: each beat's weighted sum of its tokens' embeddings."""
    table = model.get_input_embeddings().weight
    n, t, b = ids.shape
    flat = torch.nn.functional.embedding_bag(ids.reshape(n * t, b), table, per_sample_weights=weights.reshape(n * t, b),
                                             mode="sum")
    return flat.reshape(n, t, -1)


class BagModel(torch.nn.Module):
    """The classifier with bag inputs, for training (``Trainer`` calls it with the collated batch)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, bag_ids, bag_weights, attention_mask, labels=None):
        return self.model(inputs_embeds=embed_bags(self.model, bag_ids, bag_weights), attention_mask=attention_mask,
                          labels=labels)
