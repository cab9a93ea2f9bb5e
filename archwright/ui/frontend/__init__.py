"""The explorer's own Streamlit component: graph.js and graph.css, the pan/zoom/click graph view (no build step)."""
