"""Benchmarks (README.md): each one prints its figures next to a baseline measured in the same run."""
