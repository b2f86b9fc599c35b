"""Measurement: the wire format, clocks, sequences, histograms, per-second series, the result
documents and their merge, and comparisons of runs. Pure, shared by every role and both
executors; it knows the API model and nothing above it."""
