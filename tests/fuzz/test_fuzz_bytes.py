"""Pure random bytes (and random text) under every readable extension."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from composer_app.formats import SUPPORTED_READ
from fuzz_contract import check_read, fuzz_settings

PREFIXES = [b"", b"MThd", b"MThd\x00\x00\x00\x06", b"PK\x03\x04", b"<?xml version='1.0'?><score-partwise",
            b"{\"format\": \"composer-assistant-project\", \"version\": 1", b"X:1\nK:C\n", b"\xef\xbb\xbf", b"\xff\xfe"]


@fuzz_settings(150, weight=0.3)
@given(ext=st.sampled_from(SUPPORTED_READ), prefix=st.sampled_from(PREFIXES),
       body=st.binary(max_size=4096) | st.text(max_size=2000).map(lambda s: s.encode("utf-8")))
def test_random_bytes_every_extension(ext, prefix, body):
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        path = Path(d) / f"noise{ext}"
        path.write_bytes(prefix + body)
        check_read(path, "bytes " + ext)
