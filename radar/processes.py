"""Stopping a child process: shared by the pipeline's dbt session and the console's screenshot tool."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen, grace_seconds: float) -> None:
    """Ask ``process`` to end (SIGTERM), give it ``grace_seconds``, then kill it; returns once it is gone."""
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
