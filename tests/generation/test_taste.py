"""The taste re-ranker learns from simulated composers' decisions (and would fail if it learned
nothing); its file and the decision log are read back with validation; "forget" deletes them; the
engine and ``suggest --profile`` apply it."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from composer_app.formats import write
from composer_app.generation import decisions, taste
from composer_app.generation.taste import TasteError, TasteModel, TasteProfile, features_of
from composer_app.generation.types import Candidate, SuggestionRequest, SuggestionSettings
from composer_app.score import Chord, ChordSymbol, Note

START, END = 8 * 1920, 10 * 1920  # two bars after the 8-bar lead sheet


def melody(rng: random.Random, step_share: float, n: int = 8) -> tuple[Note, ...]:
    """A line of ``n`` eighths whose intervals are steps with probability ``step_share``, else leaps."""
    p, out = 67, []
    for i in range(n):
        out.append(Note(p, START + i * 240, 240))
        move = rng.choice([1, 2]) if rng.random() < step_share else rng.choice([5, 7, 9])
        p = max(50, min(90, p + move * rng.choice([-1, 1])))
    return tuple(out)


def candidate(notes, chords=(), score=-2.0, task="continue") -> Candidate:
    return Candidate(rank=0, score=score, notes=tuple(notes), chords=tuple(chords),
                     note_confidence=tuple(0.3 for _ in notes), chord_confidence=tuple(0.5 for _ in chords),
                     region=(START, END), task=task, provenance={"model": "test", "seed": 0})


def stepwise_share(c: Candidate) -> float:
    p = [n.pitch for n in c.notes]
    iv = [abs(b - a) for a, b in zip(p, p[1:])]
    return sum(1 for x in iv if 1 <= x <= 2) / len(iv)


def random_set(rng, k: int = 4) -> list[Candidate]:
    return [candidate(melody(rng, rng.random()), score=rng.uniform(-3, -1)) for _ in range(k)]


def favourite(cands, utility) -> int:
    u = [utility(c) for c in cands]
    return u.index(max(u))


def hit_rate(model: TasteModel, sets, score, utility) -> float:
    hits = []
    for cands in sets:
        u = [utility(c) for c in cands]
        shown = model.rerank(cands, score)
        hits.append(utility(shown[0]) >= max(u) - 1e-9)
    return float(np.mean(hits))


def accept_then_measure(make, utility, score, seed: int, decisions: int = 20) -> tuple[TasteModel, float, float]:
    """A composer who accepts its favourite (``utility``) of ``decisions`` sets from ``make(rng)``;
    then how often rank 1 is its favourite on 60 other sets: learned, and in the base order."""
    rng = random.Random(seed)
    model = TasteModel()
    for _ in range(decisions):
        cands = make(rng)
        model.observe("accept", features_of(cands, score), favourite(cands, utility), "continue")
    test = [make(rng) for _ in range(60)]
    return model, hit_rate(model, test, score, utility), hit_rate(TasteModel(), test, score, utility)


def test_learns_a_stepwise_composer_from_20_accepts(lead_sheet):
    # the base order is the given one, here random
    model, learned, before = accept_then_measure(random_set, stepwise_share, lead_sheet, seed=7)
    assert learned >= 0.7, learned  # chance is 1/4
    assert learned >= before + 0.3
    assert "you prefer stepwise lines" in model.learned()
    assert "stepwise" in model.describe().lower()


def test_learns_a_composer_who_likes_wider_intervals_without_steps_or_octave_leaps(lead_sheet):
    """No line moves by step or by more than a fifth, so only how wide the intervals are tells the
    lines apart (the share of leaps over a fifth is 0 for all of them)."""
    def line(rng, wide_share):
        p, out = 67, []
        for i in range(8):
            out.append(Note(p, START + i * 240, 240))
            move = rng.choice([5, 7]) if rng.random() < wide_share else rng.choice([3, 4])
            p = max(50, min(90, p + move * rng.choice([-1, 1])))
        return tuple(out)

    def mean_interval(c):
        p = [n.pitch for n in c.notes]
        return float(np.mean([abs(b - a) for a, b in zip(p, p[1:])]))

    def make(rng):
        return [candidate(line(rng, rng.random()), score=rng.uniform(-3, -1)) for _ in range(4)]

    model, learned, before = accept_then_measure(make, mean_interval, lead_sheet, seed=11)
    assert learned >= 0.6, learned  # chance is 1/4
    assert learned >= before + 0.25
    assert "you like wide leaps" in model.learned()


def test_learns_from_rejects_of_the_leapiest_line(lead_sheet):
    rng = random.Random(8)
    model = TasteModel()
    for _ in range(25):
        cands = random_set(rng)
        model.observe("reject", features_of(cands, lead_sheet), favourite(cands, lambda c: -stepwise_share(c)))
    assert model.weights()[taste.FEATURES.index("stepwise")] > 0.5
    test = [random_set(rng) for _ in range(60)]
    # The rejected kind is rarely shown first any more.
    worst = [stepwise_share(model.rerank(c, lead_sheet)[0]) == min(map(stepwise_share, c)) for c in test]
    assert np.mean(worst) <= 0.1


def test_learns_seventh_chords_and_says_so(lead_sheet):
    rng = random.Random(9)
    model = TasteModel()
    bar = 1920

    def chords(n_sevenths):
        syms = ["G7", "Cmaj7", "Am7", "D7"][:n_sevenths] + ["G", "C", "Am", "D"][n_sevenths:]
        rng.shuffle(syms)
        return [Chord(ChordSymbol.parse(s), START + i * bar // 2, bar // 2) for i, s in enumerate(syms)]

    def sevenths(c):
        return sum(1 for ch in c.chords if "7" in str(ch.symbol)) / len(c.chords)

    def make_set():
        return [candidate(melody(rng, 0.6), chords(rng.randrange(5)), rng.uniform(-3, -1)) for _ in range(4)]

    for _ in range(20):
        cands = make_set()
        model.observe("accept", features_of(cands, lead_sheet), favourite(cands, sevenths), "continue")
    assert model.learned()[0] == "you keep seventh chords"
    assert hit_rate(model, [make_set() for _ in range(40)], lead_sheet, sevenths) >= 0.7


def test_a_composer_who_keeps_the_base_rank_1_keeps_the_base_order(lead_sheet):
    """Whose choices the base order already predicts (rank 1 kept 60 % of the time, else any) gets
    no taste learned from noise: the prequential test never trusts it, the order stays the base's."""
    for seed in range(5):
        rng = random.Random(100 + seed)
        model = TasteModel()
        for _ in range(30):
            cands = random_set(rng)
            pick = 0 if rng.random() < 0.6 else rng.randrange(1, 4)
            model.observe("accept", features_of(cands, lead_sheet), pick, "continue")
        assert model.decisions == 30 and not model.active, model.evidence
        assert not np.allclose(model.weights(), TasteModel().weights())  # it did learn something ...
        cands = random_set(rng)
        shown = model.rerank(cands, lead_sheet)  # ... but shows the base order
        assert [c.fingerprint() for c in shown] == [c.fingerprint() for c in cands]
        assert "that order stays" in model.describe()
        assert model.learned() == []


