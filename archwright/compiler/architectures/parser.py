"""Transition-based parser models for the parser and NER (spec: "Parser & NER architectures")."""

from __future__ import annotations

from .. import expr as x
from ..expr import Args
from ._card import POSITIVE, hash_embed_cnn, spec_card

FAMILY = "parser"
DOCS_TO_VECTORS = "Model[List[Doc], List[Floats2d]]"
PARSER = "Model[List[Docs], List[List[Floats2d]]]"  # as the spec writes it


def _args(use_upper_doc: str) -> dict:
    return {
        "tok2vec": {"annotation": DOCS_TO_VECTORS, "doc": "Gives each token a vector; run once per batch."},
        "state_type": {"annotation": "Literal['parser', 'ner']",
                       "doc": "The task whose state features are extracted: \"parser\" or \"ner\"."},
        "extra_state_tokens": {"doc": "Extract a larger set of state tokens (a little slower, sometimes better)."},
        "hidden_width": {**POSITIVE, "doc": "Width of the hidden layer."},
        "maxout_pieces": {**POSITIVE, "recommended": (1, 3),
                          "doc": "Maxout pieces of the state layer; 1 means ReLU (with the upper layer) or none."},
        "use_upper": {"doc": use_upper_doc},
        "nO": {**POSITIVE, "doc": "Number of actions; normally set from the data at initialization."},
    }


# state tokens the transition system extracts features from: (plain, with extra_state_tokens)
STATE_TOKENS = {"parser": (8, 13), "ner": (3, 6)}


def transition_based_parser(a: Args) -> x.Node:
    """tok2vec >> list2array >> linear to `hidden_width`; the lower layer, a precomputable affine
    over the state tokens' vectors; with `use_upper`, a linear upper layer scoring the actions.
    A row of scores per parse state."""
    inner = a.sub("tok2vec")
    hidden = a["hidden_width"]
    n_features = STATE_TOKENS[a["state_type"]][bool(a.get("extra_state_tokens", False))]
    n_actions = a.size("n_actions")
    use_upper = a.get("use_upper", True)
    projected = x.with_dims(x.chain(inner, x.list2array(), x.Linear(hidden, a.width_of(inner))), nO=hidden)
    lower = x.precomputable_affine(hidden if use_upper else n_actions, hidden, n_features, a["maxout_pieces"])
    upper = x.Linear(n_actions, init_W="zero") if use_upper else None
    return x.parser_model(projected, lower, upper)


CARDS = [
    spec_card(
        "spacy.TransitionBasedParser.v2", expression=transition_based_parser, family=FAMILY, returns=PARSER,
        doc="A transition-based model for dependency parsing or NER: a tok2vec, a lower layer "
            "precomputing one vector per (token, feature) pair, and an optional upper feed-forward "
            "layer scoring the actions.",
        args=_args("Add the upper hidden layer; best off for large (transformer) tok2vecs."),
        example="""
[model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = 64
maxout_pieces = 2
use_upper = true

""" + hash_embed_cnn("model.tok2vec")),
    spec_card(
        "spacy.TransitionBasedParser.v1", expression=transition_based_parser, family=FAMILY, returns=PARSER, legacy=True,
        doc="Earlier version of TransitionBasedParser.v2 with the same arguments, except that "
            "`use_upper` defaults to true.",
        args=_args("Add the upper hidden layer (default true)."),
        example="""
[model]
@architectures = "spacy.TransitionBasedParser.v1"
state_type = "parser"
extra_state_tokens = false
hidden_width = 64
maxout_pieces = 2
use_upper = true

""" + hash_embed_cnn("model.tok2vec")),
]
