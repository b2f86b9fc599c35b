"""The harness that kobench's tests and benchmarks share (``tests/`` and ``benchmarks/`` import
it; it imports neither)."""
