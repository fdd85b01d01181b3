"""The editor's Open with hostile files and model folders (issue 13): the same bounded readers as
``convert`` and ``suggest``. A device, a FIFO, a looping link, a zip bomb, an absurd tuplet or chord
is refused at once with a message naming the file, and the open score stays; valid files that
used to be refused now open; a model folder that carries its own code is refused by name and the
previous model stays."""

from __future__ import annotations

import json
import os
import shutil
import struct
import zipfile

import pytest

from composer_app.paths import default_model_dir
from composer_app.score import Note, Score, Track

from mw_helpers import close_window, dialogs, model_window, window  # noqa: F401 - fixtures

pytestmark = [pytest.mark.gui, pytest.mark.skipif(os.name != "posix", reason="FIFOs and devices of POSIX")]

MUSICXML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="3.1"><part-list>'
                 '<score-part id="P1"><part-name>M</part-name></score-part></part-list><part id="P1">'
                 '<measure number="1"><attributes><divisions>1</divisions></attributes>')
MUSICXML_TAIL = "</measure></part></score-partwise>\n"


def _note(step="C", octave=4, chord=False) -> str:
    return (f'<note>{"<chord/>" if chord else ""}<pitch><step>{step}</step><octave>{octave}</octave></pitch>'
            "<duration>4</duration><type>whole</type></note>")


def _fifo(path):
    os.mkfifo(path)


def _zero(path):
    path.symlink_to("/dev/zero")


def _loop(path):
    path.symlink_to(path)


def _bomb(path):
    head, tail = (MUSICXML_HEAD + _note() + MUSICXML_TAIL).split("<part-list>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("score.musicxml", "w") as f:
            f.write((head + "<!--").encode())
            for _ in range(40):
                f.write(b" " * (1 << 20))
            f.write(("--><part-list>" + tail).encode())


def _tuplet(path):
    path.write_text("X:1\nT:Tuplet\nM:4/4\nL:1/8\nK:C\n(99999:1:99999 CDEF GABc|\n")


def _cluster(path):
    path.write_text(MUSICXML_HEAD + "".join(_note("CDEFGAB"[i % 7], 1 + i % 7, i > 0) for i in range(5000))
                    + MUSICXML_TAIL)


@pytest.mark.parametrize("name, make, reason", [
    ("pipe.mid", _fifo, "FIFO"), ("pipe.abc", _fifo, "FIFO"), ("zero.abc", _zero, "is a device"),
    ("zero.musicxml", _zero, "is a device"), ("loop.musicxml", _loop, "loops"), ("bomb.mxl", _bomb, "zip bomb"),
    ("tuplet.abc", _tuplet, "tuplet (99999:1:99999"), ("cluster.musicxml", _cluster, "a chord of more than 128"),
])
def test_open_refuses_hostile_files_and_keeps_the_score(window, dialogs, tmp_path, name, make, reason):
    kept = Score(title="mine", tracks=(Track(notes=(Note(60, 0, 480), Note(64, 480, 480))),))
    window.doc.load(kept)
    path = tmp_path / name
    make(path)
    assert window.files.open_path(path, ask=False) is False
    assert len(dialogs.errors) == 1
    title, text = dialogs.errors[0]
    assert str(path) in text and reason in text, text
    assert "Traceback" not in text and "could not be read (" not in text
    assert window.doc.score.content_equal(kept) and window.doc.score.title == "mine"


def _smf(track: bytes, ntrks: int = 1) -> bytes:
    return b"MThd" + struct.pack(">LHHH", 6, 1, ntrks, 480) + b"MTrk" + struct.pack(">L", len(track)) + track


@pytest.mark.parametrize("name, data, notes", [
    ("plain.abc", b"X:1\nT:No L or M\nK:G\nGABc dedB|]\n", 8),
    ("many-tracks.mid", _smf(b"\x00\x90\x3c\x40\x83\x60\x80\x3c\x00\x00\xff\x2f\x00", 65535), 1),
    ("running.mid", _smf(b"\x00\x90\x3c\x40\x00\xf0\x03\x7e\x00\xf7\x83\x60\x3c\x00\x00\xff\x2f\x00"), 1),
])
def test_open_reads_valid_files_that_were_refused(window, dialogs, tmp_path, name, data, notes):
    path = tmp_path / name
    path.write_bytes(data)
    assert window.files.open_path(path, ask=False) is True, dialogs.errors
    assert len(window.doc.score.all_notes()) == notes and dialogs.errors == []


def test_a_model_folder_with_its_own_code_is_refused_and_the_model_stays(qtbot, tmp_path):
    marker = tmp_path / "ran"
    evil = shutil.copytree(default_model_dir(), tmp_path / "shared-model")
    cfg = json.loads((evil / "config.json").read_text())
    cfg.update(model_type="evil_music", architectures=["EvilModel"], auto_map={"AutoModelForCausalLM": "evil.EvilModel"})
    (evil / "config.json").write_text(json.dumps(cfg))
    (evil / "evil.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n")
    w = model_window(qtbot, "")
    try:
        before = dict(w.assistant.service.model_info)
        messages = []
        w.statusBar().messageChanged.connect(messages.append)
        w.assistant.load_model(str(evil), "cpu")
        text = " ".join(messages)
        assert "shared-model" in text and "auto_map" in text and "previous model stays" in text, text
        assert w.assistant.service.model_info == before
        assert not marker.exists()
    finally:
        close_window(w)
