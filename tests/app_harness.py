"""The browser tests' Chromium: Debian's (installed by .ci/run). Without it the tests are
skipped on a developer's machine and fail in CI, where it must be present."""

from __future__ import annotations

import os

import pytest

from sim.app.serve import CHROMIUM_ARGS, app_server, find_chromium

__all__ = ["CHROMIUM_ARGS", "app_server", "chromium_path"]


def chromium_path() -> str:
    path = find_chromium()
    if not path:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: .ci/run installs it with apt-get")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    return path
