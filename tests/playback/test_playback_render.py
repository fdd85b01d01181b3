"""Offline rendering through real FluidSynth with the GM soundfont: energy at the written
pitches (FFT), silence where the score is silent, chords audible; missing parts give clear errors."""

from __future__ import annotations

import subprocess
import sys
import wave

import numpy as np
import pytest

from composer_app.playback.errors import SoundfontNotFoundError
from composer_app.playback.outputs import find_soundfont
from composer_app.score import Chord, ChordSymbol, Note, Score, Track

SR = 44100


def hz(pitch: float) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)


@pytest.fixture(scope="module")
def soundfont():
    try:
        return find_soundfont()
    except SoundfontNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def rendered(soundfont):
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    from composer_app.playback.render import render_score

    # 120 bpm: A4 for 1 s, silence, a C major chord at 4 s (chord lane), E5 at 5 s.
    score = Score(tracks=(Track(notes=(Note(69, 0, 960), Note(76, 4800, 480))),),
                  chords=(Chord(ChordSymbol.parse("C"), 3840, 960),))
    audio = render_score(score, soundfont, sample_rate=SR)
    return audio.astype(np.float64).mean(axis=1)


def rms(x, t0, t1):
    seg = x[int(t0 * SR):int(t1 * SR)]
    return float(np.sqrt(np.mean(seg ** 2)))


def peak(x, t0, t1, freq):
    seg = x[int(t0 * SR):int(t1 * SR)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    f = np.fft.rfftfreq(len(seg), 1 / SR)
    band = (f > freq * 0.985) & (f < freq * 1.015)
    return float(spec[band].max())


def test_length_includes_release_tail(rendered):
    assert len(rendered) == pytest.approx(SR * (6.0 + 1.5), abs=2)  # three 4/4 bars at 120 bpm + tail


def test_single_note_energy_at_its_pitch(rendered):
    a4 = peak(rendered, 0.1, 0.9, hz(69))
    for other in (68, 70, 64, 57):  # neighbours and non-harmonic pitches
        assert a4 > 50 * peak(rendered, 0.1, 0.9, hz(other)), other
    e5 = peak(rendered, 5.05, 5.4, hz(76))
    assert e5 > 30 * peak(rendered, 5.05, 5.4, hz(75)) and e5 > 30 * peak(rendered, 5.05, 5.4, hz(77))


def test_silence_where_the_score_is_silent(rendered):
    loud = rms(rendered, 0.0, 0.5)
    assert loud > 200
    assert rms(rendered, 1.6, 3.9) < loud / 200  # rest after the note's release
    assert rms(rendered, 6.3, 7.5) < loud / 200  # after the last note


def test_chord_lane_is_audible_as_voiced_chord(rendered):
    t0, t1 = 4.1, 4.45
    chord = [peak(rendered, t0, t1, hz(p)) for p in (48, 60, 64, 67)]  # C3? bass C2 .. G4
    outside = [peak(rendered, t0, t1, hz(p)) for p in (61, 63, 66, 68)]  # C#, D#, F#, G#
    assert min(chord[1:]) > 20 * max(outside)
    assert peak(rendered, t0, t1, hz(36)) > 20 * max(outside)  # the bass note C2
    assert rms(rendered, 4.0, 4.5) > 200


def test_render_speed_and_wav_file(tmp_path, soundfont, tune):
    from composer_app.playback.render import render_score, write_wav

    audio = render_score(tune, soundfont, sample_rate=SR, tail=0.5)
    path = write_wav(tmp_path / "tune.wav", audio, SR)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, SR)
        assert w.getnframes() == len(audio)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.array_equal(data, audio)


def test_missing_soundfont_names_what_to_install(tmp_path):
    with pytest.raises(SoundfontNotFoundError) as err:
        find_soundfont(search=[tmp_path / "nothing-here"])
    msg = str(err.value)
    assert "fluid-soundfont-gm" in msg and "nothing-here" in msg
    with pytest.raises(SoundfontNotFoundError, match="no such file"):
        find_soundfont(tmp_path / "missing.sf2")


def test_user_soundfont_folder_is_searched_first(tmp_path, soundfont, monkeypatch):
    from composer_app import paths

    user = paths.user_data() / "soundfonts"
    user.mkdir(parents=True)
    mine = user / "Mine.sf2"
    mine.write_bytes(soundfont.read_bytes()[:100])
    assert find_soundfont() == mine


def test_a_file_that_is_not_a_soundfont(tmp_path):
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    from composer_app.playback.render import render_score

    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"not a soundfont")
    with pytest.raises(SoundfontNotFoundError, match="could not load"):
        render_score(Score(), bad)


def test_missing_fluidsynth_library_degrades_to_midi_only(tmp_path):
    """Without libfluidsynth the outputs open as NullOutput with an exact install message."""
    code = (
        "import ctypes.util\n"
        "ctypes.util.find_library = lambda name: None\n"
        "from composer_app.playback.outputs import open_outputs, OutputConfig, NullOutput\n"
        "out, problems = open_outputs(OutputConfig(synth=True))\n"
        "assert isinstance(out, NullOutput), out\n"
        "print(problems[0])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "FluidSynth not found" in r.stdout
    if sys.platform.startswith("linux"):
        assert "sudo apt install libfluidsynth3 fluid-soundfont-gm" in r.stdout


def test_no_audio_device_is_a_clear_error_not_a_crash(soundfont):
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    from composer_app.playback.errors import AudioDriverError
    from composer_app.playback.outputs import FluidSynthOutput

    with pytest.raises(AudioDriverError) as err:
        FluidSynthOutput(soundfont, drivers=["no-such-driver", "another-missing-one"])
    assert "no-such-driver" in str(err.value) and "MIDI output" in str(err.value)


def test_render_command_writes_a_wav(tmp_path, soundfont, tune):
    from composer_app.formats import write

    src = tmp_path / "tune.composer"
    write(tune, src)
    out = tmp_path / "out.wav"
    r = subprocess.run([sys.executable, "-m", "composer_app", "render", str(src), "-o", str(out),
                        "--soundfont", str(soundfont)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "real time" in r.stdout
    with wave.open(str(out)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2).astype(float).mean(axis=1)
    assert peak(data, 0.1, 0.45, hz(69)) > 20 * peak(data, 0.1, 0.45, hz(70))  # the tune opens on A4


def test_render_command_bad_soundfont_is_one_line(tmp_path, tune):
    from composer_app.formats import write

    src = tmp_path / "tune.composer"
    write(tune, src)
    r = subprocess.run([sys.executable, "-m", "composer_app", "render", str(src), "-o", str(tmp_path / "x.wav"),
                        "--soundfont", str(tmp_path / "none.sf2")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("composer-app render: soundfont")
    assert "no such file" in r.stderr
