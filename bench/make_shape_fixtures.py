#!/usr/bin/env python3
"""Writes the tiny archive fixtures of SW-GEN-025 (archive anomalies) and
the one of SW-GEN-022 (size and shape outliers) that needs a file over
1 MiB, which compresses to a few kilobytes.

The archives hold hostile *entries* (a `..` path, an absolute path, links
pointing outside, duplicates, case collisions, a compression bomb) around
inert text; nothing in them is code that does anything. The analyzer reads
them in memory and never extracts them; do not extract them either.

    python3 bench/make_shape_fixtures.py

rewrites them in place, byte for byte the same each time (fixed mtimes).
"""

import gzip
import io
import os
import tarfile
import zipfile

RULES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "crates",
    "shieldwall-analyze",
    "tests",
    "fixtures",
    "rules",
)
ROOT = os.path.join(RULES, "SW-GEN-025")

PKG_INFO = b"Metadata-Version: 2.1\nName: fixture-archive\nVersion: 1.0\n"
SETUP = b"from setuptools import setup\n\nsetup(name='fixture-archive', version='1.0')\n"
INIT = b'"""An inert fixture package."""\n'


def member(name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mtime = 1_700_000_000
    info.mode = 0o644
    info.uname = info.gname = "fixture"
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def sdist(name, extra, root=None):
    entries = [
        member("fixture-archive-1.0/PKG-INFO", PKG_INFO),
        member("fixture-archive-1.0/setup.py", SETUP),
        member("fixture-archive-1.0/fixture_archive/__init__.py", INIT),
    ] + extra
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, data)
    path = os.path.join(root or ROOT, name)
    with open(path, "wb") as out:
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
            gz.write(raw.getvalue())


def main():
    sdist("ok-plain.tar.gz", [])
    sdist(
        "ok-internal-symlink.tar.gz",
        [
            member("fixture-archive-1.0/README.md", b"# fixture\n"),
            member("fixture-archive-1.0/README", kind=tarfile.SYMTYPE, link="README.md"),
            member(
                "fixture-archive-1.0/docs/index.md",
                kind=tarfile.SYMTYPE,
                link="../README.md",
            ),
        ],
    )
    sdist(
        "bad-traversal.tar.gz",
        [member("fixture-archive-1.0/../../fixture_escape.pth", b"# inert\n")],
    )
    sdist("bad-absolute.tar.gz", [member("/tmp/fixture_absolute.txt", b"inert\n")])
    sdist(
        "bad-symlink-outside.tar.gz",
        [
            member(
                "fixture-archive-1.0/fixture_archive/settings.cfg",
                kind=tarfile.SYMTYPE,
                link="../../../../home/fixture/.ssh/id_rsa",
            )
        ],
    )
    sdist(
        "bad-duplicate.tar.gz",
        [member("fixture-archive-1.0/setup.py", SETUP + b"# a second, different copy\n")],
    )
    sdist(
        "bad-case-collision.tar.gz",
        [member("fixture-archive-1.0/fixture_archive/__INIT__.py", INIT + b"# shadow\n")],
    )
    # 1.1 MiB of mostly zeros with a sprinkle of pseudo-random bytes (a
    # fixed seed): compressible enough to stay small, not enough to trip
    # the reader's ratio bound. Nothing in the package names it.
    import random

    rng = random.Random(20260501)
    blob = bytes(rng.randrange(256) if rng.random() < 0.005 else 0 for _ in range(1_150_000))
    sdist(
        "bad-unreferenced-blob.tar.gz",
        [member("fixture-archive-1.0/fixture_archive/resources/state.dat", blob)],
        root=os.path.join(RULES, "SW-GEN-022"),
    )
    # A wheel-shaped zip with one member of 2 MiB of zeros: far over the
    # reader's compression-ratio bound.
    path = os.path.join(ROOT, "bad-bomb.zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in [
            ("fixture_archive/__init__.py", INIT),
            ("fixture_archive-1.0.dist-info/METADATA", PKG_INFO),
            ("fixture_archive/data.bin", bytes(2 << 20)),
        ]:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


if __name__ == "__main__":
    main()
