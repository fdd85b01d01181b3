"""Sound and MIDI: score -> events, a drift-free scheduler, outputs (FluidSynth, MIDI ports),
offline rendering and MIDI input. Only ``qt_player.py`` imports Qt (QtCore)."""

from .errors import (
    AudioDriverError, MidiPortError, OutputDroppedError, PlaybackError, PortGoneError, PortNotFoundError,
    SoundfontNotFoundError, SynthUnavailableError, VirtualPortUnsupportedError,
)
from .events import EventList, MidiEvent, TempoMap, build_events, candidate_events, voice_chord, voice_chords
from .outputs import (
    APP_INPUT_NAME, APP_PORT_NAME, FluidSynthOutput, MidiPortOutput, MultiOutput, NullOutput, Output,
    OutputConfig, find_soundfont, list_ports, open_outputs,
)
from .scheduler import PAUSED, PLAYING, STOPPED, Scheduler

__all__ = [
    "AudioDriverError", "MidiPortError", "OutputDroppedError", "PlaybackError", "PortGoneError",
    "PortNotFoundError", "SoundfontNotFoundError", "SynthUnavailableError", "VirtualPortUnsupportedError",
    "EventList", "MidiEvent", "TempoMap", "build_events", "candidate_events", "voice_chord", "voice_chords",
    "APP_INPUT_NAME", "APP_PORT_NAME", "FluidSynthOutput", "MidiPortOutput", "MultiOutput", "NullOutput",
    "Output", "OutputConfig", "find_soundfont", "list_ports", "open_outputs",
    "PAUSED", "PLAYING", "STOPPED", "Scheduler",
]
