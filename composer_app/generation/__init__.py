"""Suggestions: the sampling engine (no Qt, ``engine.py``) and its long-lived Qt worker (``worker.py``)."""

from .types import TASKS, Candidate, SuggestionRequest, SuggestionSettings

__all__ = ["TASKS", "Candidate", "SuggestionRequest", "SuggestionSettings"]
