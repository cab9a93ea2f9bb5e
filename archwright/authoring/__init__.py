"""Tools that read and rewrite configs (fmt, fill, diff), above the compiler."""
