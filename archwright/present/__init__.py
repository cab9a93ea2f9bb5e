"""What people read: DOT / JSON rendering, summary tables, card text, dim formatting; shared by
the CLI, the explorer and the language server."""
