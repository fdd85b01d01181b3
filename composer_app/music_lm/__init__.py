"""The music language model: tokenizer, data, training, loading and evaluation.

Only this package (and ``generation/``) imports torch and transformers, and only in the modules
that need them (``dataset``, ``training``, ``loading``, ``evaluation``, ``model``); the tokenizer,
vocabulary, corpus and baselines are pure Python.

Vocabulary (:mod:`.vocab`): a lead-sheet vocabulary of ~510 tokens. Per bar: ``Bar``, meter or
key changes, then for each onset ``Pos_<ticks>`` followed by the chord starting there
(``Root_<pc> Q_<quality> [Bass_<pc>]`` or ``NC``) and the notes starting there
(``Pitch_<midi> Dur_<ticks>``). Positions are on a 40-tick grid (1/12 of a quarter: 16ths and
triplets are exact); a chord lasts until the next chord or ``NC``.

Sequence layouts (the task token says which; ``H`` = ``<bos> <TASK> TS_x Key_y``, the meter and
key in effect at the first context bar; the context is cut from the left to fit):

===========  ===============================================================================
task         layout
===========  ===============================================================================
continue     ``H  context-bars  region-bars [<eos> at the end of a piece]``
harmonize    ``H  context-bars  <MEL> region melody (no chords)  <CHD> region chords  <eos>`` (*)
chords       ``H  context-bars  <CHD> region chords (no melody) [<eos> at the end of a piece]``
infill       ``H  context-bars  <AFTER> bars after the region  <FILL> Len_n  region-bars  <eos>``
===========  ===============================================================================

(*) in both region parts each ``Bar`` is followed by ``Idx_k``, the bar's number in the region,
so the chords of bar k can find bar k's melody by matching tokens instead of counting bars.

*Harmonize* is how suggestions for chords see the melody they harmonize: the whole region's
melody comes before the first chord of the region is predicted. *Chords* continues a progression
without writing melody; *infill* sees the bars after the region before writing it. Training mixes
the four (45/35/10/10 %) with random regions and transpositions.

For the generation engine: ``MusicTokenizer.build_prompt(score, task, start_tick, end_tick)``
returns a :class:`~.tokenizer.Prompt` whose ``ids`` end exactly where the answer starts (the answer
begins with ``Bar``); ``MusicTokenizer.decode_continuation(ids, score, start_tick, end_tick)``
turns sampled ids into notes and chords; the id groups for logit masks (``pitch_ids``,
``duration_ids``, ``position_ids``, ``root_ids``, ``quality_ids``, ``bass_ids``, ``bar_id``,
``eos_id`` ...) are attributes of the tokenizer. ``loading.load_model(path, device)`` loads a model
folder with its tokenizer.
"""

from .tokenizer import EncodedPiece, MusicTokenizer, Prompt
from .vocab import VocabConfig, Vocabulary

__all__ = ["MusicTokenizer", "Prompt", "EncodedPiece", "Vocabulary", "VocabConfig"]
