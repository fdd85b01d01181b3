"""Offline rendering: a score -> stereo audio with FluidSynth, no audio driver, faster than real time.

The same event list the real-time player sends is rendered block by block: audio up to the next
event's sample, then the event. ``render_score`` returns an ``(frames, 2)`` int16 numpy array;
``write_wav`` stores it with the standard library's :mod:`wave`.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..score import Score
from .events import EventList, build_events
from .outputs import apply_to_synth, new_synth

BLOCK = 4096  # frames per get_samples call at most


def render_events(events: EventList, soundfont: str | os.PathLike | None = None, *, sample_rate: int = 44100,
                  gain: float = 0.5, tail: float = 1.5) -> np.ndarray:
    """Render ``events`` (from their start time to their end plus ``tail`` seconds of release)."""
    synth, _sfid, _path = new_synth(soundfont, gain=gain, sample_rate=sample_rate)
    try:
        for m in events.setup:
            apply_to_synth(synth, m)
        t0 = events.start_time
        chunks: list[np.ndarray] = []
        done = 0  # frames rendered so far

        def render_to(frame: int):
            nonlocal done
            while done < frame:
                n = min(BLOCK, frame - done)
                chunks.append(np.asarray(synth.get_samples(n), dtype=np.int16).reshape(-1, 2))
                done += n

        for ev in events.events:
            render_to(int(round((ev.time - t0) * sample_rate)))
            apply_to_synth(synth, ev.message)
        render_to(int(round((events.end_time - t0 + tail) * sample_rate)))
        return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int16)
    finally:
        synth.delete()


def render_score(score: Score, soundfont: str | os.PathLike | None = None, *, sample_rate: int = 44100,
                 gain: float = 0.5, tail: float = 1.5, metronome: bool = False,
                 start_tick: int = 0, end_tick: int | None = None) -> np.ndarray:
    """Melody tracks and the voiced chord lane of ``score`` as ``(frames, 2)`` int16 audio."""
    events = build_events(score, start_tick, end_tick, metronome=metronome)
    return render_events(events, soundfont, sample_rate=sample_rate, gain=gain, tail=tail)


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int = 44100) -> Path:
    """Write int16 stereo (or mono) ``audio`` as a 16-bit PCM WAV file."""
    path = Path(path)
    audio = np.asarray(audio, dtype=np.int16)
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    try:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(audio.astype("<i2").tobytes())
    except OSError as exc:
        raise FileFormatError(path, f"cannot write the WAV file ({exc.strerror or exc})") from exc
    return path
