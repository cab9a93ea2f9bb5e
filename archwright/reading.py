"""Reading the files and streams a user names, bounded by what is actually read: a device or a
pipe reports a size of 0, so the size a file reports is never trusted. Only regular files are
opened (a FIFO would block until someone writes to it, /dev/zero never ends); standard input is
read up to the same cap."""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


class NotRegularFile(OSError):
    """The path names a directory, a FIFO, a device or a socket: archwright reads files only."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"it is {kind}, not a regular file")
        self.strerror = f"it is {kind}, not a regular file"


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """A regular file opened for reading, without blocking on a FIFO (opened non-blocking,
    checked, and only then read); NotRegularFile for anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(next((kind for test, kind in _KINDS if test(mode)), "not a regular file"))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: str | os.PathLike, limit: int) -> bytes:
    """At most `limit + 1` bytes of a regular file: more than `limit` means too large."""
    with open_regular(path) as stream:
        return stream.read(limit + 1)


def read_stream_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit + 1` bytes of a stream (standard input, a pipe), read in pieces."""
    pieces, size = [], 0
    while size <= limit:
        piece = stream.read(min(1 << 20, limit + 1 - size))
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)
