"""The run: the plan of roles built from the spec, the pure phase machine
``decide(status, observed, spec, now)`` with one module per stage (:mod:`.stages`), and the
two executors that carry out its actions: pods (:mod:`.pods`) and local processes
(:mod:`.local`). ``kobench run`` and the operator run the same machine."""
