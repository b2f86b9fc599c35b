"""The few Kubernetes API calls the controller makes, as plain dicts in and out.

kubernetes_asyncio returns model objects; the controller and the pure reducers work on the wire
form (camelCase dicts), so every answer is turned back into one. Creation is idempotent:
"already exists" means a previous reconcile (or a previous operator process) made it.
"""

from __future__ import annotations

import os
from typing import Any

from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from kobench.api import GROUP, KIND, PLURAL, VERSION

Obj = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"


async def load_config() -> None:
    """In-cluster credentials when running in a pod, else the kubeconfig (``KUBECONFIG``)."""
    if os.environ.get("KUBERNETES_SERVICE_HOST") and not os.environ.get("KUBECONFIG"):
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    else:
        await config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))


class Kube:
    """Thin async facade over the API groups kobench uses."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def _dict(self, model: Any) -> Obj:
        result: Obj = self.api.sanitize_for_serialization(model)
        return result

    # --- the benchmark resource ------------------------------------------------------------

    async def get_benchmark(self, namespace: str, name: str) -> Obj | None:
        try:
            found: Obj = await self.custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, name
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return found

    async def list_benchmarks(self, namespace: str, selector: str) -> list[Obj]:
        """The benchmarks a label selector matches (a matrix's children)."""
        found: Obj = await self.custom.list_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, label_selector=selector
        )
        items: list[Obj] = found.get("items") or []
        return items

    async def patch_status(self, namespace: str, name: str, status: Obj) -> Obj:
        patched: Obj = await self.custom.patch_namespaced_custom_object_status(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            {"status": status},
            _content_type=MERGE_PATCH,  # type: ignore[call-arg]
        )
        return patched

    # --- children --------------------------------------------------------------------------

    async def create(self, manifest: Obj) -> bool:
        """Create ``manifest``; False when it already existed."""
        kind = manifest["kind"]
        namespace = manifest["metadata"]["namespace"]
        creators: dict[str, Any] = {
            "Secret": self.core.create_namespaced_secret,
            "ConfigMap": self.core.create_namespaced_config_map,
            "Service": self.core.create_namespaced_service,
            "Pod": self.core.create_namespaced_pod,
            "StatefulSet": self.apps.create_namespaced_stateful_set,
        }
        try:
            if kind == KIND:
                await self.custom.create_namespaced_custom_object(
                    GROUP, VERSION, namespace, PLURAL, manifest
                )
            else:
                await creators[kind](namespace, manifest)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    async def replace_config_map(self, manifest: Obj) -> None:
        """Create or overwrite a ConfigMap (the results of a run are written once, then final)."""
        if not await self.create(manifest):
            meta = manifest["metadata"]
            name, namespace = meta["name"], meta["namespace"]
            await self.core.replace_namespaced_config_map(name, namespace, manifest)  # type: ignore[arg-type]

    async def list_pods(self, namespace: str, selector: str) -> list[Obj]:
        pods = await self.core.list_namespaced_pod(namespace, label_selector=selector)
        return [self._dict(p) for p in pods.items]

    async def get_statefulset(self, namespace: str, name: str) -> Obj | None:
        try:
            sts = await self.apps.read_namespaced_stateful_set(name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return self._dict(sts)

    async def get_config_map(self, namespace: str, name: str) -> Obj | None:
        try:
            cm = await self.core.read_namespaced_config_map(name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return self._dict(cm)

    async def delete_config_map(self, namespace: str, name: str) -> None:
        try:
            await self.core.delete_namespaced_config_map(name, namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise

    async def pod_log(self, namespace: str, name: str) -> str:
        text: str = await self.core.read_namespaced_pod_log(name, namespace, container="role")
        return text

    async def kill_pods(self, namespace: str, selector: str) -> None:
        """End the pods a selector matches within a second (a fault is a kill). One second,
        not zero: zero removes the pod object before its container is dead, and a StatefulSet
        would start the replica's successor beside a predecessor that still answers."""
        await self.core.delete_collection_namespaced_pod(
            namespace, label_selector=selector, body=client.V1DeleteOptions(grace_period_seconds=1)
        )

    async def delete_pod(self, namespace: str, name: str) -> None:
        """A killReplica against a target (spec.target.allowDisruption): the one pod the spec
        names, within a second, as :meth:`kill_pods` ends kobench's own."""
        await self.core.delete_namespaced_pod(
            name, namespace, body=client.V1DeleteOptions(grace_period_seconds=1)
        )

    async def delete_run(self, namespace: str, selector: str, *, keep_results: bool) -> None:
        """Delete a run's children by label (a matrix's benchmarks, pods, StatefulSet, Service,
        Secret, ConfigMaps)."""
        background = client.V1DeleteOptions(propagation_policy="Background")
        await self.custom.delete_collection_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, label_selector=selector
        )
        await self.apps.delete_collection_namespaced_stateful_set(
            namespace, label_selector=selector, body=background
        )
        await self.core.delete_collection_namespaced_pod(
            namespace, label_selector=selector, body=client.V1DeleteOptions(grace_period_seconds=5)
        )
        services = await self.core.list_namespaced_service(namespace, label_selector=selector)
        for service in services.items:
            try:
                await self.core.delete_namespaced_service(service.metadata.name, namespace)
            except ApiException as exc:
                if exc.status != 404:
                    raise
        await self.core.delete_collection_namespaced_secret(namespace, label_selector=selector)
        cm_selector = selector + (",app.kubernetes.io/component!=results" if keep_results else "")
        await self.core.delete_collection_namespaced_config_map(
            namespace, label_selector=cm_selector
        )
