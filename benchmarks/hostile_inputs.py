"""Hostile inputs (issue 13): every probe, through ``convert``, ``suggest`` and the editor's Open.

Each probe is a hand-made file or model folder (generated here, in a temporary folder) that
strangers could send: a zip bomb, device files and FIFOs, symlink loops, absurdly long or dense
scores, long real music, destinations that are read-only or symlinks, stale temporary files,
model folders that carry their own Python or unrelated weights. Each one runs in its own process
(``python -m composer_app convert|suggest|train ...``, or the editor's file controller opening the
file offscreen) with a wall-clock limit and a peak-memory watchdog; the table gives the exit
status, the wall time, the peak RSS and the first line of what the app said.

Limits it checks (the issue's): every input answered or refused within 20 s and 1.5 GB, except
long real music, which must read at least 1,000 notes per second; no foreign code runs; no file
is clobbered.

Run: ``.venv/bin/python -m benchmarks.hostile_inputs [--via convert,suggest,gui] [--only NAME ...]
[--timeout 60] [--cap-mb 3000] [--app-root DIR]``. ``--app-root`` runs another checkout of the
app (``git archive main | tar -x -C /tmp/before``) to measure the same probes before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
LIMIT_S = 20.0
LIMIT_MB = 1536
MARKER = "FOREIGN_CODE_RAN"


# ---- generators ------------------------------------------------------------------------------------
def smf(tracks: list[bytes], ntrks: int | None = None, tpq: int = 480) -> bytes:
    """A Standard MIDI File from raw track bodies (``ntrks`` may lie about their number)."""
    out = b"MThd" + struct.pack(">LHHH", 6, 1, len(tracks) if ntrks is None else ntrks, tpq)
    for t in tracks:
        out += b"MTrk" + struct.pack(">L", len(t)) + t
    return out


def varlen(n: int) -> bytes:
    """A MIDI variable-length number."""
    from mido.midifiles.meta import encode_variable_int

    return bytes(encode_variable_int(n))


def abc_tune(n_notes: int, *, header: str = "M:4/4\nL:1/8\n") -> str:
    """A plain reel-like tune of ``n_notes`` eighth notes, eight a bar, a chord symbol on every bar."""
    scale = "CDEFGABcdefgab"
    chords = ["C", "Am", "F", "G7", "Dm", "G", "Em", "C"]
    bars = []
    for b in range(n_notes // 8):
        notes = "".join(scale[(b * 3 + i * (1 + b % 3)) % len(scale)] for i in range(8))
        bars.append(f'"{chords[b % len(chords)]}"{notes[:4]} {notes[4:]}')
    lines = [" | ".join(bars[i:i + 4]) + " |" for i in range(0, len(bars), 4)]
    return f"X:1\nT:Long reel\n{header}K:C\n" + "\n".join(lines) + "]\n"


def musicxml(measures: list[str], *, beats: int = 4, beat_type: int = 4) -> str:
    attributes = (f"<attributes><divisions>1</divisions><time><beats>{beats}</beats><beat-type>{beat_type}"
                  "</beat-type></time></attributes>")
    body = "".join(f'<measure number="{i + 1}">{attributes if i == 0 else ""}{m}</measure>'
                   for i, m in enumerate(measures))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="3.1"><part-list>'
            '<score-part id="P1"><part-name>Melody</part-name></score-part></part-list>'
            f'<part id="P1">{body}</part></score-partwise>\n')


def xml_note(step: str = "C", octave: int = 4, duration: int = 4, kind: str = "whole", chord: bool = False) -> str:
    return (f'<note>{"<chord/>" if chord else ""}<pitch><step>{step}</step><octave>{octave}</octave></pitch>'
            f"<duration>{duration}</duration><type>{kind}</type></note>")


def mxl_bomb(path: Path, inflated_mb: int = 800) -> None:
    """A valid-looking .mxl whose score document inflates to ``inflated_mb`` MB (a comment of spaces)."""
    doc = musicxml([xml_note()])
    head, tail = doc.split("<part-list>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("META-INF/container.xml", '<?xml version="1.0"?><container><rootfiles>'
                    '<rootfile full-path="score.musicxml"/></rootfiles></container>')
        with zf.open("score.musicxml", "w", force_zip64=True) as f:
            f.write((head + "<!--").encode())
            block = b" " * (1 << 20)
            for _ in range(inflated_mb):
                f.write(block)
            f.write(("-->" + "<part-list>" + tail).encode())


def long_midi(n_notes: int, step: int = 480) -> bytes:
    """One track of ``n_notes`` quarter notes (``step`` ticks apart at 480 per quarter)."""
    ev = bytearray(b"\x00\xff\x03\x05Piano")
    for i in range(n_notes):
        p = 60 + (i * 7) % 12
        ev += b"\x00" + bytes([0x90, p, 80]) + varlen(step) + bytes([0x80, p, 0])
    ev += b"\x00\xff\x2f\x00"
    return smf([bytes(ev)])


def note_track(*events: bytes) -> bytes:
    return b"".join(events) + b"\x00\xff\x2f\x00"


# ---- model folders ---------------------------------------------------------------------------------
def copy_model(dst: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from composer_app.paths import default_model_dir

    shutil.copytree(default_model_dir(), dst)
    return dst


def model_with_own_code(dst: Path, marker: Path) -> Path:
    copy_model(dst)
    cfg = json.loads((dst / "config.json").read_text())
    cfg["model_type"] = "evil_music"
    cfg["auto_map"] = {"AutoConfig": "evil.EvilConfig", "AutoModelForCausalLM": "evil.EvilModel"}
    cfg["architectures"] = ["EvilModel"]
    (dst / "config.json").write_text(json.dumps(cfg))
    (dst / "evil.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from transformers import LlamaConfig, LlamaForCausalLM\n"
        "class EvilConfig(LlamaConfig):\n    model_type = 'evil_music'\n"
        "class EvilModel(LlamaForCausalLM):\n    config_class = EvilConfig\n")
    return dst


def model_with_gpt2_config(dst: Path) -> Path:
    copy_model(dst)
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 540, "n_embd": 192,
           "n_layer": 4, "n_head": 4, "n_positions": 1024, "bos_token_id": 1, "eos_token_id": 2}
    (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def model_with_one_tensor(dst: Path) -> Path:
    copy_model(dst)
    import torch
    from safetensors.torch import save_file

    save_file({"unrelated.weight": torch.zeros(3, 3)}, str(dst / "model.safetensors"), metadata={"format": "pt"})
    return dst


# ---- probes ------------------------------------------------------------------------------------------
@dataclass
class Probe:
    name: str
    what: str
    build: Callable[[Path], dict]  # -> {"input": path, ...}; see run_probe
    via: tuple[str, ...] = ("convert", "suggest", "gui")
    notes: int = 0  # real music: notes it holds (for notes per second)


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _abc_20000(d: Path) -> dict:
    return {"input": _write(d / "long.abc", abc_tune(20_000))}


def _xml_20001(d: Path) -> dict:
    return {"input": _write(d / "long.musicxml", musicxml([xml_note()] * 20_001))}


def _xml_real_long(d: Path) -> dict:
    steps = "CDEFGAB"
    measures = ["".join(xml_note(steps[(m + i) % 7], 4 + (m + i) // 7 % 2, 1, "quarter") for i in range(4))
                for m in range(5_000)]
    return {"input": _write(d / "long-real.musicxml", musicxml(measures))}


def _xml_chord_50000(d: Path) -> dict:
    notes = "".join(xml_note("CDEFGAB"[i % 7], 1 + i % 7, chord=i > 0) for i in range(50_000))
    return {"input": _write(d / "chord.musicxml", musicxml([notes]))}


def _abc_tuplet(d: Path) -> dict:
    return {"input": _write(d / "tuplet.abc", "X:1\nT:Tuplet\nM:4/4\nL:1/8\nK:C\n(99999:1:99999 CDEF GABc|\n")}


def _mxl_bomb(d: Path) -> dict:
    mxl_bomb(d / "bomb.mxl")
    return {"input": d / "bomb.mxl"}


def _link(d: Path, name: str, target: str) -> dict:
    (d / name).symlink_to(target)
    return {"input": d / name}


def _fifo(d: Path) -> dict:
    os.mkfifo(d / "fifo.mid")
    return {"input": d / "fifo.mid"}


def _loop_in(d: Path) -> dict:
    (d / "loop.mid").symlink_to(d / "loop.mid")
    return {"input": d / "loop.mid"}


def _loop_out(d: Path) -> dict:
    (d / "loop-out.mid").symlink_to(d / "loop-out.mid")
    return {"input": _write(d / "ok.abc", abc_tune(16)), "output": d / "loop-out.mid"}


def _readonly_dest(d: Path) -> dict:
    out = _write(d / "keep.mid", b"precious")
    out.chmod(0o444)
    return {"input": _write(d / "ok.abc", abc_tune(16)), "output": out, "check": "output_unchanged:precious"}


def _symlink_dest(d: Path) -> dict:
    real = _write(d / "real.mid", b"old")
    (d / "link.mid").symlink_to(real)
    return {"input": _write(d / "ok.abc", abc_tune(16)), "output": d / "link.mid", "check": "write_through"}


def _stale_tmp(d: Path) -> dict:
    old = time.time() - 3 * 86400
    for i in range(6):
        p = _write(d / f".out.mid.stale{i}xx.tmp", b"\0" * 4096)
        os.utime(p, (old, old))
    return {"input": _write(d / "ok.abc", abc_tune(16)), "output": d / "out.mid", "check": "no_stale_tmp"}


def _abc_no_l_no_m(d: Path) -> dict:
    return {"input": _write(d / "plain.abc", "X:1\nT:No L or M\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|A4 G4|]\n")}


def _abc_1_64(d: Path) -> dict:
    return {"input": _write(d / "tiny-meter.abc", "X:1\nT:Tiny meter\nM:1/64\nL:1/64\nK:C\nC|D|E|F|G|A|B|c|]\n")}


def _midi_1_64(d: Path) -> dict:
    t = note_track(b"\x00\xff\x58\x04\x01\x06\x18\x08",  # 1/64 (2^6)
                   *(b"\x00" + bytes([0x90, 60 + i, 80]) + b"\x1e" + bytes([0x80, 60 + i, 0]) for i in range(8)))
    return {"input": _write(d / "tiny-meter.mid", smf([t]))}


def _midi_65535(d: Path) -> dict:
    t = note_track(*(b"\x00" + bytes([0x90, 60 + i, 80]) + b"\x83\x60" + bytes([0x80, 60 + i, 0]) for i in range(8)))
    return {"input": _write(d / "many-tracks.mid", smf([t], ntrks=65535))}


def _midi_running_status(d: Path) -> dict:
    t = note_track(b"\x00\x90\x3c\x40", b"\x00\xf0\x03\x7e\x00\xf7", b"\x83\x60\x3c\x00",  # after a sysex
                   b"\x00\x3e\x40", b"\x00\xff\x01\x04text", b"\x83\x60\x3e\x00",  # after a meta event
                   b"\x00\x40\x40", b"\x83\x60\x40\x00")
    return {"input": _write(d / "running.mid", smf([t]))}


def _midi_past_limit(d: Path) -> dict:
    return {"input": _write(d / "endless.mid", long_midi(450_000))}


def _midi_real_long(d: Path) -> dict:
    return {"input": _write(d / "long-real.mid", long_midi(60_000, step=240))}


def _plain(d: Path, **extra) -> dict:
    return {"input": _write(d / "tune.abc", abc_tune(16)), **extra}


def _near_limit(d: Path) -> dict:
    t = note_track(b"\x00\x90\x3c\x50", b"\x83\x60\x80\x3c\x00",  # bar 1 and bar 20,000
                   varlen(19_999 * 1920 - 480) + b"\x90\x3e\x50", b"\x83\x60\x80\x3e\x00")
    return {"input": _write(d / "at-the-limit.mid", smf([t]))}


def _model(builder) -> Callable[[Path], dict]:
    def build(d: Path) -> dict:
        marker = d / MARKER
        model = builder(d / "model", marker) if builder is model_with_own_code else builder(d / "model")
        return {"input": _write(d / "tune.abc", abc_tune(16)), "model": model, "marker": marker}
    return build


def _train_from(d: Path) -> dict:
    marker = d / MARKER
    model_with_own_code(d / "model", marker)
    data = d / "data"
    data.mkdir()
    _write(data / "tune.abc", abc_tune(64))
    return {"input": data, "model": d / "model", "marker": marker, "out": d / "trained"}


PROBES = [
    Probe("mxl-zip-bomb", ".mxl of 778 KB inflating to 800 MB", _mxl_bomb),
    Probe("mid-dev-zero", ".mid symlinked to /dev/zero", lambda d: _link(d, "zero.mid", "/dev/zero")),
    Probe("abc-dev-urandom", ".abc symlinked to /dev/urandom", lambda d: _link(d, "noise.abc", "/dev/urandom")),
    Probe("mid-fifo", "a FIFO named .mid", _fifo),
    Probe("abc-20000-notes", "valid ABC tune, 20,000 notes (long real music)", _abc_20000, notes=20_000),
    Probe("xml-5000-bars", "valid MusicXML, 20,000 notes in 5,000 bars (long real music)", _xml_real_long,
          notes=20_000),
    Probe("mid-60000-notes", "valid MIDI, 60,000 notes (long real music)", _midi_real_long, notes=60_000),
    Probe("xml-20001-measures", "MusicXML of 20,001 whole-note measures", _xml_20001),
    Probe("xml-50000-chord", "50,000 <chord/> notes in one measure", _xml_chord_50000),
    Probe("abc-tuplet-99999", "ABC tuplet (99999:1:99999", _abc_tuplet),
    Probe("symlink-loop-in", "a symlink loop as input", _loop_in),
    Probe("symlink-loop-out", "a symlink loop as output", _loop_out, via=("convert",)),
    Probe("readonly-dest", "a read-only (0444) destination", _readonly_dest, via=("convert",)),
    Probe("symlink-dest", "a symlinked destination", _symlink_dest, via=("convert",)),
    Probe("stale-tmp", "six stale .out.mid.*.tmp files from killed saves", _stale_tmp, via=("convert",)),
    Probe("abc-no-L-no-M", "ABC with no L: and no M:", _abc_no_l_no_m),
    Probe("abc-meter-1-64", "ABC in 1/64", _abc_1_64),
    Probe("mid-meter-1-64", "MIDI in 1/64", _midi_1_64),
    Probe("mid-65535-tracks", "a 65535-track header over one real track", _midi_65535),
    Probe("mid-running-status", "running status after sysex and meta events", _midi_running_status),
    Probe("mid-past-20000-bars", "900,000 events, 112,500 bars", _midi_past_limit),
    Probe("suggest-at-limit", "continue a piece that ends at bar 20,000", _near_limit, via=("suggest",)),
    Probe("seed-huge", "--seed 99999999999999999999999", lambda d: _plain(d, args=["--seed", "9" * 23]),
          via=("suggest",)),
    Probe("to-bar-1000", "--to-bar 1000 on a 2-bar piece",
          lambda d: {"input": _write(d / "two.abc", "X:1\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|]\n"),
                     "args": ["--to-bar", "1000"]}, via=("suggest",)),
    Probe("device-cuda", "--device cuda without CUDA", lambda d: _plain(d, args=["--device", "cuda"]),
          via=("suggest",)),
    Probe("model-own-code", "model folder: unknown model_type, auto_map to its .py", _model(model_with_own_code),
          via=("suggest",)),
    Probe("model-gpt2-config", "model folder: a gpt2 config.json over these weights", _model(model_with_gpt2_config),
          via=("suggest",)),
    Probe("model-one-tensor", "model folder: one unrelated tensor", _model(model_with_one_tensor), via=("suggest",)),
    Probe("train-from-own-code", "train --from a folder with its own .py", _train_from, via=("train",)),
]

GUI_OPEN = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
from composer_app.document import ScoreDocument
from composer_app.gui import dialogs, files
from composer_app.settings import Settings
said = []
dialogs.show_file_error = lambda parent, action, err: said.append(str(err))
dialogs.choose_abc_tune = lambda parent, name, tunes: tunes[0]
window = QWidget()
doc = ScoreDocument()
fc = files.FileController(doc, Settings(sys.argv[2]), window)
ok = fc.open_path(sys.argv[1], ask=False)
if ok:
    print(f"opened: {sum(len(t.notes) for t in doc.score.tracks)} notes")
else:
    print(said[0] if said else "refused without a message", file=sys.stderr)
sys.exit(0 if ok else 2)
"""