def test_a_clear_taste_is_trusted_within_a_few_decisions(lead_sheet):
    after = []
    for seed in range(5):
        rng = random.Random(200 + seed)
        model = TasteModel()
        for i in range(30):
            cands = random_set(rng)
            model.observe("accept", features_of(cands, lead_sheet), favourite(cands, stepwise_share), "continue")
            if model.active:
                after.append(i + 1)
                break
    assert len(after) == 5 and max(after) <= 8, after
    assert model.evidence > taste.TRUST_MARGIN


def test_no_decisions_is_exactly_the_base_order(lead_sheet):
    cands = random_set(random.Random(1))
    shown = TasteModel().rerank(cands, lead_sheet)
    assert [c.fingerprint() for c in shown] == [c.fingerprint() for c in cands]
    assert [c.provenance["base_rank"] for c in shown] == [1, 2, 3, 4]
    assert TasteModel().describe().startswith("Nothing learned yet")
    # A regeneration teaches no order (and an audition only a little).
    m = TasteModel()
    assert m.observe("regenerate", features_of(cands, lead_sheet), None, "continue") == 0
    assert np.allclose(m.weights(), TasteModel().weights())


def test_model_file_round_trip_and_validation(tmp_path, lead_sheet):
    rng = random.Random(3)
    model = TasteModel()
    for _ in range(5):
        cands = random_set(rng)
        model.observe("accept", features_of(cands, lead_sheet), 0, "continue")
    taste.save(model, tmp_path)
    again = taste.load(tmp_path)
    assert again.decisions == 5 and np.allclose(again.weights("continue"), model.weights("continue"), atol=1e-5)
    assert again.evidence == pytest.approx(model.evidence, abs=1e-5) and again.active == model.active
    path = taste.model_path(tmp_path)
    data = json.loads(path.read_text())
    older = {k: v for k, v in data.items() if k != "evidence"}  # written before the test existed
    path.write_text(json.dumps(older))
    assert taste.load(tmp_path).active  # its weights were in use: they stay in use
    path.write_text(json.dumps({**data, "evidence": "lots"}))
    with pytest.raises(TasteError, match="evidence"):
        taste.load(tmp_path)
    assert data["format"] == "composer-app-taste" and data["version"] == 1
    data["weights"]["shared"]["a_future_feature"] = 3.0  # unknown names are ignored
    path.write_text(json.dumps(data))
    assert taste.load(tmp_path).decisions == 5
    for bad in ("{not json", json.dumps({"format": "other"}), json.dumps({**data, "version": 99}),
                json.dumps({**data, "weights": {"shared": {"stepwise": "x"}}}),
                json.dumps({**data, "decisions": -1}), "[1, 2]"):
        path.write_text(bad)
        with pytest.raises(TasteError, match="taste.json"):
            taste.load(tmp_path)
    data["weights"]["shared"]["stepwise"] = float("inf")
    path.write_text(json.dumps(data))  # Infinity
    with pytest.raises(TasteError):
        taste.load(tmp_path)
    path.write_bytes(b" " * (taste.MAX_FILE_BYTES + 1))
    with pytest.raises(TasteError, match="too large"):
        taste.load(tmp_path)


