"""The explorer's panel that runs the pipeline's models on a sentence (run.py builds them)."""

from __future__ import annotations

import streamlit as st

from . import cached, views
from .run import MAX_BUILD_PARAMS, SAMPLE, build_function


def panel(explored: views.Explored) -> None:
    st.subheader("Run the models")
    if build_function() is None:
        st.info("Running the models needs `archwright.build` (real Thinc models), which this version of "
                "archwright does not have.")
        return
    if explored.bare:
        st.info("Running the models needs a training config with [nlp] and [components].")
        return
    sentence = st.text_input("Sentence to run", SAMPLE, key="run_sentence")[:views.MAX_SENTENCE_CHARS]
    st.caption(f"Thinc builds each component's model (at most {MAX_BUILD_PARAMS:,} parameters), initializes it "
               "on sample sentences and runs it; label counts not given above are assumed.")
    if st.button("Build and run the pipeline's models", key="run_models"):
        with st.spinner("Building the Thinc models ..."):
            rows, notes = cached.ran(explored, sentence)
        for note in notes:
            (st.info if rows else st.error)(note)
        if rows:
            from . import widgets

            widgets.table(rows, key="run_outputs")
