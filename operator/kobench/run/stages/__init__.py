"""One module per stage of a run's life, each a pure decision on a
:class:`~kobench.run.draft.Draft`."""
