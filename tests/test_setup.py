"""The README's two commands on a machine without the system packages: `make test` and `make app`
check for them first and print the exact command that installs what is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check_system.sh"


def _bare_path(tmp_path: Path, *keep: str) -> str:
    """A PATH holding only the basic tools the check uses (no pdftoppm, no chromium)."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("grep", "ls", "id", "ldconfig", "sh", "make", *keep):
        found = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
        if found:
            (bin_ / tool).symlink_to(found)
    return str(bin_)


def _check(tmp_path: Path, need: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": _bare_path(tmp_path), "PY": sys.executable, "HOME": str(tmp_path)}
    return subprocess.run(["/bin/sh", str(CHECK), need], capture_output=True, text=True, timeout=60,
                          env={**base, **env})


def test_this_machine_has_what_the_tests_need() -> None:
    r = subprocess.run(["/bin/sh", str(CHECK), "test"], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PY": sys.executable})
    assert r.returncode == 0, r.stdout
    assert "missing" not in r.stdout


def test_missing_test_tools_stop_make_test_with_the_exact_command(tmp_path: Path) -> None:
    r = _check(tmp_path, "test")
    assert r.returncode == 1
    assert "missing: pdftoppm (poppler; the PDF tests render pages)" in r.stdout
    assert "missing: Chromium (the browser tests drive it)" in r.stdout
    sudo = "" if os.getuid() == 0 else "sudo "
    assert (f"install with:  {sudo}apt-get update && {sudo}apt-get install -y --no-install-recommends "
            "poppler-utils chromium") in r.stdout


def test_the_app_does_not_need_the_test_tools(tmp_path: Path) -> None:
    r = _check(tmp_path, "app")
    assert r.returncode == 0 and r.stdout == "", r.stdout


def test_an_old_or_venv_less_python_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")  # a Python that fails every check (too old, no venv)
    fake.chmod(0o755)
    r = _check(tmp_path, "app", PY=str(fake))
    assert r.returncode == 1 and "missing: Python 3.11 or newer" in r.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_test_runs_the_check_first(tmp_path: Path) -> None:
    # run from `make test`, this make would inherit its flags and level: start clean
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    r = subprocess.run(["make", "-n", "--no-print-directory", "test"], cwd=ROOT, capture_output=True,
                       text=True, timeout=60, env=env)
    assert r.returncode == 0
    assert r.stdout.splitlines()[0].endswith("sh scripts/check_system.sh test")
