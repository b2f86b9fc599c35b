"""The harness that kobench's tests and benchmarks share (``tests/`` and ``benchmarks/`` import
it; it imports neither).

What a test tier or a benchmark needs from the world around kobench lives here, once:

* ``support``: one ``wait_for``, the resource envelope, a free loopback port, the checkout root;
* ``processes``: children and descendants from ``/proc``, and children started with the
  interrupt signals at their default disposition;
* ``kube``, ``cluster_up``, ``kube_fixtures``, ``nodes``: the cluster ``hack/cluster`` runs, its
  pytest fixtures (a plugin, registered from ``tests/conftest.py``), several nodes and partitions;
* ``operator_process``, ``kubeletless_operator``, ``annotation_results``, ``fake_kubelet``: the
  operator as a local process, on a control plane without kubelets where the test plays the
  kubelet and leaves each role's result in a pod annotation (a seam the shipped operator lacks);
* ``kob_watch``, ``bench_tools``: a watch that stamps benchmarks' status changes, and what the
  benchmark scripts print figures with;
* ``chromium``, ``prometheus``, ``dashboard_queries``, ``panels``, ``toxiproxy``: real tools
  driven for a test;
* ``corpus``: the hostile inputs that ``kobench validate`` and the API server both answer.
"""
