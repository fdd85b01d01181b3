"""One call to a causal model with its key/value cache: the single place that knows the API.

Every decode loop (the suggestion engine, the joint-likelihood and fused harmonizers, greedy
evaluation) goes through :func:`step`, so when ``transformers`` renames its cache argument
(``past_key_values`` became ``cache`` in 5.x and the old name goes away in 5.40) only this
module changes.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=8)
def _cache_kwarg(forward_cls: Any) -> str:  # a model class
    params = inspect.signature(forward_cls.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def step(model, input_ids, cache=None, attention_mask=None):
    """Run ``model`` on ``input_ids`` after ``cache`` (``None``: from the start).

    Returns ``(logits, cache)``: the logits of every position given, and the cache to pass next.
    """
    kwargs = {"input_ids": input_ids, "use_cache": True}
    if attention_mask is not None:
        kwargs["attention_mask"] = attention_mask
    if cache is not None:
        kwargs[_cache_kwarg(model.__class__)] = cache
    out = model(**kwargs)
    new = getattr(out, "cache", None)
    if new is None:
        new = getattr(out, "past_key_values", None)
    return out.logits, new
