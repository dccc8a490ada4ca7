#!/usr/bin/env python3
"""Builds the synthetic tree the scan benchmark reads.

Usage: bench/make_tree.py OUT_DIR [--projects N] [--entries-per-lock N]

Writes N projects (default 2,000) whose lockfiles hold N x entries-per-lock
package entries in all (default 2,000 x 500 = 1,000,000), in a mix of
`package-lock.json` v3, `pnpm-lock.yaml` v9, `yarn.lock` v1 and `uv.lock`,
plus installed environments (`node_modules` package.json files and
`site-packages/*.dist-info/METADATA`) in every tenth project. A handful of
known-bad versions are planted so the scan has something to find. All data
is inert text.
"""
import argparse
import json
import os
import random


def npm_names(n):
    return [f"@bench{i % 37}/pkg-{i}" if i % 5 == 0 else f"bench-pkg-{i}" for i in range(n)]


def version(rng):
    return f"{rng.randint(0, 20)}.{rng.randint(0, 40)}.{rng.randint(0, 30)}"


def package_lock(names, rng, bad):
    packages = {"": {"name": "app", "version": "1.0.0"}}
    for name in names:
        packages[f"node_modules/{name}"] = {
            "version": version(rng),
            "resolved": f"https://registry.example.test/{name}/-/x.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
    if bad:
        packages["node_modules/@tanstack/react-router"] = {"version": "1.169.5"}
    return json.dumps({"name": "app", "lockfileVersion": 3, "requires": True, "packages": packages}, indent=2)


def pnpm_lock(names, rng):
    lines = ["lockfileVersion: '9.0'", "", "packages:", ""]
    for name in names:
        lines += [f"  '{name}@{version(rng)}':", "    resolution: {integrity: sha512-AAAA}", ""]
    return "\n".join(lines)


def yarn_lock(names, rng):
    out = ["# yarn lockfile v1", ""]
    for name in names:
        v = version(rng)
        out += [f'"{name}@^{v}":', f'  version "{v}"', f'  resolved "https://registry.example.test/{name}-{v}.tgz"', "  integrity sha512-AAAA", ""]
    return "\n".join(out)


def uv_lock(names, rng, bad):
    out = ["version = 1", "revision = 3", 'requires-python = ">=3.11"', ""]
    pairs = [(n.replace("@", "").replace("/", "-"), version(rng)) for n in names]
    if bad:
        pairs.append(("litellm", "1.82.8"))
    for name, v in pairs:
        out += ["[[package]]", f'name = "{name}"', f'version = "{v}"', 'source = { registry = "https://pypi.example.test/simple" }', ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--entries-per-lock", type=int, default=500)
    args = ap.parse_args()
    rng = random.Random(42)
    names = npm_names(args.entries_per_lock)
    total = 0
    for p in range(args.projects):
        root = os.path.join(args.out, f"project-{p:05d}")
        os.makedirs(root, exist_ok=True)
        bad = p % 200 in (0, 9)
        kind = p % 10
        if kind < 6:
            path, text = "package-lock.json", package_lock(names, rng, bad)
        elif kind < 8:
            path, text = "pnpm-lock.yaml", pnpm_lock(names, rng)
        elif kind < 9:
            path, text = "yarn.lock", yarn_lock(names, rng)
        else:
            path, text = "uv.lock", uv_lock(names, rng, bad)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
        total += args.entries_per_lock
        if p % 10 == 3:
            for name in names[:100]:
                d = os.path.join(root, "node_modules", name)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "package.json"), "w") as f:
                    json.dump({"name": name, "version": version(rng)}, f)
        if p % 10 == 4:
            sp = os.path.join(root, ".venv", "lib", "python3.12", "site-packages")
            for name in names[:100]:
                py = name.replace("@", "").replace("/", "_")
                d = os.path.join(sp, f"{py}-1.0.0.dist-info")
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "METADATA"), "w") as f:
                    f.write(f"Metadata-Version: 2.1\nName: {py}\nVersion: {version(rng)}\n\n")
    print(f"wrote {args.projects} projects with {total} lockfile entries to {args.out}")


if __name__ == "__main__":
    main()