def test_log_round_trip_malformed_lines_and_replay(tmp_path, lead_sheet):
    rng = random.Random(4)
    log = decisions.log_path(tmp_path)
    online = TasteModel()
    for i in range(6):
        cands = [replace(c, rank=j + 1) for j, c in enumerate(random_set(rng))]
        decision = ("accept", "reject", "audition", "accept_partial", "regenerate", "accept")[i]
        chosen = None if decision == "regenerate" else cands[i % 4]
        line = decisions.record(decision, chosen, lead_sheet, shown=cands, path=log,
                                kept_note_ids=[chosen.notes[0].id] if decision == "accept_partial" else None)
        taste.learn(online, line)
    with log.open("a") as f:
        f.write("not json at all\n[1, 2, 3]\n" + json.dumps({"decision": "shrug"}) + "\n")
        f.write(json.dumps({"time": "x", "decision": "accept", "candidate": {}}) + "\n")  # a version-1 line
        f.write('{"v": 2, "decision": "accept", "shown": [{"feat')  # torn by a crash
    entries = decisions.read(log)
    assert [e["decision"] for e in entries] == ["accept", "reject", "audition", "accept_partial", "regenerate",
                                                "accept", "accept"]
    first = entries[0]
    assert first["v"] == 2 and len(first["shown"]) == 4 and first["chosen"] == 0
    assert set(first["shown"][0]) == {"rank", "base_rank", "fingerprint", "score", "features"}
    assert set(first["shown"][0]["features"]) == set(taste.FEATURES)
    assert first["candidate"]["notes"] and first["task"] == "continue" and first["model"] == "test"
    assert entries[3]["kept_notes"] == [0] and entries[4]["chosen"] is None and "candidate" not in entries[4]
    replayed = taste.replay(entries)
    assert replayed.decisions == 6  # the version-1 line teaches nothing
    assert np.allclose(replayed.weights("continue"), online.weights("continue"), atol=1e-4)
    # Reads are bounded: a huge line is skipped, the rest still read.
    with log.open("a") as f:
        f.write("\n" + json.dumps({"decision": "accept", "pad": "x" * (decisions.MAX_LINE_BYTES + 10)}) + "\n")
    assert len(decisions.read(log)) == 7


