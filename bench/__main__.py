"""`python -m bench memory|chat`: the benchmarks without the `memorybot` entry point."""

from bench.cli import bench_app

bench_app()
