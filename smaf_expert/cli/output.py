"""Output files (`-o`): written whole or not at all, never clobbering what is not a file.

DOMAIN.md section 7: a regular file is replaced atomically (a temporary file in the same folder,
then a rename) and keeps its mode and, where allowed, its owner; a symbolic link is followed, so
the file it points to is replaced and the link kept; a FIFO or character device (a pipe,
/dev/stdout, /dev/null) is written through, never replaced; anything else (a folder, a block
device, a socket) is refused. Every failure is an OutputError naming the path.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from smaf_expert.errors import SmafError


class OutputError(SmafError):
    """An output file cannot be written (missing or unwritable folder, full disk...)."""


def _refuse(path: str, err: OSError | str) -> OutputError:
    why = err if isinstance(err, str) else (err.strerror or str(err))
    return OutputError(f"cannot write {path}: {why}")


def write_atomically(path: str, data: str | bytes) -> None:
    """Write a file whole or not at all: a failure half-way leaves what was there. Text is
    written as UTF-8, bytes as they are."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise _refuse(path, err) from err
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
            _write_through(path, data)
            return
        kind = "a folder, " if stat.S_ISDIR(info.st_mode) else ""
        raise _refuse(path, f"it is {kind}not a regular file, and an output never replaces one")
    # Replace the file a symbolic link points to, not the link.
    target = Path(os.path.realpath(path))
    _replace(path, target, data, info)


def _write_through(path: str, data: bytes) -> None:
    try:
        # No O_CREAT: the node exists; O_TRUNC is ignored by pipes and devices.
        fd = os.open(path, os.O_WRONLY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as err:
        raise _refuse(path, err) from err


def _replace(path: str, target: Path, data: bytes, info: os.stat_result | None) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as err:
        raise _refuse(path, err) from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(tmp, stat.S_IMODE(info.st_mode))
            if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(tmp):
                try:
                    os.chown(tmp, info.st_uid, info.st_gid)
                except PermissionError:
                    pass  # Only root may give a file away; the file is still ours to write.
        else:
            # mkstemp makes the file private; give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _refuse(path, err) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid
