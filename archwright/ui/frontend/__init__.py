"""The explorer's own Streamlit component: index.html, the pan/zoom/click graph view (no build step)."""
