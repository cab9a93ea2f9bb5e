"""The architecture browser: every card of the spec, by family, with its documentation, argument
table and I/O types, and an example config that redraws its graphs as it is edited."""

from __future__ import annotations

import streamlit as st

from ..compiler.architectures import FAMILIES, TITLES
from ..present.render import to_dot
from . import cached, views, widgets


def page() -> None:
    families = {family.FAMILY: family.CARDS for family in FAMILIES}
    family = st.sidebar.selectbox("Family", list(families), format_func=lambda f: TITLES.get(f, f), key="family")
    cards = {card.name: card for card in families[family]}
    # a selector per family; streamlit forgets a widget that is not drawn, so each family's
    # choice is also remembered here and restored when the family is chosen again
    remembered = st.session_state.setdefault("_architecture_by_family", {})
    names = list(cards)
    index = names.index(remembered[family]) if remembered.get(family) in names else 0
    name = st.sidebar.selectbox("Architecture", names, index=index, key=f"arch:{family}")
    remembered[family] = name
    card = cards[name]

    st.title(card.name)
    marks = ["spec card"] * card.in_spec + ["legacy"] * card.legacy
    st.caption(" · ".join([TITLES.get(family, family), f"@{card.registry}"] + marks))
    st.markdown(card.doc or "_No documentation on this card._")
    source, target = views.io_types(card)
    st.markdown(f"**Input:** `{source}` &nbsp; → &nbsp; **Output:** `{target}`")

    st.subheader("Arguments")
    if card.args:
        widgets.table(views.arg_rows(card), key="arguments")
    else:
        st.write("No arguments.")

    st.subheader("Example config")
    text = st.text_area("Edit the example: the graphs and figures below follow each edit (Ctrl+Enter)",
                        card.example, height=260, key=f"example:{card.name}")
    problem = views.too_large(text)
    if problem:
        st.error(problem)
        return
    explored = cached.explored(text, path=f"{card.name} example")
    widgets.diagnostics(explored, text)
    if explored.graph is None:
        return
    if not explored.graph.components:
        st.info("This example has no model block to expand (it configures a section of a training config); "
                "its blocks are shown below.")
    else:
        widgets.model_figures(explored)
    st.subheader("Blocks")
    st.caption("Each `@registry` block of the example; sub-models flow into the block that takes them")
    st.graphviz_chart(to_dot(explored.graph, "blocks"))
    if explored.graph.components:
        st.subheader("Layers")
        widgets.layer_dag(explored, None, "The example")
        for component in explored.graph.components:
            rows = views.shapes_rows(explored.graph, component)
            if rows:
                widgets.table(rows, key=f"shapes:{component}")
