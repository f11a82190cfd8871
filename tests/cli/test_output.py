"""Output files (`-o`): whole or not at all, mode kept, never replacing what is not a file."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from smaf_expert.cli.output import OutputError, write_atomically


def test_a_regular_file_is_replaced_keeping_its_mode(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    path.chmod(0o600)
    write_atomically(str(path), "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    write_atomically(str(link), "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomically(str(fifo), "through the pipe")
    reader.join(timeout=10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="it is a folder"):
        write_atomically(str(tmp_path), "x")


def test_a_missing_folder_is_an_error_and_leaves_nothing(tmp_path):
    with pytest.raises(OutputError, match="No such file or directory"):
        write_atomically(str(tmp_path / "missing" / "x.txt"), "x")
    assert list(tmp_path.iterdir()) == []
