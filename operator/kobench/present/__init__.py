"""Presentation: the ``kobench`` command, terminal tables, report pages and comparison output."""
