"""Registered functions whose module leaves a mark if it is ever imported or run (tests/test_code.py)."""

import os

import spacy

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "trap.ran"), "w") as mark:
    mark.write("this file was run\n")


@spacy.registry.architectures("trap.Model.v1")
def trap_model(width: int = 8):
    raise RuntimeError("never run")


@spacy.Language.factory("trap_component", default_config={"size": 3})
def make_trap(nlp, name, size: int):
    raise RuntimeError("never run")
