"""Layers and initializers the spec's examples name without documenting them."""

from __future__ import annotations

from ._card import spec_card

FAMILY = "layers"

CARDS = [
    spec_card(
        "reduce_mean.v1", registry="layers", family=FAMILY, returns="Model[Ragged, Floats2d]", in_spec=False,
        doc="Thinc's mean pooling: averages the rows of each sequence (a common transformer pooling).",
        example="""
[model]
@layers = "reduce_mean.v1"
"""),
    spec_card(
        "glorot_uniform_init.v1", registry="initializers", family=FAMILY, in_spec=False,
        returns="Callable[[Ops, Tuple[int, ...]], FloatsXd]",
        doc="Thinc's Glorot (Xavier) uniform initializer for weights.",
        example="""
[init_W]
@initializers = "glorot_uniform_init.v1"
"""),
]
