"""Where roles run in a cluster: children of a benchmark built by pure functions ``spec -> dict``.

Nothing here talks to the API server; :mod:`kobench.controller` applies what these build.
"""
