#!/usr/bin/env python3
"""Pushes synthetic OCI images straight to a Distribution registry over the distribution API, for the Geranos
benchmarks (bench/geranos.sh): monolithic blob uploads (POST then PUT ?digest=), then the manifest.

Layers are random bytes (the registry does not look inside them), so a run needs no image tooling.

usage: push_images.py <registry host:port> <repository> <images> <layers per image> <layer bytes> [--seed n]
Each image gets one config blob, <layers> layers and a tag t0000…; sizes are exact, digests are sha256.
"""
import hashlib
import http.client
import json
import os
import random
import sys


def upload(conn, repository, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    conn.request("HEAD", f"/v2/{repository}/blobs/{digest}")
    response = conn.getresponse()
    response.read()
    if response.status == 200:
        return digest
    conn.request("POST", f"/v2/{repository}/blobs/uploads/")
    response = conn.getresponse()
    response.read()
    if response.status != 202:
        raise SystemExit(f"POST upload: {response.status}")
    location = response.getheader("Location")
    if location.startswith("http"):
        location = "/" + location.split("/", 3)[3]
    separator = "&" if "?" in location else "?"
    conn.request("PUT", f"{location}{separator}digest={digest}", body=data,
                 headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        raise SystemExit(f"PUT blob: {response.status}")
    return digest


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    if "--seed" in sys.argv:
        args.remove(str(seed))
    host, repository, images, layers, layer_bytes = args[0], args[1], int(args[2]), int(args[3]), int(args[4])
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, timeout=300)
    for i in range(images):
        descriptors = []
        for _ in range(layers):
            data = rng.randbytes(layer_bytes) if layer_bytes <= 64 << 20 else os.urandom(layer_bytes)
            descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": upload(conn, repository, data), "size": len(data)})
        config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
                             "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descriptors]},
                             "bench": [repository, i, seed]}).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": upload(conn, repository, config), "size": len(config)},
                               "layers": descriptors}).encode()
        conn.request("PUT", f"/v2/{repository}/manifests/t{i:04d}", body=manifest,
                     headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise SystemExit(f"PUT manifest: {response.status}")


if __name__ == "__main__":
    main()
