"""Runs against an engine the user already runs (``spec.target``): decisions in
:mod:`.target_plan`, the checks before the first write in :mod:`.target_opening`, what the run
leaves and records in :mod:`.target_session`."""
