"""Debian packages a test fixture needs (the real SLURM of tests/slurm_cluster.py, the headless
Chromium of tests/report_check.py), installed with apt-get when missing (needs root)."""

from __future__ import annotations

import os
import shutil
import subprocess


def apt_install(packages, what: str) -> None:
    """``apt-get install`` ``packages`` (an ``apt-get update`` first only when the install
    fails); RuntimeError naming ``what`` when this is not root or has no apt-get."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError(f"{what} and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, capture_output=True)
        subprocess.run(cmd, env=env, check=True, capture_output=True)
