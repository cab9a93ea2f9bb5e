"""The language server: `archwright lsp` serves a config's diagnostics, hovers, completions,
navigation, quick fixes and outline to an editor over stdio (pygls + lsprotocol).

A thin layer over `Compilation`: `document.py` holds one open config and answers "what is at
this position"; each feature has its module (hover, complete, navigate, actions, outline), and
`server.py` wires them to LSP requests. Validating never imports thinc, numpy or networkx; a
hover on a model block computes its layer graph (networkx) only then.
"""