def test_profile_decide_learns_saves_and_forget_deletes(tmp_path, lead_sheet):
    rng = random.Random(5)
    prof = TasteProfile(tmp_path / "profile")
    for _ in range(4):
        cands = random_set(rng)
        prof.decide("accept", cands[favourite(cands, stepwise_share)], cands, lead_sheet)
    assert taste.model_path(prof.folder).is_file() and decisions.log_path(prof.folder).is_file()
    assert TasteProfile(prof.folder).model.decisions == 4  # read back from the file
    off = TasteProfile(prof.folder, learning=False)
    assert off.reranker() is None
    cands = random_set(rng)
    off.decide("accept", cands[0], cands, lead_sheet)
    assert off.model.decisions == 4 and len(decisions.read(decisions.log_path(prof.folder))) == 5
    gone = prof.forget()
    assert sorted(p.name for p in gone) == ["decisions.jsonl", "taste.json"]
    assert not taste.model_path(prof.folder).exists() and not decisions.log_path(prof.folder).exists()
    assert prof.model.decisions == 0 and TasteProfile(prof.folder).model.decisions == 0
    taste.model_path(prof.folder).write_text("{broken")
    assert "cannot be read" in TasteProfile(prof.folder).problem


def learned_stepwise_model(lead_sheet) -> TasteModel:
    rng = random.Random(11)
    model = TasteModel()
    for _ in range(20):
        cands = random_set(rng)
        model.observe("accept", features_of(cands, lead_sheet), favourite(cands, stepwise_share), "continue")
    return model


def test_engine_applies_the_taste_on_top_of_its_ranking(engine, lead_sheet):
    settings = SuggestionSettings(task="continue", candidates=4, seed=3)
    base = engine.generate(SuggestionRequest(1, lead_sheet, settings))
    same = engine.generate(SuggestionRequest(2, lead_sheet, settings, taste=TasteModel()))
    assert [c.fingerprint() for c in same] == [c.fingerprint() for c in base]
    model = learned_stepwise_model(lead_sheet)
    got = engine.generate(SuggestionRequest(3, lead_sheet, settings, taste=model))
    # A learned taste chooses the four among the engine's first TASTE_CHOICE of its pool.
    from composer_app.generation.engine import TASTE_CHOICE

    pool = engine.generate(SuggestionRequest(4, lead_sheet, replace(settings, candidates=engine.pool)))
    assert [c.fingerprint() for c in pool[:4]] == [c.fingerprint() for c in base]
    want = model.rerank(pool[:TASTE_CHOICE], lead_sheet)[:4]
    assert [c.fingerprint() for c in got] == [c.fingerprint() for c in want]
    assert [c.rank for c in got] == list(range(1, len(got) + 1))
    assert all(1 <= c.provenance["base_rank"] <= TASTE_CHOICE for c in got)
    assert np.mean([stepwise_share(c) for c in got]) >= np.mean([stepwise_share(c) for c in base])


