"""Tokenizer round trip over the whole shared corpus (slow: parses ~1,100 pieces with music21)."""

from __future__ import annotations

import json
import os

import pytest

from composer_app.music_lm.corpus import collect_files, is_validation, load_corpus, split_by_title, title_key
from composer_app.music_lm.tokenizer import MusicTokenizer, roundtrip_report


def test_title_split_keeps_settings_together():
    from composer_app.music_lm.corpus import Piece
    from composer_app.score import Score

    titles = ["The Bonnie Kate", "Bonnie Kate (2nd setting)", "bonnie kate", "Bonnie Kate, The"]
    assert len({title_key(t) for t in titles}) == 1
    names = [f"Tune {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}" for i in range(400)]
    pieces = [Piece(n, n, Score()) for n in names] + [Piece(t, t, Score()) for t in titles]
    train, valid = split_by_title(pieces, 0.1)
    assert 20 < len(valid) < 60  # about 10 %
    sides = {is_validation(t) for t in titles}
    assert len(sides) == 1


@pytest.mark.slow
def test_round_trip_over_the_shared_corpus(shared_data, tmp_path):
    cache = os.environ.get("COMPOSER_APP_CORPUS_CACHE") or tmp_path / "parsed"  # reuse a warm cache if given
    pieces, errors = load_corpus(collect_files([shared_data]), cache, workers=2, progress=False)
    assert not errors
    tok = MusicTokenizer()
    groups = {"nottingham": [], "openewld": []}
    for p in pieces:
        groups["nottingham" if "nottingham" in p.source else "openewld"].append(p)
    reports = {g: roundtrip_report(tok, ps) for g, ps in groups.items()}
    print(json.dumps(reports, indent=1))  # the fractions and the reasons, for the record
    assert reports["nottingham"]["pieces"] >= 900 and reports["openewld"]["pieces"] >= 150
    for g, r in reports.items():
        assert r["exact_fraction"] >= 0.97, (g, r["reasons"])
        # Every inexact piece is explained by something the encoder noted (no silent losses).
        assert "(no encoder note)" not in r["reasons"], (g, r["examples"])


TUNE = """X:1
T:Cache test
M:4/4
L:1/4
K:C
"C"CDEF|"G"GABc|]
"""


def test_the_parse_cache_is_keyed_by_the_readers_version(tmp_path, monkeypatch):
    """A reader change (``formats.READERS_VERSION``) must re-parse: never train on stale pieces."""
    from composer_app import formats

    tune = tmp_path / "tune.abc"
    tune.write_text(TUNE)
    cache = tmp_path / "cache"
    first, _ = load_corpus(collect_files([tune]), cache, progress=False)
    assert len(first) == 1 and len(list(cache.glob("*.pkl"))) == 1
    load_corpus(collect_files([tune]), cache, progress=False)
    assert len(list(cache.glob("*.pkl"))) == 1  # the same readers: the cached entry is used
    monkeypatch.setattr(formats, "READERS_VERSION", formats.READERS_VERSION + "-next")
    again, _ = load_corpus(collect_files([tune]), cache, progress=False)
    assert len(list(cache.glob("*.pkl"))) == 2  # parsed again under a new key
    assert [p.title for p in again] == [p.title for p in first]


def test_a_cached_piece_names_its_file_as_the_caller_spelt_it(tmp_path, monkeypatch):
    """The cache is keyed by the resolved path; a piece read back through another spelling of it
    (relative, then absolute) must carry that spelling, or its collection is looked up in vain
    (``evaluate`` then reported every held-out piece under "user")."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "tune.abc").write_text(TUNE + "\n" + TUNE.replace("X:1", "X:2"))
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    relative = collect_files(["data"])
    first, _ = load_corpus(relative, cache, progress=False)
    assert [p.source for p in first] == [f"{relative[0].path}#X1", f"{relative[0].path}#X2"]
    absolute = collect_files([folder])
    again, _ = load_corpus(absolute, cache, progress=False)
    assert len(list(cache.glob("*.pkl"))) == 1  # the cached entry was used
    assert [p.source for p in again] == [f"{absolute[0].path}#X1", f"{absolute[0].path}#X2"]
    assert str(relative[0].path) != str(absolute[0].path)
