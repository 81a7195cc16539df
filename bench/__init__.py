"""Benchmark scripts and the synthetic accent set they measure on (not part of the shipped library)."""
