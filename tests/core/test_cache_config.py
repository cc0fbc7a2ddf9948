"""The cache's key prefix comes from the environment, as README's configuration table says."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "from app.config import Config; print(Config.CACHE_PREFIX)"


def _prefix_with(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "CACHE_PREFIX"}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_cache_prefix_is_read_from_the_environment():
    assert _prefix_with() == "None"  # the cache then uses its default, fitkart:cache:
    assert _prefix_with(CACHE_PREFIX="staging:cache:") == "staging:cache:"
