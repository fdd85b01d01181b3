"""Where MIDI goes: FluidSynth, MIDI ports, nowhere, or several at once.

Every output takes :class:`mido.Message` objects. Failures raise
:class:`~.errors.PlaybackError` subclasses whose text says what to install or choose; the
scheduler reports them and keeps the app alive. Optional pieces (libfluidsynth, a soundfont, an
audio device, a MIDI API) are loaded lazily so a machine without them still edits and exports.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import mido

from .. import paths
from .errors import (
    AudioDriverError,
    MidiPortError,
    OutputDroppedError,
    PlaybackError,
    PortGoneError,
    PortNotFoundError,
    SoundfontNotFoundError,
    SynthUnavailableError,
    VirtualPortUnsupportedError,
)

APP_PORT_NAME = "Composer Assistant"
SYNTH_JACK_NAME = "Composer Assistant Synth"
APP_INPUT_NAME = "Composer Assistant In"


class Output:
    """Abstract MIDI sink. ``send`` must be safe to call from the scheduler thread."""

    name = "output"

    def send(self, msg: mido.Message) -> None:
        raise NotImplementedError

    def panic(self) -> None:
        """All Notes Off, All Sound Off and Reset All Controllers on every channel."""
        for ch in range(16):
            for control in (123, 120, 121):
                self.send(mido.Message("control_change", channel=ch, control=control, value=0))

    def poll(self) -> None:
        """Raise :class:`PortGoneError` if the destination vanished (called about twice a second)."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NullOutput(Output):
    """Discards everything (no synth and no port chosen). Keeps a count for the status bar."""

    name = "none"

    def __init__(self):
        self.sent = 0

    def send(self, msg):
        self.sent += 1


# ---- FluidSynth -----------------------------------------------------------------------------------
def load_fluidsynth():
    """Import pyfluidsynth (which loads libfluidsynth) or raise :class:`SynthUnavailableError`."""
    try:
        import fluidsynth  # noqa: PLC0415 - optional native library
    except (ImportError, OSError) as exc:
        raise SynthUnavailableError(str(exc)) from exc
    return fluidsynth


SOUNDFONT_NAMES = ("FluidR3_GM.sf2", "default-GM.sf2", "GeneralUser*.sf2", "TimGM6mb.sf2", "MuseScore_General.sf2",
                   "MuseScore_General.sf3", "FluidR3_GM.sf3", "*.sf2", "*.sf3")


def soundfont_dirs() -> list[Path]:
    """Folders searched for a GM soundfont, user folder first."""
    dirs = [paths.user_data() / "soundfonts"]
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        dirs += [Path("/usr/share/sounds/sf2"), Path("/usr/share/soundfonts"), Path("/usr/share/sounds/sf3"),
                 Path("/usr/local/share/soundfonts"), Path("/usr/share/fluidsynth")]
    elif sys.platform == "darwin":
        dirs += [Path("/opt/homebrew/share/soundfonts"), Path("/usr/local/share/soundfonts"),
                 Path.home() / "Library/Audio/Sounds/Banks"]
    else:
        dirs += [Path(os.environ.get("PROGRAMDATA", "C:/ProgramData")) / "soundfonts", Path("C:/soundfonts")]
    return dirs


def find_soundfont(preferred: str | os.PathLike | None = None, search: Sequence[Path] | None = None) -> Path:
    """The soundfont to use: ``preferred`` if given (it must exist), else one in the user's
    ``soundfonts`` data folder, else the first GM soundfont in :func:`soundfont_dirs` (well-known
    names before any other ``.sf2``/``.sf3``)."""
    if preferred:
        p = Path(preferred).expanduser()
        if not p.is_file():
            raise SoundfontNotFoundError(path=str(p), reason="no such file")
        return p
    dirs = list(search) if search is not None else soundfont_dirs()
    user = paths.user_data() / "soundfonts"
    if search is None and user.is_dir():  # a soundfont the user put in the app's folder wins
        mine = sorted(x for x in user.iterdir() if x.suffix.lower() in (".sf2", ".sf3") and x.is_file())
        if mine:
            return mine[0]
    for pattern in SOUNDFONT_NAMES:
        for d in dirs:
            if d.is_dir():
                hits = sorted(x for x in d.glob(pattern) if x.is_file())
                if hits:
                    return hits[0]
    raise SoundfontNotFoundError(searched=[str(d) for d in dirs])


def audio_drivers_for_platform(platform: str | None = None) -> list[str]:
    """FluidSynth audio drivers to try, most preferred first."""
    platform = platform or sys.platform
    if platform == "darwin":
        return ["coreaudio", "portaudio", "sdl2"]
    if platform.startswith("win"):
        return ["wasapi", "dsound", "waveout", "sdl2", "portaudio"]
    return ["pipewire", "pulseaudio", "alsa", "jack", "sdl2", "oss"]


