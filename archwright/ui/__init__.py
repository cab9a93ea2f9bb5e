"""The Streamlit explorer (`archwright ui`): an architecture browser and a config explorer.

`app.py` is the Streamlit entry; `views.py` computes what the pages show (without streamlit, so
it is tested directly); only the page modules import streamlit.
"""
