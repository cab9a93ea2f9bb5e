"""Bounds spaCy and Thinc check inside a function's body, which its signature does not show.

The cards generated from spaCy's registry carry the signature's types only; these are the
checks the functions make when they run, each measured against the real function (the error it
raises is noted). A hand-written card states its own bounds instead.
"""

from __future__ import annotations

# (registry, name) -> argument -> bounds, as Arg's gt / ge / lt / le
BOUNDS: dict[tuple[str, str], dict[str, dict[str, float]]] = {
    # spaCy E1056: "The `TextCatBOW` architecture expects a length of at least 1"
    ("architectures", "spacy.TextCatBOW.v3"): {"length": {"ge": 1}},
    # thinc's Adam raises NotImplementedError for beta1 <= 0 and divides by zero at beta1 = 1
    ("optimizers", "Adam.v1"): {"beta1": {"gt": 0, "lt": 1}},
}

# factory settings (any factory that has the setting) -> bounds
SETTING_BOUNDS: dict[str, dict[str, float]] = {
    # thinc.util.smooth_one_hot: "Label-smoothing parameter has to be greater than or equal to 0",
    # and below (n - 1) / n for n labels, so below 1 whatever the labels
    "label_smoothing": {"ge": 0, "lt": 1},
}
