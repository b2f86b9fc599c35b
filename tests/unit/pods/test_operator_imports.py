"""What the operator imports at start: the Kubernetes client lazily, never scipy or numpy.

Each check runs in a fresh interpreter (``sys.modules`` of the test process has everything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from testkit.support import REPO

OPERATOR = REPO / "operator"
LAZY = (
    "import sys, json\n"
    "from kobench.controller.operator_main import load_kubernetes_client_lazily\n"
    "assert load_kubernetes_client_lazily()\n"
)
NAMES = (
    "import importlib\n"
    "found = {}\n"
    "for package in ('kubernetes_asyncio.client', 'kubernetes_asyncio.client.models'):\n"
    "    c = importlib.import_module(package)\n"
    "    for n in dir(c):\n"
    "        if not n.startswith('_') and isinstance(getattr(c, n), type):\n"
    "            v = getattr(c, n)\n"
    "            found[f'{package}.{n}'] = v.__module__ + '.' + v.__qualname__\n"
    "print(json.dumps(found))\n"
)
POD_LIST = {
    "apiVersion": "v1",
    "kind": "PodList",
    "metadata": {"resourceVersion": "7"},
    "items": [
        {
            "metadata": {"name": "p", "labels": {"app.kubernetes.io/component": "engine"}},
            "spec": {"containers": [{"name": "engine", "image": "kobench-redis:7.0"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        }
    ],
}
ROUND_TRIP = (
    "import asyncio\n"
    "from kubernetes_asyncio import client\n"
    "class Answer:\n"
    "    data = sys.argv[1]\n"
    "async def main():\n"
    "    api = client.ApiClient()\n"
    "    pods = api.deserialize(Answer(), 'V1PodList')\n"
    "    print(json.dumps(api.sanitize_for_serialization(pods), sort_keys=True))\n"
    "    await api.close()\n"
    "asyncio.run(main())\n"
)


def python(code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(OPERATOR)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_name_of_the_lazy_client_is_the_one_the_eager_import_gives() -> None:
    eager = json.loads(python("import json\n" + NAMES))
    lazy = json.loads(python(LAZY + NAMES))
    assert len(eager) > 1500  # every API class and model, and the models package's
    assert lazy == eager


def test_the_operator_starts_without_the_models_it_does_not_use_nor_scipy() -> None:
    loaded = json.loads(
        python(
            LAZY + "import kopf\n"
            "import kobench.controller.handlers, kobench.controller.operator_main\n"
            "print(json.dumps(sorted(sys.modules)))\n"
        )
    )
    models = [m for m in loaded if m.startswith("kubernetes_asyncio.client.models.")]
    apis = [m for m in loaded if m.startswith("kubernetes_asyncio.client.api.")]
    assert len(models) < 20, models  # of 768
    assert len(apis) <= 3, apis  # CoreV1Api, AppsV1Api, CustomObjectsApi; of 69
    assert not [m for m in loaded if m.split(".")[0] in ("scipy", "numpy")]


def test_answers_decode_alike_with_the_lazy_client() -> None:
    answer = json.dumps(POD_LIST)
    eager = python("import sys, json\n" + ROUND_TRIP, answer)
    assert python(LAZY + ROUND_TRIP, answer) == eager
    assert json.loads(eager)["items"][0]["status"]["phase"] == "Running"


def test_nothing_changes_once_the_client_is_imported() -> None:
    out = python(
        "import kubernetes_asyncio.client\n"
        "from kobench.controller.operator_main import load_kubernetes_client_lazily\n"
        "print(load_kubernetes_client_lazily())\n"
    )
    assert out.strip() == "False"


def test_freed_large_blocks_go_back_to_the_system_under_glibc() -> None:
    out = python(
        "import platform\n"
        "from kobench.controller.operator_main import keep_large_blocks_mapped\n"
        "print(platform.libc_ver()[0], keep_large_blocks_mapped())\n"
    )
    libc, done = out.split()
    assert done == str(libc == "glibc")
