"""The archwright explorer, a Streamlit app: `archwright ui [CONFIG]`, or
`streamlit run archwright/ui/app.py`. It opens the config explorer on the file given on the
command line, else on the bundled examples; the sidebar switches to the architecture browser."""

from __future__ import annotations

import streamlit as st

from archwright.ui import browser, compare, examples, explorer

PAGES = {"Config explorer": explorer.page, "Compare configs": compare.page, "Architecture browser": browser.page}

st.set_page_config(page_title="archwright explorer", page_icon="🧱", layout="wide")
st.sidebar.markdown("## archwright")
for message in examples.read_code():  # `archwright ui --code FILE.py`
    st.sidebar.caption(message)
choice = st.sidebar.radio("Page", list(PAGES), key="page")
try:
    PAGES[choice]()
except Exception as e:  # a bug of archwright's: say so, without a traceback or the server's paths
    st.error(f"archwright hit an internal error (AW114, a bug in archwright, not in your config): "
             f"{type(e).__name__}. Please report it with the config.")
