"""Benchmarks of the allocation engine against baselines."""