def test_suggest_profile(tmp_path, tiny_model_dir, lead_sheet):
    mid = tmp_path / "tune.mid"
    write(lead_sheet, mid)
    prof = tmp_path / "profile"
    taste.save(learned_stepwise_model(lead_sheet), prof)

    def run(*extra):
        proc = subprocess.run([sys.executable, "-m", "composer_app", "suggest", str(mid), "--model",
                               str(tiny_model_dir), "--seed", "3", *extra], capture_output=True, text=True,
                              timeout=300)
        return proc.returncode, proc.stdout, proc.stderr

    rc, plain, err = run()
    assert rc == 0, err
    rc, tasted, err = run("--profile", str(prof))
    assert rc == 0, err
    a, b = json.loads(plain), json.loads(tasted)
    assert set(b) == {"input", "task", "candidates"} and all(set(c) == {"rank", "score", "notes", "chords"}
                                                            for c in b["candidates"])
    key = lambda c: json.dumps([c["notes"], c["chords"]])  # noqa: E731
    rc, whole, err = run("--candidates", "8")  # the engine's first 8: the taste chooses its four there
    assert rc == 0, err
    assert set(map(key, b["candidates"])) <= set(map(key, json.loads(whole)["candidates"]))
    assert len(b["candidates"]) == len(a["candidates"])
    assert [c["rank"] for c in b["candidates"]] == list(range(1, len(b["candidates"]) + 1))
    rc, out, err = run("--profile", str(tmp_path / "nowhere"))
    assert rc == 2 and out == "" and "taste profile folder does not exist" in err and "Traceback" not in err
    taste.model_path(prof).write_text("{")
    rc, out, err = run("--profile", str(prof))
    assert rc == 2 and "taste.json" in err and "Traceback" not in err


def test_engine_harmonize_is_reordered_too(engine, lead_sheet):
    settings = SuggestionSettings(task="harmonize", candidates=3, seed=1)
    region = (1920, 3840)
    base = engine.generate(SuggestionRequest(1, lead_sheet, settings, region))
    model = TasteModel.from_json({"format": "composer-app-taste", "version": 1, "decisions": 10,
                                  "weights": {"shared": {"base": 0.1, "sevenths": 3.0}}})
    got = engine.generate(SuggestionRequest(2, lead_sheet, settings, region, taste=model))
    assert sorted(c.fingerprint() for c in got) == sorted(c.fingerprint() for c in base)
    assert [c.fingerprint() for c in got] == [c.fingerprint() for c in model.rerank(base, lead_sheet)]
    assert all(c.notes == () for c in got) and [c.rank for c in got] == list(range(1, len(got) + 1))


def test_suggest_profile_with_a_learned_style(tmp_path, tiny_model_dir, lead_sheet):
    """``--profile styles/NAME`` uses the learned style as the model, beside a taste profile."""
    import shutil

    mid = tmp_path / "tune.mid"
    write(lead_sheet, mid)
    prof = tmp_path / "profile"
    taste.save(learned_stepwise_model(lead_sheet), prof)
    style = tmp_path / "styles" / "My jigs"
    shutil.copytree(tiny_model_dir, style)

    def run(*extra):
        proc = subprocess.run([sys.executable, "-m", "composer_app", "suggest", str(mid), "--seed", "3", *extra],
                              capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout, proc.stderr

    rc, plain, err = run("--model", str(tiny_model_dir))
    assert rc == 0, err
    rc, styled, err = run("--profile", str(style))
    assert rc == 0, err
    assert json.loads(styled)["candidates"] == json.loads(plain)["candidates"]  # the same weights
    rc, both, err = run("--profile", str(prof), "--profile", str(style))
    assert rc == 0, err
    rc, tasted, err = run("--model", str(tiny_model_dir), "--profile", str(prof))
    assert rc == 0, err
    assert json.loads(both)["candidates"] == json.loads(tasted)["candidates"]
    rc, out, err = run("--model", str(tiny_model_dir), "--profile", str(style))
    assert rc == 2 and out == "" and "give one model" in err and "Traceback" not in err
    (style / "config.json").write_text("{")
    rc, out, err = run("--profile", str(style))
    assert rc == 2 and out == "" and "My jigs" in err and "Traceback" not in err
