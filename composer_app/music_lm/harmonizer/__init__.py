"""The harmonizer: a bidirectional chord model that reads a whole melody before choosing chords.

The language model (:mod:`composer_app.music_lm`) writes left to right, so a chord can only see
the melody before it. Harmonizing a melody the composer already wrote is a different task: every
chord should see the notes under it *and* around it. The harmonizer is a small
``BertForTokenClassification`` over one slot per felt beat (:mod:`.encoding`): the melody heard
in the beat, the metric position, the key, and the beat's chord when it is already known (chords
outside the region being harmonized). It predicts a distribution over 120 chord classes (12 roots
x 10 qualities, :mod:`.labels`) per beat; :mod:`.decode` turns those into whole progressions with
learned harmonic-rhythm and progression statistics (Viterbi for rank 1, posterior sampling for
the alternatives). :mod:`.runtime` loads a folder and harmonizes a score; :mod:`.training` and
:mod:`.data` train it with the Hugging Face ``Trainer`` (``composer-app train --kind harmonizer``).
It ships as ``resources/models/harmonizer`` (a standard Hugging Face folder; no code is run from it).
"""
