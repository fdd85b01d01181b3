"""Fuzz suite set-up: a scratch folder per test module and, with ``FUZZ_STATS=path``, the outcome
counts of the run written as JSON at the end (the long run's report; see README.md here)."""

from __future__ import annotations

import json
import os

from fuzz_contract import ERROR_REASONS, STATS


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("FUZZ_STATS")
    if out and STATS:
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"counts": dict(sorted(STATS.items())),
                       "error_reasons": {k: dict(v.most_common()) for k, v in sorted(ERROR_REASONS.items())}},
                      f, indent=1, ensure_ascii=False)


def pytest_collection_modifyitems(config, items):
    """A long run (``FUZZ_EXAMPLES`` set) may take longer per test than pytest-timeout's limit in
    pyproject.toml; each example keeps its own watchdog (fuzz_contract.time_limit)."""
    if os.environ.get("FUZZ_EXAMPLES"):
        import pytest

        for item in items:
            if "tests/fuzz" in str(item.fspath).replace("\\", "/"):
                item.add_marker(pytest.mark.timeout(0))
