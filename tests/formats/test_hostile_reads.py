"""Only regular files are read, with a bound (issue 13): a device, a FIFO, a symbolic link loop or
a dangling link is refused by name before anything is opened, or (when a FIFO is swapped in after
the check) without blocking; ``convert`` says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from composer_app.errors import FileFormatError
from composer_app.formats import _common

from test_formats_convert_cli import assert_one_line_error

pytestmark = pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and symbolic links of POSIX")


#: Run in a child with its address space capped and a time limit, so that a regression (reading
#: /dev/zero without end, blocking on a FIFO) fails the test instead of taking the machine down.
_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.formats import _common
from composer_app.formats.abc import list_tunes
how, path = sys.argv[1], sys.argv[2]
if how == "swapped":  # a FIFO swapped in after the check: only the open descriptor's check is left
    _common.check_regular_file = lambda path, max_bytes=None: None
reader = {"read": formats.read, "tunes": list_tunes, "swapped": _common.read_bytes}[how]
try:
    reader(path)
except FileFormatError as exc:
    print(exc.path)
    print(exc)
    sys.exit(2)
"""


def read_within(path, how: str = "read", seconds: float = 30.0) -> str:
    """The one-line error of reading ``path`` (``how``: read, tunes, swapped), in a child process."""
    try:
        r = subprocess.run([sys.executable, "-c", _CHILD, how, str(path)], capture_output=True, text=True,
                           timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path} still runs (blocks) after {seconds} s")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stdout + r.stderr
    where, message = r.stdout.splitlines()
    assert where == str(path)
    return message


@pytest.mark.parametrize("name, device", [("zero.mid", "/dev/zero"), ("noise.abc", "/dev/urandom"),
                                          ("zero.musicxml", "/dev/zero"), ("null.composer", "/dev/null")])
def test_a_device_behind_a_music_file_name_is_refused(tmp_path, name, device):
    link = tmp_path / name
    link.symlink_to(device)
    assert "is a device, not a file" in read_within(link)


@pytest.mark.parametrize("name", ["pipe.mid", "pipe.abc", "pipe.mxl", "pipe.composer"])
def test_a_fifo_is_refused_without_blocking(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    assert "FIFO" in read_within(fifo)


def test_the_abc_tune_list_refuses_a_fifo_too(tmp_path):
    """The editor lists an ABC file's tunes before it reads one (the same bounded read)."""
    fifo = tmp_path / "tunes.abc"
    os.mkfifo(fifo)
    assert "FIFO" in read_within(fifo, "tunes")


def test_a_fifo_swapped_in_after_the_check_is_refused_without_blocking(tmp_path):
    """The file is checked again on the open descriptor, which was opened without blocking."""
    fifo = tmp_path / "swapped.mid"
    os.mkfifo(fifo)
    assert "FIFO" in read_within(fifo, "swapped")


def test_a_file_is_never_read_past_its_limit(tmp_path):
    big = tmp_path / "big.abc"
    big.write_bytes(b"X:1\n" + b"%" * 5000)
    with pytest.raises(FileFormatError, match="too large"):
        _common.read_bytes(big, max_bytes=4096)


def test_symbolic_link_loops_and_dangling_links_are_named(tmp_path):
    loop = tmp_path / "loop.mid"
    loop.symlink_to(loop)
    err = read_within(loop)
    assert "loops" in err and "not found" not in err
    a, b = tmp_path / "a.abc", tmp_path / "b.abc"
    a.symlink_to(b)
    b.symlink_to(a)
    assert "loops" in read_within(a)
    dangling = tmp_path / "gone.musicxml"
    dangling.symlink_to(tmp_path / "moved-away.musicxml")
    err = read_within(dangling)
    assert "symbolic link to" in err and "moved-away.musicxml" in err


def convert(*args) -> subprocess.CompletedProcess:
    """``composer-app convert`` in a child capped at 3 GB of address space and 60 s."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-m", "composer_app", "convert", *map(str, args)], capture_output=True,
                          text=True, timeout=60, preexec_fn=cap)


def test_convert_names_loops_devices_and_fifos_in_one_line(tmp_path):
    out = tmp_path / "out.mid"
    loop = tmp_path / "loop.mid"
    loop.symlink_to(loop)
    assert_one_line_error(convert(loop, out), loop, "loops")
    zero = tmp_path / "zero.mid"
    zero.symlink_to("/dev/zero")
    assert_one_line_error(convert(zero, out), zero, "device")
    fifo = tmp_path / "fifo.abc"
    os.mkfifo(fifo)
    assert_one_line_error(convert(fifo, out), fifo, "FIFO")
    assert not out.exists()
