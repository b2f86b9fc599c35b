"""Plugins: engines and observers, found through the ``kobench.engines`` and
``kobench.observers`` entry-point groups and resolved once per process (:mod:`.registry`); the
checks only installed plugins can make (:mod:`.checks`); connections to an engine."""
