"""Layers and initializers the spec's examples name without documenting them."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import spec_card, variant

FAMILY = "layers"

def _reduction(kind: str):
    return lambda a: x.reduce(kind)


def chain_layers(a: Args) -> x.Node:
    """Thinc's chain.v1 of the `*` blocks: each one's output feeds the next."""
    return x.chain(*a.subs())


def concatenate_layers(a: Args) -> x.Node:
    """Thinc's concatenate.v1 of the `*` blocks, all fed the same input: widths add up."""
    return x.concatenate(*a.subs())


CARDS = [
    spec_card(
        "reduce_mean.v1", expression=_reduction("mean"), registry="layers", family=FAMILY, returns="Model[Ragged, Floats2d]", in_spec=False,
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
CARDS += [
    spec_card(f"reduce_{kind}.v1", registry="layers", family=FAMILY, returns="Model[Ragged, Floats2d]", in_spec=False,
              expression=_reduction(kind), doc=f"Thinc's {kind} pooling of the rows of each sequence.",
              example=f"""
[model]
@layers = "reduce_{kind}.v1"
""") for kind in ("first", "last", "max", "sum")]
CARDS += [
    spec_card("chain.v1", registry="layers", family=FAMILY, returns="Model", in_spec=False, expression=chain_layers,
              args={"layer": {"doc": "The layers, in order: the `*` sub-blocks."}},
              doc="Thinc's chain: the output of each layer feeds the next.", example="""
[model]
@layers = "chain.v1"

[model.*.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["NORM"]
rows = [1000]
include_static_vectors = false

[model.*.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 64
window_size = 1
maxout_pieces = 3
depth = 2
"""),
    spec_card("concatenate.v1", registry="layers", family=FAMILY, returns="Model", in_spec=False,
              args={"layers": {"doc": "The layers that read the same input: the `*` sub-blocks."}},
              expression=concatenate_layers, doc="Thinc's concatenate: every layer reads the same input; "
              "their outputs are joined side by side.", example="""
[model]
@layers = "concatenate.v1"

[model.*.norm]
@architectures = "spacy.MultiHashEmbed.v2"
width = 96
attrs = ["NORM"]
rows = [1000]
include_static_vectors = false

[model.*.shape]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["SHAPE"]
rows = [500]
include_static_vectors = false
"""),
]
