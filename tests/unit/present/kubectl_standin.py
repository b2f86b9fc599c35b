"""A stand-in ``kubectl`` on PATH for the unit tests of ``kubectl kobench`` (the one fake here,
named as such: the real kubectl and cluster are the cluster tier's, tests/cluster/e2e).

It serves ``get``, ``get -l`` and ``apply`` from a state file: ``objects`` by "RESOURCE/NAME"
(namespace "default"), and for a benchmark a list of ``statuses`` handed out one per ``get``
(the last one stays), where "$NONCE" stands for the runNonce of the last ``apply``. Every call
is appended to ``calls``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SCRIPT = r"""#!/usr/bin/env python3
import json, os, sys
path = os.environ["KUBECTL_STANDIN_STATE"]
state = json.load(open(path))
args = sys.argv[1:]
state["calls"].append(args)
def flag(name):
    return args[args.index(name) + 1] if name in args else None
namespace = flag("--namespace") or "default"
words = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in
         ("--namespace", "--context", "--kubeconfig", "-o", "-l", "-f"))]
def done(document=None, code=0, error=""):
    json.dump(state, open(path, "w"))
    if document is not None:
        print(json.dumps(document))
    if error:
        print(error, file=sys.stderr)
    sys.exit(code)
if words[0] == "apply":
    manifest = json.loads(sys.stdin.read())
    manifest["metadata"].setdefault("namespace", namespace)
    state["nonce"] = manifest["spec"]["runNonce"]
    key = "keydbobserverbenchmarks.kobench.io/" + manifest["metadata"]["name"]
    state["objects"].setdefault(key, {}).update(manifest)
    done(manifest)
def with_status(name, found, take):
    statuses = state.get("statuses", {}).get(name)
    if statuses:
        text = json.dumps(statuses.pop(0) if take and len(statuses) > 1 else statuses[0])
        found["status"] = json.loads(text.replace("$NONCE", state.get("nonce", "")))
    return found
if words[0] == "get" and "-l" in args:
    wanted = dict(pair.split("=") for pair in flag("-l").split(","))
    items = [with_status(o["metadata"]["name"], dict(o), False)
             for k, o in sorted(state["objects"].items()) if k.startswith(words[1] + "/")
             and all(o["metadata"].get("labels", {}).get(k2) == v for k2, v in wanted.items())]
    done({"items": items})
if words[0] == "get" and len(words) == 3:
    key = words[1] + "/" + words[2]
    if key not in state["objects"]:
        plural = {"configmap": "configmaps"}.get(words[1], words[1])
        done(code=1, error='Error from server (NotFound): %s "%s" not found' % (plural, words[2]))
    done(with_status(words[2], dict(state["objects"][key]), True))
if words[0] == "get":
    print("NAME  PHASE  VERDICT")
    done()
done(code=1, error="stand-in kubectl: unexpected call " + " ".join(args))
"""


class StandinKubectl:
    """The stand-in installed first on PATH, and its state."""

    def __init__(self, tmp_path: Path) -> None:
        self.bin = tmp_path / "standin-bin"
        self.bin.mkdir()
        script = self.bin / "kubectl"
        script.write_text(SCRIPT)
        script.chmod(0o755)
        self.state_file = tmp_path / "kubectl-state.json"
        self.save({"objects": {}, "statuses": {}, "calls": []})
        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "KUBECTL_STANDIN_STATE": str(self.state_file),
        }

    def save(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state))

    def state(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.state_file.read_text())
        return found

    def add(self, resource: str, document: dict[str, Any]) -> None:
        state = self.state()
        document["metadata"].setdefault("namespace", "default")
        state["objects"][f"{resource}/{document['metadata']['name']}"] = document
        self.save(state)

    def statuses(self, name: str, *statuses: dict[str, Any]) -> None:
        state = self.state()
        state["statuses"][name] = list(statuses)
        self.save(state)

    def calls(self) -> list[list[str]]:
        calls: list[list[str]] = self.state()["calls"]
        return calls


def results_map(name: str, key: str, document: str) -> dict[str, Any]:
    """A results ConfigMap holding ``document`` under ``key``."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {key: document},
    }
