"""The processes that do the measuring: writer, observers and the fault injector, the same code
locally and inside pods (``kobench role ...``)."""
