"""The pods executor: a run's roles as pods, one pass of the phase machine per reconcile
(:mod:`.pod_executor`, :mod:`.gather`), the children built by pure functions ``spec -> dict``
(:mod:`.role_manifests`, :mod:`.engine_manifests`, :mod:`.services`, :mod:`.child_manifests`)
and the few API calls it makes (:mod:`.kube`)."""
