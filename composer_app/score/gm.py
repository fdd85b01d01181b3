"""General MIDI Level 1 program (instrument) names and families. Pure data, no Qt.

Programs are 0-based here, as in MIDI messages and :attr:`composer_app.score.Track.program`;
people usually number them 1-128 (:func:`program_label` shows both).
"""

from __future__ import annotations

GM_PROGRAMS: tuple[str, ...] = (
    # Piano
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    # Chromatic Percussion
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells",
    "Dulcimer",
    # Organ
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion",
    "Harmonica", "Tango Accordion",
    # Guitar
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)",
    "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar", "Distortion Guitar",
    "Guitar Harmonics",
    # Bass
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass",
    "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    # Strings
    "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings",
    "Orchestral Harp", "Timpani",
    # Ensemble
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs",
    "Voice Oohs", "Synth Voice", "Orchestra Hit",
    # Brass
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2",
    # Reed
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet",
    # Pipe
    "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    # Synth Lead
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)",
    "Lead 5 (charang)", "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    # Synth Pad
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)",
    "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    # Synth Effects
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    # Ethnic
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    # Percussive
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum",
    "Reverse Cymbal",
    # Sound Effects
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter",
    "Applause", "Gunshot",
)

GM_FAMILIES: tuple[str, ...] = (
    "Piano", "Chromatic Percussion", "Organ", "Guitar", "Bass", "Strings", "Ensemble", "Brass",
    "Reed", "Pipe", "Synth Lead", "Synth Pad", "Synth Effects", "Ethnic", "Percussive",
    "Sound Effects",
)

assert len(GM_PROGRAMS) == 128 and len(GM_FAMILIES) == 16

#: MIDI channel 10 (index 9) plays General MIDI percussion, not the program's instrument.
PERCUSSION_CHANNEL = 9


def program_name(program: int) -> str:
    """Name of a 0-based GM program; raises ``ValueError`` outside 0-127."""
    if not 0 <= program <= 127:
        raise ValueError(f"GM program {program} out of range 0-127")
    return GM_PROGRAMS[program]


def program_family(program: int) -> str:
    program_name(program)
    return GM_FAMILIES[program // 8]


def program_label(program: int) -> str:
    """``"1 Acoustic Grand Piano"``: the 1-based number people know and the name."""
    return f"{program + 1} {program_name(program)}"


def find_program(name: str) -> int:
    """0-based program whose name matches ``name`` (case-insensitive, exact or unique prefix)."""
    needle = name.strip().lower()
    exact = [i for i, n in enumerate(GM_PROGRAMS) if n.lower() == needle]
    if exact:
        return exact[0]
    prefix = [i for i, n in enumerate(GM_PROGRAMS) if n.lower().startswith(needle)]
    if len(prefix) == 1:
        return prefix[0]
    raise ValueError(f"'{name}' is not a General MIDI instrument name" if not prefix
                     else f"'{name}' matches several instruments: " + ", ".join(GM_PROGRAMS[i] for i in prefix[:4]))
