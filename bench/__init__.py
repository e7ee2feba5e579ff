"""Benchmarks: side-by-side measurements that print ratios (run with `make bench`)."""
