"""Playback and MIDI errors. Each is a :class:`~composer_app.errors.ComposerError` whose ``str()``
tells the composer what happened and what to do (install this, pick that port)."""

from __future__ import annotations

import sys

from ..errors import ComposerError


class PlaybackError(ComposerError):
    """Base class for sound and MIDI problems. ``fatal`` errors stop playback; others are only reported."""

    fatal = True


class SynthUnavailableError(PlaybackError):
    """libfluidsynth (or its Python binding) cannot be loaded."""

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(f"FluidSynth not found: {install_hint('fluidsynth')}" + (f" ({detail})" if detail else ""))


class SoundfontNotFoundError(PlaybackError):
    """No General MIDI soundfont in the usual places (or the chosen file is missing/unreadable)."""

    def __init__(self, searched: list[str] | None = None, path: str | None = None, reason: str = ""):
        self.searched = searched or []
        self.path = path
        if path:
            msg = f"soundfont {path} cannot be used" + (f": {reason}" if reason else "")
        else:
            msg = f"no General MIDI soundfont found: {install_hint('soundfont')}"
            if self.searched:
                msg += f" (looked in {', '.join(self.searched)})"
        super().__init__(msg)


class AudioDriverError(PlaybackError):
    """FluidSynth loaded, but no audio driver could open a sound device."""

    def __init__(self, tried: list[str]):
        self.tried = tried
        super().__init__(
            "no audio output could be opened (tried FluidSynth drivers: " + ", ".join(tried) + "); "
            "check that a sound server (PipeWire/PulseAudio, JACK) or sound card is available. "
            "MIDI output and offline rendering still work."
        )


class MidiPortError(PlaybackError):
    """A MIDI port could not be opened or used."""


class PortNotFoundError(MidiPortError):
    def __init__(self, wanted: str, available: list[str], kind: str = "output", ambiguous: bool = False):
        self.wanted = wanted
        self.available = available
        listing = ", ".join(f"'{a}'" for a in available) if available else "none"
        what = "matches more than one" if ambiguous else "matches no"
        super().__init__(f"'{wanted}' {what} MIDI {kind} port (available: {listing}); "
                         "give the full name or a unique part of it (see `composer-app ports`)")


class PortGoneError(MidiPortError):
    """The port disappeared while playing (device unplugged, DAW closed)."""

    def __init__(self, name: str, detail: str = ""):
        self.name = name
        super().__init__(f"MIDI port '{name}' disappeared; playback to it stopped" + (f" ({detail})" if detail else ""))


class VirtualPortUnsupportedError(MidiPortError):
    def __init__(self):
        super().__init__(
            "Windows has no virtual MIDI ports: install a loopback driver such as loopMIDI "
            "(https://www.tobias-erichsen.de/software/loopmidi.html), create a port there and choose it as the output"
        )


class OutputDroppedError(PlaybackError):
    """One output of several failed and was removed; playback continues on the others."""

    fatal = False

    def __init__(self, cause: Exception):
        self.cause = cause
        super().__init__(f"{cause}; the other outputs keep playing")


def install_hint(what: str) -> str:
    """Exact install advice for this platform."""
    if sys.platform.startswith("linux"):
        if what == "fluidsynth":
            return "sudo apt install libfluidsynth3 fluid-soundfont-gm (Fedora: sudo dnf install fluidsynth-libs fluid-soundfont-gm)"
        return ("sudo apt install fluid-soundfont-gm (Fedora: sudo dnf install fluid-soundfont-gm), "
                "or put a .sf2 file in the app's soundfonts folder, or choose one in Preferences")
    if sys.platform == "darwin":
        if what == "fluidsynth":
            return "brew install fluid-synth"
        return "download a General MIDI soundfont (e.g. FluidR3_GM.sf2) into the app's soundfonts folder, or choose one in Preferences"
    if what == "fluidsynth":
        return "install FluidSynth for Windows (https://github.com/FluidSynth/fluidsynth/releases) and put its bin folder on PATH"
    return "download a General MIDI soundfont (e.g. FluidR3_GM.sf2) into the app's soundfonts folder, or choose one in Preferences"
