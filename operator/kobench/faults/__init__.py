"""The fault schedule at run time: which Redis commands a fault sends (:mod:`.commands`), when
each step is due (:mod:`.plan`); the injector role that sends them is
:mod:`kobench.roles.faults`.

Kills (a replica, an observer, a writer) are not Redis commands: the runner that started the
process or pod ends it (the local runner, or the operator deleting the pod), at the time
:mod:`.plan` gives.
"""
