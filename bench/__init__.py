"""Benchmarks: LOCOMO memory quality and speed, chat throughput and latency (`memorybot bench ...`).

Not collected by `pytest` (`testpaths = ["tests"]`); their own small tests live in `tests/bench/`.
"""

from bench.cli import bench_app

__all__ = ["bench_app"]
