"""MIDI through a real JACK server (``jackd -d dummy``): the player's virtual port to a real rtmidi
JACK client, stopping mid-note, a port vanishing mid-play, MIDI input into the recorder, the
FluidSynth JACK audio driver, and the ``ports``/``play`` commands.

Timing tolerances are generous on purpose (a shared, noisy machine); the benchmark measures it."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

import mido
import pytest
import rtmidi
from playback_helpers import explicitly_ended, held_notes, jack_connect

from composer_app.playback.events import TempoMap, build_events
from composer_app.playback.midi_input import MidiInput, Recorder
from composer_app.playback.outputs import MidiPortOutput, list_ports
from output_doubles import RecordingOutput
from composer_app.playback.scheduler import STOPPED, Scheduler
from composer_app.score import Chord, ChordSymbol, Note, Score, Tempo, Track

pytestmark = [pytest.mark.jack]



def uid(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


class Receiver:
    """A real rtmidi JACK client with an input port; records (clock time, mido message).

    Messages wait in rtmidi's own queue and a Python thread collects them every millisecond: no
    Python callback runs in JACK's process thread, where waiting for the GIL (while the scheduler
    thread sends a burst) makes the client miss cycles, and JACK drops the events of a missed cycle.
    """

    def __init__(self, connect_to: str | None = None, port_name: str = "in"):
        self.client = uid("receiver")
        self.rt = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=self.client, queue_size_limit=4096)
        self.got: list[tuple[float, mido.Message]] = []
        self.lock = threading.Lock()
        if connect_to is not None:  # rtmidi connects our port to the named one
            names = self.rt.get_ports()
            self.rt.open_port(names.index(connect_to), port_name)
        else:
            self.rt.open_virtual_port(port_name)
        self.full_name = f"{self.client}:{port_name}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._collect, name="jack-receiver", daemon=True)
        self._thread.start()

    def _collect(self):
        while not self._stop.is_set():
            event = self.rt.get_message()
            if event is None:
                time.sleep(0.001)
                continue
            now = time.perf_counter()
            with self.lock:
                self.got.append((now, mido.Message.from_bytes(event[0])))

    def messages(self):
        with self.lock:
            return [m for _, m in self.got]

    def wait_until_connected(self, out) -> None:
        """A new JACK connection goes live at a later process cycle (later still on a loaded
        machine), and what is sent before that is lost: send a harmless controller message through
        ``out`` until it arrives, then forget it."""
        probe = mido.Message("control_change", channel=15, control=110, value=0)
        deadline = time.monotonic() + 20
        while not self.messages():
            assert time.monotonic() < deadline, "the JACK connection did not come up"
            out.send(probe)
            wait_for(lambda: bool(self.messages()), timeout=0.1)
        time.sleep(0.05)  # any later copy of the probe
        with self.lock:
            self.got.clear()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.rt.close_port()
        self.rt.delete()


def wait_for(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


@pytest.fixture
def dense_score():
    """Four bars at 150 bpm: eighth-note melody plus chords (about 6.4 s)."""
    notes = tuple(Note(60 + (i * 5) % 24, i * 240, 200, 80 + i % 40) for i in range(32))
    chords = tuple(Chord(ChordSymbol.parse(c), i * 1920, 1920) for i, c in enumerate(["C", "Am", "F", "G7"]))
    return Score(tracks=(Track(notes=notes),), chords=chords, tempos=(Tempo(150.0),))


def test_player_virtual_port_to_jack_client_every_event_in_order(jack_server, dense_score):
    out = MidiPortOutput(virtual=True, api="jack", client_name=uid("CA player"))
    assert out.api == "jack" and out.name == "Composer Assistant"
    rx = Receiver(connect_to=f"{out.client_name}:Composer Assistant")
    rx.wait_until_connected(out)
    deadlines = []
    sch = Scheduler(out, on_sent=lambda m, d: deadlines.append((d, m)))
    try:
        ev = build_events(dense_score)
        sch.play(ev)
        assert sch.wait_until_stopped(timeout=ev.duration + 10)
        assert wait_for(lambda: len(rx.messages()) >= len(deadlines))
    finally:
        sch.close()
        out.close()
        rx.close()
    got = [(t, m) for t, m in rx.got if m.type in ("note_on", "note_off")]
    expected = [e.message for e in ev.events]
    # note_off arrives as note_off (rtmidi keeps the status byte): compare type/channel/note/velocity
    assert [(m.type, m.channel, m.note) for _, m in got] == [(m.type, m.channel, m.note) for m in expected]
    lateness = [t - d for (t, _), (d, _) in zip(got, deadlines)]
    assert min(lateness) > -0.002  # never early
    assert statistics.median(lateness) < 0.05 and max(lateness) < 0.5
    # The receive times follow the score: the last note-on lands at its score time from the first.
    ons = [t for t, m in got if m.type == "note_on"]
    ev_ons = [e.time for e in ev.events if e.is_note_on]
    assert (ons[-1] - ons[0]) == pytest.approx(ev_ons[-1] - ev_ons[0], abs=0.25)
    # Programs were set up before the first note; All Notes Off came at the end.
    kinds = [m.type for _, m in rx.got]
    assert kinds.index("program_change") < kinds.index("note_on")
    assert any(m.type == "control_change" and m.control == 123 for _, m in rx.got)
    assert not held_notes(rx.messages()) and explicitly_ended(rx.messages())


def test_stop_mid_note_sends_note_offs_through_jack(jack_server, dense_score):
    out = MidiPortOutput(virtual=True, api="jack", client_name=uid("CA player"))
    rx = Receiver()
    jack_connect(jack_server, f"{out.client_name}:Composer Assistant", rx.full_name)
    rx.wait_until_connected(out)
    sch = Scheduler(out)
    try:
        sch.play(build_events(dense_score))
        assert wait_for(lambda: any(m.type == "note_on" and m.channel == 1 for m in rx.messages()))
        time.sleep(0.9)
        sounding = sch.sounding
        assert sounding  # the chord rings for a whole bar
        sch.stop()
        assert wait_for(lambda: held_notes(rx.messages()) == set())
        offs = {(m.channel, m.note) for m in rx.messages() if m.type == "note_off"}
        assert sounding <= offs
        assert explicitly_ended(rx.messages())
        assert {m.channel for m in rx.messages() if m.type == "control_change" and m.control == 123} >= {0, 1}
    finally:
        sch.close()
        out.close()
        rx.close()


def test_port_vanishing_mid_play_is_a_message_not_a_crash(jack_server, dense_score):
    rx = Receiver(port_name=uid("sink").replace(" ", "-"))
    out = MidiPortOutput(rx.full_name.split(":", 1)[1], api="jack", client_name=uid("CA player"))
    assert out.target == rx.full_name
    errors, states = [], []
    sch = Scheduler(out, on_error=errors.append, on_state=states.append)
    try:
        sch.play(build_events(dense_score))
        assert wait_for(lambda: len(rx.messages()) > 3)
        rx.close()  # the device goes away
        assert wait_for(lambda: sch.state == STOPPED, timeout=5)
        assert len(errors) == 1 and "disappeared" in str(errors[0]) and rx.full_name in str(errors[0])
        assert states[-1] == STOPPED
        sch.play()  # playing again reports again instead of crashing
        assert wait_for(lambda: len(errors) == 2, timeout=5)
    finally:
        sch.close()
        out.close()


def test_port_by_unique_part_and_clear_message_when_ambiguous(jack_server):
    from composer_app.playback.errors import PortNotFoundError

    a, b = Receiver(port_name="keys-alpha"), Receiver(port_name="keys-beta")
    try:
        with pytest.raises(PortNotFoundError, match="more than one"):
            MidiPortOutput("keys-", api="jack")
        with pytest.raises(PortNotFoundError, match="matches no"):
            MidiPortOutput("no such port anywhere", api="jack")
        with MidiPortOutput("keys-beta", api="jack") as out:
            assert out.target == b.full_name
        info = list_ports("jack")
        assert info["api"] == "jack" and a.full_name in info["outputs"] + info["inputs"]
    finally:
        a.close()
        b.close()


def test_midi_input_from_jack_client_into_the_recorder(jack_server):
    score = Score(tempos=(Tempo(120.0),))
    thru = RecordingOutput()
    msgs = []
    inp = MidiInput(virtual=True, api="jack", client_name=uid("CA in"), thru=thru, thru_channel=4,
                    on_message=lambda m, t: msgs.append((m, t)))
    sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=uid("keyboard"))
    try:
        names = sender.get_ports()
        target = [n for n in names if n.startswith(inp.client_name + ":")]
        assert target, names
        sender.open_port(names.index(target[0]), "out")
        time.sleep(0.2)
        # Play C4 D4 E4 as eighth notes (0.25 s at 120 bpm) then a G4 quarter, starting at t0.
        t0 = time.perf_counter()
        plan = [(60, 0.0, 0.2), (62, 0.25, 0.45), (64, 0.5, 0.7), (67, 0.75, 1.2)]
        events = sorted([(on, [0x90, p, 100]) for p, on, _ in plan] + [(off, [0x80, p, 0]) for p, _, off in plan])
        for at, data in events:
            delay = t0 + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sender.send_message(data)
        assert wait_for(lambda: len(msgs) == 8)
    finally:
        sender.close_port()
        sender.delete()
        inp.close()
    rec = Recorder(TempoMap.of(score), start_tick=1920, grid=240)
    rec.start(t0)
    for m, t in msgs:
        rec.feed(m, t)
    notes = rec.finish()
    assert [(n.pitch, n.start, n.duration) for n in notes] == [
        (60, 1920, 240), (62, 2160, 240), (64, 2400, 240), (67, 2640, 480)]
    # Thru: every note went to the synth output on the chosen channel.
    assert [(m.type, m.note, m.channel) for _, m in thru.messages][:2] == [("note_on", 60, 4), ("note_off", 60, 4)]


def test_fluidsynth_uses_the_jack_audio_driver_when_jack_runs(jack_server):
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    from composer_app.playback.outputs import FluidSynthOutput, find_soundfont

    try:
        find_soundfont()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(str(exc))
    synth = FluidSynthOutput(drivers=["pulseaudio", "alsa", "jack"])
    midi = MidiPortOutput(virtual=True, api="jack")  # the app's own port, beside the synth
    try:
        assert synth.driver_name == "jack"
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True, env=dict(os.environ)).stdout
        clients = {line.split(":")[0] for line in ports.splitlines() if ":" in line}
        # a DAW finds the MIDI port under the app's exact name, not "Composer Assistant-01"
        assert "Composer Assistant" in clients and "Composer Assistant Synth" in clients, ports
        assert not any(c.startswith("Composer Assistant-") for c in clients), ports
        synth.send(mido.Message("note_on", note=60, velocity=100))
        assert wait_for(lambda: synth.synth.get_active_voice_count() > 0, timeout=2)
        synth.set_gain(0.2)
        assert synth.gain == pytest.approx(0.2, abs=1e-3)
        synth.panic()
        assert wait_for(lambda: synth.synth.get_active_voice_count() == 0, timeout=3)
    finally:
        midi.close()
        synth.close()


# ---- the commands, as a user runs them ---------------------------------------------------------
def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "composer_app", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ), **kw)


@pytest.fixture
def score_file(tmp_path, dense_score):
    from composer_app.formats import write

    path = tmp_path / "dense.composer"
    write(dense_score, path)
    return path


def test_ports_command_lists_jack_ports(jack_server):
    rx = Receiver(port_name="listed-port")
    try:
        p = _cli("ports", "--api", "jack")
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert "MIDI API: jack" in out and rx.full_name in out
    finally:
        rx.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_play_command_stopped_by_a_signal_sends_note_offs(jack_server, tmp_path, dense_score, sig):
    from dataclasses import replace

    from composer_app.formats import write

    # The same notes at 30 bpm (32 s): still playing when the signal comes, however slow the machine.
    dense_score = replace(dense_score, tempos=(Tempo(30.0),))
    score_file = tmp_path / "slow.composer"
    write(dense_score, score_file)
    rx = Receiver(port_name="daw-in")
    p = None
    try:
        # Started the way a background job of a script is: with SIGINT ignored (as CI may do).
        p = _cli("play", str(score_file), "--port", "daw-in", "--api", "jack",
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        assert wait_for(lambda: any(m.type == "note_on" for m in rx.messages()), timeout=60)
        time.sleep(0.8)
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 130, (out, err)
        msgs = rx.messages()
        assert not held_notes(msgs) and explicitly_ended(msgs)
        played = [m for m in msgs if m.type == "note_on"]
        assert 0 < len(played) < len(build_events(dense_score).note_ons())
    finally:
        if p is not None and p.poll() is None:
            p.kill()
        rx.close()


def test_play_command_plays_to_the_end_and_exits(jack_server, score_file, dense_score):
    rx = Receiver(port_name="daw-full")
    try:
        p = _cli("play", str(score_file), "--port", "daw-full", "--api", "jack")
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "playing" in out
        ons = [(m.channel, m.note) for m in rx.messages() if m.type == "note_on"]
        assert ons == [(e.message.channel, e.message.note) for e in build_events(dense_score).note_ons()]
        assert not held_notes(rx.messages())
    finally:
        rx.close()


def test_play_command_unknown_port_is_one_clear_line(jack_server, score_file):
    p = _cli("play", str(score_file), "--port", "nothing-like-this", "--api", "jack")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 2
    line = [x for x in err.splitlines() if x.startswith("composer-app play:")]
    assert line and "matches no MIDI output port" in line[0]


def test_a_vanished_soundfont_falls_back_to_a_gm_one_and_says_so(jack_server, tmp_path):
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    from composer_app.playback.outputs import FluidSynthOutput, OutputConfig, find_soundfont, open_outputs

    try:
        found = find_soundfont()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(str(exc))
    broken = tmp_path / "Broken.sf2"
    broken.write_bytes(b"RIFF\0\0\0\0not a soundfont")
    for chosen, why in ((tmp_path / "usb-stick" / "Strings.sf2", "no such file"), (broken, "could not load it")):
        output, problems = open_outputs(OutputConfig(synth=True, soundfont=str(chosen), audio_driver="jack"))
        try:
            assert isinstance(output, FluidSynthOutput) and output.soundfont == found
            assert len(problems) == 1 and str(chosen) in problems[0] and why in problems[0]
            assert f"playing with {found.name} instead" in problems[0] and "Sound & MIDI Settings" in problems[0]
            output.send(mido.Message("note_on", note=64, velocity=100))
            assert wait_for(lambda: output.synth.get_active_voice_count() > 0, timeout=2)  # it sounds
        finally:
            output.close()
