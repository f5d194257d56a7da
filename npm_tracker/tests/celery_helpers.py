"""Real Celery processes for tests: a worker or beat on this project, logs captured."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def celery_process(args, env):
    """Start ``celery -A npm_tracker <args>`` with ``env``; stdout and stderr together."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "npm_tracker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
