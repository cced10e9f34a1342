"""Benchmarks, run with `make bench`: printed as ratios, never timed unit tests."""
