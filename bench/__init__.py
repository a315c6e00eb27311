"""Benchmarks of the pickup loop: each module is one command that prints its figures (see docs/performance.md)."""
