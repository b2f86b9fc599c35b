"""The local executor: a run's roles as processes on this machine (:mod:`.local_executor`) and
``kobench run``'s loop around the phase machine (:mod:`.local_loop`)."""
