"""Write a docker-archive (what `docker save` writes and `ctr images import` reads).

One image, one uncompressed layer: the layer is a tar of a root filesystem; the image
config names that layer's sha256 as its only diff_id and sets os and architecture.

    python3 docker_archive.py --layer rootfs.tar --tag kobench:dev --out kobench.tar \
        --entrypoint '["kobench"]' --user 10001:10001 --env PATH=/usr/bin
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def image_config(
    *,
    diff_id: str,
    entrypoint: list[str] | None,
    cmd: list[str] | None,
    env: list[str],
    user: str,
    workdir: str,
    tag: str,
) -> bytes:
    config: dict[str, object] = {"Env": env, "WorkingDir": workdir}
    if entrypoint:
        config["Entrypoint"] = entrypoint
    if cmd:
        config["Cmd"] = cmd
    if user:
        config["User"] = user
    document = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": f"hack/images/build {tag}"}],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def write_archive(*, layer: Path, out: Path, tag: str, **config: object) -> None:
    diff_id = sha256_of(layer)
    config_bytes = image_config(diff_id=diff_id, tag=tag, **config)  # type: ignore[arg-type]
    config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
    layer_name = f"{diff_id}/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": [layer_name]}]
    partial = out.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(layer, arcname=layer_name)
        add_bytes(archive, config_name, config_bytes)
        add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
    partial.replace(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--layer", type=Path, required=True, help="uncompressed tar of the root filesystem"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tag", required=True, help="repository:tag, e.g. kobench:dev")
    parser.add_argument("--entrypoint", type=json.loads, default=None, help="JSON list")
    parser.add_argument("--cmd", type=json.loads, default=None, help="JSON list")
    parser.add_argument("--env", action="append", default=[], help="NAME=value, repeatable")
    parser.add_argument("--user", default="", help="uid:gid, numeric so runAsNonRoot can check it")
    parser.add_argument("--workdir", default="/")
    args = parser.parse_args()
    write_archive(
        layer=args.layer,
        out=args.out,
        tag=args.tag,
        entrypoint=args.entrypoint,
        cmd=args.cmd,
        env=args.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        user=args.user,
        workdir=args.workdir,
    )


if __name__ == "__main__":
    main()
