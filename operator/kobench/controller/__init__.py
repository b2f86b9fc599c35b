"""The operator: kopf wiring (:mod:`.handlers`), one idempotent reconcile (:mod:`.reconcile`),
metrics (:mod:`.metrics`) and ``kobench report`` (:mod:`.report`).

Importing this package does not import kopf; :mod:`.main` and :mod:`.handlers` do.
"""
