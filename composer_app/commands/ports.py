"""``composer-app ports``: list MIDI inputs and outputs and the MIDI API in use."""

from __future__ import annotations

import json


def add_arguments(parser) -> None:
    parser.add_argument("--api", choices=["auto", "alsa", "jack", "coremidi", "winmm"], default="auto",
                        help="MIDI system to ask (default: ALSA on Linux if available, else JACK)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a listing")


def run(args) -> int:
    from ..playback.outputs import available_apis, list_ports

    info = list_ports(args.api)
    if args.json:
        info = dict(info, compiled_apis=available_apis())
        print(json.dumps(info))
        return 0
    print(f"MIDI API: {info['api']} (available: {', '.join(available_apis())})")
    print("Outputs:")
    for name in info["outputs"] or ["(none)"]:
        print(f"  {name}")
    print("Inputs:")
    for name in info["inputs"] or ["(none)"]:
        print(f"  {name}")
    print('Use a full name or any unique part of it with `composer-app play --port NAME`; '
          '`--virtual` opens the port "Composer Assistant" instead.')
    return 0
