"""``supportgraph fuzz policy`` works as installed: in a folder outside the checkout, with the test suite not
importable (issue 17: it imported tests.policy, so it failed on an installed package)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_fuzz_command_runs_without_the_test_suite(tmp_path: Path, supportgraph_home: Path) -> None:
    script = ("import sys; sys.modules['tests'] = None\n"
              "from supportgraph.cli import main\n"
              "sys.argv = ['supportgraph', 'fuzz', 'policy', '--examples', '2', '--seed', '1', '--max-turns', '2']\n"
              "main()\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUPPORTGRAPH_HOME": str(supportgraph_home)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "2 examples" in done.stdout and "0 breach(es)" in done.stdout, done.stdout[-2000:]
    assert "on SQLite: 2 examples, at most 2 turns each, seed 1" in done.stdout, done.stdout[-2000:]
    assert re.search(r"\d+ model plans, .* \([\d.]+ plans/s\)", done.stdout), done.stdout[-2000:]