@dataclass
class Result:
    probe: str
    via: str
    rc: int | None
    seconds: float
    peak_mb: float
    said: str
    flags: list[str] = field(default_factory=list)


def _command(probe: Probe, via: str, spec: dict, d: Path) -> list[str]:
    py = [sys.executable]
    if via == "convert":
        out = spec.get("output", d / "out.mid")
        return py + ["-m", "composer_app", "convert", str(spec["input"]), str(out)]
    if via == "suggest":
        cmd = py + ["-m", "composer_app", "suggest", str(spec["input"]), "--candidates", "2", "--bars", "1"]
        if "model" in spec:
            cmd += ["--model", str(spec["model"])]
        return cmd + [str(a) for a in spec.get("args", [])]
    if via == "train":
        return py + ["-m", "composer_app", "train", "--data", str(spec["input"]), "--from", str(spec["model"]),
                     "--out", str(spec["out"]), "--max-steps", "1", "--batch-size", "2", "--max-len", "128",
                     "--no-progress", "--cache", str(d / "cache")]
    return py + ["-c", GUI_OPEN, str(spec["input"]), str(d / "settings.ini")]


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(cmd: list[str], *, env: dict, cwd: Path, timeout: float, cap_mb: float,
            stdin: bytes | None = None) -> tuple[int | None, float, float, str, str, str]:
    """Run ``cmd``; kill it past ``timeout`` s or ``cap_mb`` MB RSS.
    Returns (rc, seconds, peak MB, stdout, stderr, why it was killed)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.PIPE, env=env, cwd=cwd,
                                start_new_session=True)
        if stdin is not None:
            try:
                proc.stdin.write(stdin)
            except BrokenPipeError:
                pass
        proc.stdin.close()
        killed = ""
        peak = 0.0
        result: dict = {}

        def reap():
            result["status"] = os.wait4(proc.pid, 0)

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        while waiter.is_alive():
            waiter.join(0.05)
            peak = max(peak, _rss_mb(proc.pid))
            elapsed = time.monotonic() - t0
            if not killed and (elapsed > timeout or peak > cap_mb):
                killed = f"stopped after {elapsed:.0f} s" if elapsed > timeout else f"stopped at {peak:.0f} MB"
                os.killpg(proc.pid, signal.SIGKILL)
        seconds = time.monotonic() - t0
        _, status, usage = result["status"]
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss / 1024)
        out.seek(0)
        err.seek(0)
        return (None if killed else proc.returncode, seconds, peak, out.read().decode("utf-8", "replace"),
                err.read().decode("utf-8", "replace"), killed)


def _said(stdout: str, stderr: str, via: str) -> str:
    if via == "suggest" and stdout.strip():
        try:
            line = json.loads(stdout.splitlines()[-1])
        except ValueError:
            return stdout.strip().splitlines()[0][:150]
        if "error" in line:
            return line["error"][:150]
        cands = line.get("candidates", [])
        return f"{len(cands)} candidates, scores {[c['score'] for c in cands]}"[:150]
    lines = [ln for ln in (stderr.strip().splitlines() + stdout.strip().splitlines()) if ln.strip()]
    tb = next((ln for ln in lines if ln.startswith("Traceback")), None)
    if tb:
        return "TRACEBACK: " + lines[-1][:140]
    return (lines[0] if lines else "")[:150]


def run_probe(probe: Probe, via: str, *, env: dict, cwd: Path, timeout: float, cap_mb: float) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"hostile-{probe.name}-") as tmp:
        d = Path(tmp)
        spec = probe.build(d)
        cmd = _command(probe, via, spec, d)
        stdin = b"y\n" if "marker" in spec else None  # answer yes, as a curious user would
        rc, seconds, peak, out, err, killed = measure(cmd, env=env, cwd=cwd, timeout=timeout, cap_mb=cap_mb,
                                                      stdin=stdin)
        said = killed or _said(out, err, via)
        flags = []
        if "marker" in spec and spec["marker"].exists():
            flags.append("FOREIGN CODE RAN")
        if "out" in spec and any(Path(spec["out"]).glob("*.py")):
            flags.append("copied .py into the new model")
        if "Traceback" in err:
            flags.append("traceback")
        if via == "suggest" and out.strip() and not out.lstrip().startswith("{"):
            flags.append("non-JSON on stdout")
        check = spec.get("check", "")
        if check.startswith("output_unchanged:") and via == "convert":
            if spec["output"].read_bytes() != check.split(":", 1)[1].encode():
                flags.append("read-only destination replaced")
        elif check == "write_through":
            link = spec["output"]
            if not link.is_symlink():
                flags.append("link replaced by a file")
            if (d / "real.mid").read_bytes() == b"old":
                flags.append("link target kept old content")
        elif check == "no_stale_tmp":
            left = list(d.glob(".out.mid.*.tmp"))
            if left:
                flags.append(f"{len(left)} stale .tmp left")
        if probe.notes and rc == 0:
            flags.append(f"{probe.notes / seconds:,.0f} notes/s")
        elif seconds > LIMIT_S or peak > LIMIT_MB:
            flags.append("OVER LIMIT")
        return Result(probe.name, via, rc, seconds, peak, said, flags)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--via", default="convert,suggest,gui,train", help="comma-separated: convert, suggest, gui, train")
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME", help="probe names (default: all)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run is stopped (default 60)")
    ap.add_argument("--cap-mb", type=float, default=3000.0, help="RSS at which a run is stopped (default 3000)")
    ap.add_argument("--app-root", type=Path, default=ROOT, help="checkout of the app to run (default: this one)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--list", action="store_true", help="list the probes and exit")
    args = ap.parse_args(argv)
    if args.list:
        for p in PROBES:
            print(f"{p.name:<22} {'/'.join(p.via):<20} {p.what}")
        return 0
    vias = set(args.via.split(","))
    app_root = args.app_root.resolve()
    env = dict(os.environ, PYTHONPATH=str(app_root), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    results = []
    print(f"{'probe':<22} {'via':<8} {'rc':>4} {'seconds':>8} {'peak MB':>8}  said / flags", flush=True)
    for probe in PROBES:
        if args.only and probe.name not in args.only:
            continue
        for via in probe.via:
            if via not in vias:
                continue
            with tempfile.TemporaryDirectory(prefix="hostile-home-") as home:
                run_env = dict(env, COMPOSER_APP_DATA=f"{home}/data", COMPOSER_APP_CACHE=f"{home}/cache",
                               XDG_CONFIG_HOME=f"{home}/config")
                r = run_probe(probe, via, env=run_env, cwd=app_root, timeout=args.timeout, cap_mb=args.cap_mb)
            results.append(r)
            rc = "-" if r.rc is None else str(r.rc)
            flags = f"  [{'; '.join(r.flags)}]" if r.flags else ""
            print(f"{r.probe:<22} {r.via:<8} {rc:>4} {r.seconds:8.1f} {r.peak_mb:8.0f}  {r.said}{flags}", flush=True)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