def apply_to_synth(synth, msg: mido.Message) -> None:
    """Play one mido message on a pyfluidsynth ``Synth``."""
    t = msg.type
    if t == "note_on":
        if msg.velocity > 0:
            synth.noteon(msg.channel, msg.note, msg.velocity)
        else:
            synth.noteoff(msg.channel, msg.note)
    elif t == "note_off":
        synth.noteoff(msg.channel, msg.note)
    elif t == "control_change":
        synth.cc(msg.channel, msg.control, msg.value)
    elif t == "program_change":
        synth.program_change(msg.channel, msg.program)
    elif t == "pitchwheel":
        synth.pitch_bend(msg.channel, msg.pitch + 8192)


def _load_soundfont(synth, path: Path) -> int:
    sfid = synth.sfload(str(path))
    if sfid < 0:
        raise SoundfontNotFoundError(path=str(path), reason="FluidSynth could not load it (not a SoundFont 2/3 file?)")
    for ch in range(16):  # GM defaults: piano everywhere, drums on channel 10
        synth.program_select(ch, sfid, 128 if ch == 9 else 0, 0)
    return sfid


def new_synth(soundfont: str | os.PathLike | None = None, *, gain: float = 0.5, sample_rate: int = 44100):
    """A FluidSynth synth with a GM soundfont loaded (no audio driver). Returns ``(synth, sfid, path)``."""
    fs = load_fluidsynth()
    path = find_soundfont(soundfont)
    synth = fs.Synth(gain=float(gain), samplerate=float(sample_rate))
    try:
        sfid = _load_soundfont(synth, path)
    except PlaybackError:
        synth.delete()
        raise
    return synth, sfid, path


class FluidSynthOutput(Output):
    """The built-in synthesizer. ``driver=None`` tries :func:`audio_drivers_for_platform` in order."""

    name = "synth"

    def __init__(self, soundfont: str | os.PathLike | None = None, *, driver: str | None = None,
                 gain: float = 0.5, sample_rate: int = 44100, drivers: Sequence[str] | None = None):
        self._fs = load_fluidsynth()
        self.soundfont = find_soundfont(soundfont)  # before anything else: the message names what is missing
        self.synth = self._fs.Synth(gain=float(gain), samplerate=float(sample_rate))
        self._driver = None
        self.driver_name = None
        tried = []
        os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never spawn a JACK server as a side effect
        for name in ([driver] if driver else list(drivers or audio_drivers_for_platform())):
            tried.append(name)
            self.synth.setting("audio.driver", name)
            if name == "jack":
                self.synth.setting("audio.jack.autoconnect", 1)
                # its own JACK client name: sharing the MIDI port's would make JACK rename the
                # MIDI client "Composer Assistant-01"
                self.synth.setting("audio.jack.id", SYNTH_JACK_NAME)
            drv = self._fs.new_fluid_audio_driver(self.synth.settings, self.synth.synth)
            if drv:
                self._driver, self.driver_name = drv, name
                break
        if self._driver is None:
            self.synth.delete()
            self.synth = None
            raise AudioDriverError(tried)
        try:  # the (large) soundfont is loaded only once a sound device is open
            self.sfid = _load_soundfont(self.synth, self.soundfont)
        except PlaybackError:
            self.close()
            raise

    @property
    def gain(self) -> float:
        return float(self.synth.get_setting("synth.gain")) if self.synth is not None else 0.0

    def set_gain(self, gain: float) -> None:
        """Output gain, 0.0-10.0 (0.5 is a comfortable default); takes effect at once."""
        if self.synth is not None:
            set_gain = self._fs.cfunc("fluid_synth_set_gain", None, ("synth", self._fs.c_void_p, 1),
                                      ("gain", self._fs.c_float, 1))
            set_gain(self.synth.synth, float(max(0.0, min(10.0, gain))))
            self.synth.setting("synth.gain", float(max(0.0, min(10.0, gain))))

    def send(self, msg):
        if self.synth is None:
            return
        apply_to_synth(self.synth, msg)

    def panic(self):
        if self.synth is not None:
            for ch in range(16):
                self.synth.all_notes_off(ch)
                self.synth.all_sounds_off(ch)

    def close(self):
        if self.synth is not None:
            self.panic()
            if self._driver:
                self._fs.delete_fluid_audio_driver(self._driver)
                self._driver = None
            self._fs.delete_fluid_synth(self.synth.synth)
            self._fs.delete_fluid_settings(self.synth.settings)
            self.synth = None


# ---- MIDI ports (python-rtmidi) -------------------------------------------------------------------
API_NAMES = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK", "coremidi": "MACOSX_CORE", "winmm": "WINDOWS_MM"}


