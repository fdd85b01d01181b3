"""Destinations are never clobbered (issue 13): a read-only file is refused with the reason, a
symbolic link is written through (the link stays), a link that loops or leads to a device is
refused, and the temporary files of killed saves are cleaned up, only ours and only stale ones."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.formats._atomic import STALE_AFTER_S, atomic_write_bytes, remove_stale_temporaries

from formats_helpers import lead_sheet
from test_formats_convert_cli import assert_one_line_error, convert

pytestmark = pytest.mark.skipif(os.name != "posix", reason="permissions, symbolic links and flock of POSIX")


def test_a_read_only_destination_is_refused_and_kept(tmp_path):
    out = tmp_path / "keep.mid"
    out.write_bytes(b"precious")
    out.chmod(0o444)
    with pytest.raises(FileFormatError, match="read-only") as err:
        formats.write(lead_sheet(2, 4), out)
    assert err.value.path == str(out)
    assert out.read_bytes() == b"precious" and not out.is_symlink()
    abc = tmp_path / "tune.abc"
    abc.write_text("X:1\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|]\n")
    assert_one_line_error(convert(abc, out), out, "read-only")
    assert out.read_bytes() == b"precious"


def test_a_symlinked_destination_is_written_through(tmp_path):
    real = tmp_path / "sub" / "real.composer"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.composer"
    link.symlink_to(real)
    score = lead_sheet(2, 4)
    formats.write(score, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert formats.read(real).content_equal(score)
    assert [p.name for p in real.parent.iterdir()] == ["real.composer"]  # no temporary left there


def test_a_dangling_link_destination_creates_the_file_it_points_to(tmp_path):
    link = tmp_path / "new.mid"
    link.symlink_to(tmp_path / "target.mid")
    formats.write(lead_sheet(2, 4), link)
    assert link.is_symlink() and (tmp_path / "target.mid").is_file()


def test_a_looping_or_device_destination_is_refused(tmp_path):
    loop = tmp_path / "loop.musicxml"
    loop.symlink_to(loop)
    with pytest.raises(FileFormatError, match="loops"):
        formats.write(lead_sheet(2, 4), loop)
    null = tmp_path / "null.mid"
    null.symlink_to("/dev/null")
    with pytest.raises(FileFormatError, match="not a regular file"):
        formats.write(lead_sheet(2, 4), null)
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    assert_one_line_error(convert(tmp_path / "missing.abc", loop), tmp_path / "missing.abc", "not found")
    src = tmp_path / "tune.abc"
    src.write_text("X:1\nM:4/4\nL:1/4\nK:C\nCDEF|]\n")
    assert_one_line_error(convert(src, loop), loop, "loops")


def _age(path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_stale_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    out = tmp_path / "song.mid"
    stale = [tmp_path / f".song.mid.{tag}.tmp" for tag in ("a1b2c3d4", "zz_9yy8x")]
    for p in stale:
        p.write_bytes(b"\0" * 1000)
        _age(p, STALE_AFTER_S + 60)
    fresh = tmp_path / ".song.mid.q1w2e3r4.tmp"  # a save that may still be running
    fresh.write_bytes(b"x")
    others = [tmp_path / n for n in (".song.mid.tmp", ".song.mid.abc.tmp", ".other.mid.a1b2c3d4.tmp",
                                     "song.mid.a1b2c3d4.tmp", ".song.mid.A1B2C3D4.tmp", ".song.mid.a1b2c3d4.bak")]
    for p in others:
        p.write_bytes(b"not ours")
        _age(p, STALE_AFTER_S + 60)
    atomic_write_bytes(out, b"new")
    assert out.read_bytes() == b"new"
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and all(p.exists() for p in others)


def test_a_temporary_held_by_a_live_save_is_kept(tmp_path):
    held = tmp_path / ".song.mid.h0ld1ng_.tmp"
    held.write_bytes(b"being written")
    _age(held, STALE_AFTER_S + 60)
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDWR)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "print('locked', flush=True)\n"
                               "time.sleep(60)\n", str(held)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert remove_stale_temporaries(tmp_path / "song.mid") == 0
        assert held.exists()
    finally:
        holder.kill()
        holder.wait()
    assert remove_stale_temporaries(tmp_path / "song.mid") == 1
    assert not held.exists()


def test_a_symlink_named_like_a_temporary_is_never_followed_or_removed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    trap = tmp_path / ".song.mid.aaaaaaaa.tmp"
    trap.symlink_to(victim)
    os.utime(trap, (0, 0), follow_symlinks=False)
    assert remove_stale_temporaries(tmp_path / "song.mid") == 0
    assert trap.is_symlink() and victim.read_text() == "keep me"
