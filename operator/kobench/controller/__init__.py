"""The operator: kopf wiring (:mod:`.handlers`: one reconcile loop per benchmark, each pass run
by the pods executor of :mod:`kobench.run.pods`), its start-up (:mod:`.operator_main`) and its
Prometheus metrics (:mod:`.metrics`).

Importing this package does not import kopf; :mod:`.operator_main` and :mod:`.handlers` do.
"""
