"""Runs against an engine the user already runs (``spec.target``): decisions in
:mod:`.target_plan`, the dealings with the servers in :mod:`.target_session`."""
