"""The benchmarks borrow the test suite's fakes (the fake Slack, the throwaway PostgreSQL) from `tests/`,
which is part of a checkout but not of the installed package. Running `memorybot bench` through its console
script does not put the checkout on `sys.path`, so this does, when there is one."""

from __future__ import annotations

import sys
from pathlib import Path


def reach_test_fakes() -> bool:
    """Put the checkout's root on `sys.path` if it has `tests/fakes`; True when the fakes can be imported."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "tests" / "fakes" / "__init__.py").is_file():
        return False
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return True
