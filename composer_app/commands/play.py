"""``composer-app play INPUT [--port NAME | --virtual]``: play a score to a MIDI port in real time.

Exits at the end; Ctrl+C stops and sends note-offs (and All Notes Off) first. ``--virtual`` opens
the app's own port "Composer Assistant" and waits until you press Enter (connect the DAW first),
or for ``--wait`` seconds when not on a terminal.
"""

from __future__ import annotations

import signal
import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("input", help="a score file (.mid, .musicxml, .abc, project .json ...)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--port", help="an output port: its full name or any unique part (see `composer-app ports`)")
    where.add_argument("--virtual", action="store_true", help='open the virtual port "Composer Assistant"')
    where.add_argument("--synth", action="store_true", help="play through FluidSynth instead of a MIDI port")
    parser.add_argument("--api", choices=["auto", "alsa", "jack", "coremidi", "winmm"], default="auto")
    parser.add_argument("--soundfont", help="soundfont for --synth")
    parser.add_argument("--wait", type=float, default=None,
                        help="with --virtual: seconds to wait for the DAW to connect (default: until Enter)")
    parser.add_argument("--metronome", action="store_true", help="add metronome clicks (channel 10)")
    parser.add_argument("--tune", type=int, default=None, help="which tune of a multi-tune ABC file")


def _stop_cleanly_on_signals() -> None:
    """Ctrl+C (SIGINT) and a polite kill (SIGTERM, e.g. from a script or a DAW's launcher) stop
    playing with note-offs, even when the shell that started us ignored SIGINT (a background job)."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, interrupt)


def run(args) -> int:
    from ..formats import read
    from ..playback.errors import MidiPortError
    from ..playback.events import build_events
    from ..playback.outputs import FluidSynthOutput, MidiPortOutput
    from ..playback.scheduler import Scheduler

    _stop_cleanly_on_signals()
    score = read(args.input, tune=args.tune)
    events = build_events(score, metronome=args.metronome)
    if args.synth:
        output = FluidSynthOutput(args.soundfont)
    elif args.virtual:
        output = MidiPortOutput(virtual=True, api=args.api)
    elif args.port:
        output = MidiPortOutput(args.port, api=args.api)
    else:
        raise MidiPortError("say where to play: --port NAME, --virtual or --synth (see `composer-app ports`)")
    errors: list[Exception] = []
    scheduler = Scheduler(output, on_error=errors.append)
    try:
        if args.virtual:
            print(f"virtual MIDI port '{output.name}' is open ({output.api}); connect your DAW to it", flush=True)
            if args.wait is not None:
                time.sleep(max(0.0, args.wait))
            elif sys.stdin.isatty():
                input("press Enter to play... ")
        print(f"playing {args.input} ({events.duration:.1f} s) to {output.name}", flush=True)
        scheduler.play(events)
        while not scheduler.wait_until_stopped(timeout=0.2):
            pass
        if errors:
            raise errors[0]
        return 0
    finally:  # also on Ctrl+C: note-offs for everything sounding, then All Notes Off
        scheduler.close()
        output.close()