def _rtmidi():
    try:
        import rtmidi  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - a dependency, but say what to do
        raise MidiPortError(f"python-rtmidi is not installed: pip install python-rtmidi ({exc})") from exc
    return rtmidi


def _api_const(rtmidi, api: str) -> int:
    return getattr(rtmidi, "API_" + API_NAMES[api])


def available_apis() -> list[str]:
    """Our names ('alsa', 'jack', 'coremidi', 'winmm') of the MIDI APIs compiled into python-rtmidi."""
    rtmidi = _rtmidi()
    compiled = set(rtmidi.get_compiled_api())
    return [name for name in API_NAMES if _api_const(rtmidi, name) in compiled]


def _new_client(kind: str, api: str, name: str):
    rtmidi = _rtmidi()
    cls = rtmidi.MidiOut if kind == "output" else rtmidi.MidiIn
    try:
        return cls(_api_const(rtmidi, api), name=name)
    except (rtmidi.RtMidiError, OSError, RuntimeError) as exc:
        raise MidiPortError(f"the {api.upper()} MIDI system is not available ({exc})") from exc


def resolve_api(api: str = "auto", kind: str = "output") -> str:
    """Pick a usable API: on Linux ALSA if its sequencer opens, else JACK if a server runs; CoreMIDI on
    macOS; Windows MM on Windows. Raises :class:`MidiPortError` with the reasons otherwise."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    compiled = available_apis()
    if api != "auto":
        if api not in API_NAMES:
            raise MidiPortError(f"unknown MIDI API '{api}' (choose alsa, jack, coremidi or auto)")
        if api not in compiled:
            raise MidiPortError(f"this python-rtmidi has no {api} support (it has: {', '.join(compiled) or 'none'})")
        return api
    reasons = []
    for cand in [a for a in ("coremidi", "winmm", "alsa", "jack") if a in compiled]:
        try:
            client = _new_client(kind, cand, "Composer Assistant probe")
        except MidiPortError as exc:
            reasons.append(str(exc))
            continue
        if cand == "jack":
            try:  # rtmidi's JACK client connects lazily; listing ports forces it
                client.get_ports()
            finally:
                client.delete()
        else:
            client.delete()
        return cand
    raise MidiPortError("no MIDI system is available: " + "; ".join(reasons)
                        + (" (start JACK, or load the ALSA sequencer: sudo modprobe snd-seq)" if sys.platform.startswith("linux") else ""))


def list_ports(api: str = "auto") -> dict:
    """``{"api": name, "outputs": [...], "inputs": [...]}`` for ``composer-app ports`` and preferences."""
    api = resolve_api(api)
    out = _new_client("output", api, "Composer Assistant list")
    inp = _new_client("input", api, "Composer Assistant list")
    try:
        return {"api": api, "outputs": list(out.get_ports()), "inputs": list(inp.get_ports())}
    finally:
        out.delete()
        inp.delete()


def match_port(wanted: str, names: Sequence[str], kind: str = "output") -> int:
    """Index of the port named ``wanted``: the full name, else the one name containing it
    (case-insensitive; ALSA's ``client:port N:M`` numbers may be left out)."""
    if wanted in names:
        return list(names).index(wanted)
    low = wanted.lower()
    hits = [i for i, n in enumerate(names) if low in n.lower()]
    if len(hits) == 1:
        return hits[0]
    raise PortNotFoundError(wanted, list(names), kind, ambiguous=len(hits) > 1)


#: How long a closing JACK port waits for its queued messages to leave (many JACK periods).
JACK_DRAIN_S = 0.15


class MidiPortOutput(Output):
    """Sends to an existing port (``port`` = full name or a unique part) or, with ``virtual=True``,
    opens the app's own port that a DAW records from (not on Windows: use loopMIDI)."""

    def __init__(self, port: str | None = None, *, virtual: bool = False, api: str = "auto",
                 port_name: str = APP_PORT_NAME, client_name: str = APP_PORT_NAME):
        if not virtual and not port:
            raise MidiPortError("choose a MIDI output port or the virtual port")
        if virtual and sys.platform.startswith("win"):
            raise VirtualPortUnsupportedError()
        self.api = resolve_api(api, "output")
        rtmidi = _rtmidi()
        self._rt = _new_client("output", self.api, client_name)
        self.virtual = virtual
        self.client_name = client_name
        self._lock = threading.Lock()
        try:
            if virtual:
                self._rt.open_virtual_port(port_name)
                self.name = port_name
                self.target = None
            else:
                names = self._rt.get_ports()
                idx = match_port(port, names, "output")
                self.target = names[idx]
                self._rt.open_port(idx, port_name)
                self.name = self.target
        except (rtmidi.RtMidiError, OSError, RuntimeError) as exc:
            self._rt.delete()
            raise MidiPortError(f"cannot open MIDI output '{port or port_name}': {exc}") from exc
        except PlaybackError:
            self._rt.delete()
            raise

    def send(self, msg):
        with self._lock:
            if self._rt is None:
                raise PortGoneError(self.name, "the port was closed")
            try:
                self._rt.send_message(msg.bytes())
            except Exception as exc:  # noqa: BLE001 - rtmidi raises various types
                raise PortGoneError(self.name, str(exc)) from exc

    def poll(self):
        """A chosen port that no longer exists raises :class:`PortGoneError` (virtual ports cannot vanish)."""
        if self.target is None:
            return
        with self._lock:
            if self._rt is None:
                return
            try:
                names = self._rt.get_ports()
            except Exception as exc:  # noqa: BLE001
                raise PortGoneError(self.name, str(exc)) from exc
        if self.target not in names:
            raise PortGoneError(self.target)

    def close(self):
        with self._lock:
            if self._rt is not None:
                try:
                    for ch in range(16):
                        self._rt.send_message([0xB0 | ch, 123, 0])
                        self._rt.send_message([0xB0 | ch, 120, 0])
                except Exception:  # noqa: BLE001
                    pass
                if self.api == "jack":
                    # rtmidi's JACK port hands messages over in JACK's process callback; closing at
                    # once would drop the last note-offs still queued (seen on a loaded machine).
                    time.sleep(JACK_DRAIN_S)
                self._rt.close_port()
                self._rt.delete()
                self._rt = None


class MultiOutput(Output):
    """Several outputs at once. One that fails is closed and dropped (reported as a non-fatal
    :class:`OutputDroppedError`); the others keep playing. When the last one fails, its error is raised."""

    name = "multi"

    def __init__(self, outputs: Iterable[Output]):
        self.outputs: list[Output] = list(outputs)
        self._lock = threading.Lock()

    def _each(self, method: str, *args):
        dropped = None
        for out in list(self.outputs):
            try:
                getattr(out, method)(*args)
            except PlaybackError as exc:
                if len(self.outputs) == 1:
                    raise
                self.outputs.remove(out)
                try:  # best effort: silence what it still plays, then let go of it
                    out.panic()
                except Exception:  # noqa: BLE001
                    pass
                try:
                    out.close()
                except Exception:  # noqa: BLE001
                    pass
                dropped = exc
        if dropped is not None:
            raise OutputDroppedError(dropped)

    def send(self, msg):
        self._each("send", msg)

    def panic(self):
        self._each("panic")

    def poll(self):
        self._each("poll")

    def close(self):
        for out in self.outputs:
            try:
                out.close()
            except Exception:  # noqa: BLE001
                pass


# ---- building outputs from preferences ------------------------------------------------------------
@dataclass(frozen=True)
class OutputConfig:
    """What the user chose in Preferences (any combination)."""

    synth: bool = True
    soundfont: str | None = None  # None: find one automatically
    gain: float = 0.5
    audio_driver: str | None = None  # None: try the platform's drivers in order
    midi_port: str | None = None  # full name or a unique part
    virtual_port: bool = False
    api: str = "auto"


def open_outputs(config: OutputConfig) -> tuple[Output, list[str]]:
    """Open every output ``config`` asks for. Never raises for a missing part: it is left out and
    its message (what to install or choose) is returned for the status bar. With nothing usable
    the result is a :class:`NullOutput`."""
    outputs: list[Output] = []
    problems: list[str] = []
    if config.synth:
        try:
            outputs.append(FluidSynthOutput(config.soundfont, driver=config.audio_driver, gain=config.gain))
        except SoundfontNotFoundError as exc:
            if not config.soundfont:
                problems.append(str(exc))
            else:  # the chosen soundfont is gone (a moved file, an unplugged disk): use any GM one
                try:
                    synth = FluidSynthOutput(None, driver=config.audio_driver, gain=config.gain)
                except PlaybackError as exc2:
                    problems.append(f"{exc}; choose another in Transport > Sound & MIDI Settings ({exc2})")
                else:
                    outputs.append(synth)
                    problems.append(f"{exc}; playing with {Path(synth.soundfont).name} instead (choose another "
                                    "in Transport > Sound & MIDI Settings)")
        except PlaybackError as exc:
            problems.append(str(exc))
    if config.virtual_port:
        try:
            outputs.append(MidiPortOutput(virtual=True, api=config.api))
        except PlaybackError as exc:
            problems.append(str(exc))
    if config.midi_port:
        try:
            outputs.append(MidiPortOutput(config.midi_port, api=config.api))
        except PlaybackError as exc:
            problems.append(str(exc))
    if not outputs:
        return NullOutput(), problems
    if len(outputs) == 1:
        return outputs[0], problems
    return MultiOutput(outputs), problems
