"""What a config costs, as charts: compute and memory per component and per layer of the chosen
component (the estimates of compiler/cost.py; what they count: docs/costs.md).

A figure that depends on a data-dependent size (`n_labels`) is drawn as its constant part and
written out whole in the caption, as the parameter charts do."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..compiler import cost
from ..compiler.dims import count
from ..present.figures import ROW_NAMES, peak_text, per_rows_text, unknown_text

MB = 1_000_000


def component_rows(costs: dict[str, cost.ComponentCost]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per modelled component: FLOPs per row (a bar per kind of row) and memory (weights, training
    with Adam, in MB)."""
    compute, memory = [], []
    for name, component in costs.items():
        if component.cost is None:
            continue
        for rows, value in component.cost.flops.items():
            compute.append({"component": name, "FLOPs": count(value).constant, "per": ROW_NAMES.get(rows, rows)})
        memory.append({"component": name, "weights (MB)": count(component.cost.param_bytes).constant / MB,
                       "to train with Adam (MB)": count(component.cost.training_bytes).constant / MB})
    return compute, memory


def layer_rows(component: cost.ComponentCost) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per leaf layer (numbered as in the parameter chart): its FLOPs per row of its input and
    the bytes its output holds per row, with what the row is."""
    compute, activations = [], []
    if component.cost is None:
        return compute, activations
    for i, layer in enumerate(component.cost.walk()):
        if layer.children:
            continue
        label = f"{i:02d} {layer.layer.name}"
        for rows, value in layer.own_flops.items():
            compute.append({"layer": label, "FLOPs": count(value).constant, "per": ROW_NAMES.get(rows, rows)})
        if layer.bytes is not None:
            activations.append({"layer": label, "bytes": count(layer.bytes).constant,
                                "per": ROW_NAMES.get(layer.rows, layer.rows)})
    return compute, activations


def charts(graph: Any, component: str | None) -> None:
    """The compute and memory charts of the pipeline's components and of `component`'s layers."""
    import pandas as pd

    costs = cost.components(graph)
    compute, memory = component_rows(costs)
    if len(memory) >= 2:
        st.subheader("What the pipeline costs")
        st.caption("FLOPs of a forward pass per row of each component's input (2 per multiply-add with "
                   "the weights; a listener's upstream is its own bar). " + _formulas(costs))
        st.bar_chart(pd.DataFrame(compute), x="component", y="FLOPs", color="per", horizontal=True, sort=False,
                     height=80 + 30 * len(compute))
        st.caption("Memory of the weights at float32, and to train them with Adam (weights, gradients "
                   "and two moments)")
        st.bar_chart(pd.DataFrame(memory), x="component", y=["weights (MB)", "to train with Adam (MB)"],
                     y_label="MB", horizontal=True, stack=False, sort=False, height=80 + 40 * len(memory))
    chosen = costs.get(component) if component else None
    if chosen is None or chosen.cost is None:
        return
    flops, activations = layer_rows(chosen)
    st.subheader(f"What {component} costs, by layer")
    report = cost.component_report(chosen)
    peak = report["peak_bytes_per_token"]
    st.caption(f"Compute: {per_rows_text(report['flops'], 'FLOPs') or 'unknown'}"
               + "".join(f" (+ {unknown_text(text)})" for text in report["unknown"])
               + (f"; gathers {per_rows_text(report['gathered'], 'floats')}" if report["gathered"] else "")
               + (f" (+ what {', '.join(chosen.listens_to)} computes)" if chosen.listens_to else "")
               + f". Peak of live activations: {peak_text(peak)} per token.")
    if flops:
        st.bar_chart(pd.DataFrame(flops), x="layer", y="FLOPs", color="per", horizontal=True, sort=False)
    if activations:
        st.caption("Bytes each layer's output holds per row (float32; ids 8 bytes)")
        st.bar_chart(pd.DataFrame(activations), x="layer", y="bytes", color="per", horizontal=True, sort=False)


def _formulas(costs: dict[str, cost.ComponentCost]) -> str:
    """The figures the bars cannot show whole: those that depend on data-dependent sizes."""
    parts = []
    for name, component in costs.items():
        if component.cost is None:
            continue
        symbolic = {rows: v for rows, v in cost.by_rows(component.cost.flops).items() if isinstance(v, str)}
        if symbolic or component.cost.opaque:
            texts = ([per_rows_text(symbolic, "FLOPs")] if symbolic else []) + \
                [unknown_text(t) for t in component.cost.opaque]
            parts.append(f"{name}: {'; '.join(texts)}")
    return ("The bars leave out what depends on data-dependent sizes or is unknown: " + "; ".join(parts)) \
        if parts else ""
