"""The operator: a pure phase machine (:mod:`.machine`, one module per stage), the executor
that gathers, decides, saves and acts (:mod:`.executor`), kopf wiring (:mod:`.handlers`),
metrics (:mod:`.metrics`) and ``kobench report`` (:mod:`.report`).

Importing this package does not import kopf; :mod:`.main` and :mod:`.handlers` do.
"""
