#!/usr/bin/env python3
"""Benchmark harness for `shieldwall gate` (Python 3.11, standard library only).

Everything it starts listens on 127.0.0.1 and talks only to 127.0.0.1: the
upstream is a local static tree this script generates, and every peer
(verdaccio, devpi-server) is configured with that tree as its only upstream.

Subcommands:

  generate DIR --count N [--port P]
      N inert Python projects (one pure-Python wheel each, a one-line module)
      and N inert npm packages (package.json + index.js), all uploaded in
      2020, laid out as a PEP 503/691 simple index (simple/NAME/index.html
      and index.json, files/) and as npm packuments (npm/NAME.json) with
      tarballs (npm-tarballs/). Tarball URLs in packuments name port P.

  serve DIR --port P
      A threaded static server for DIR: /simple/NAME/ answers JSON when the
      client's Accept asks for PEP 691 JSON, else HTML; /npm/NAME is the
      packument and /npm/NAME/-/FILE the tarball; /files/FILE the wheel.

  gate-config DIR --upstream-port P --port G [--analysis] [--out FILE]
      Writes a gateway configuration (min_age 48h, metadata_ttl 24h).

  urls DIR --kind gate|verdaccio|devpi --base URL [--count N]
      Writes the URL lists the wrk script rotates over (meta and file lists
      per ecosystem) into DIR/urls-KIND-*.txt.

  warm FILE... [--accept A] [--workers W]
      GETs every URL in the files once (concurrently) and checks for 200.

  rss PID
      Prints VmRSS and VmHWM of a process.

  lockfile DIR --registry URL --count N --out DIR2
      Writes package.json + package-lock.json (v3) of N dependencies whose
      `resolved` URLs point at URL, and requirements.txt of N projects.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import http.client
import io
import json
import os
import sys
import tarfile
import threading
import time
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

UPLOAD_TIME = "2020-01-01T00:00:00.000Z"
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
)
NPM_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"


def name_of(i: int) -> str:
    return f"swbench-pkg-{i:05d}"


def make_wheel(name: str, version: str) -> bytes:
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = [
        (f"{module}/__init__.py", f'VERSION = "{version}"\n'.encode()),
        (
            f"{dist_info}/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: benchmark package\n".encode(),
        ),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: shieldwall-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = ""
    for path, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(data)}\n"
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            info = zipfile.ZipInfo(path, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def make_tarball(name: str, version: str) -> bytes:
    manifest = json.dumps({"name": name, "version": version, "main": "index.js"}).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, data in [
            ("package/package.json", manifest),
            ("package/index.js", f'module.exports = "{version}";\n'.encode()),
        ]:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 1577836800
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)


def generate(root: Path, count: int, port: int) -> None:
    t0 = time.monotonic()
    for sub in ("simple", "files", "npm", "npm-tarballs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    version = "1.0.0"
    links = []
    for i in range(count):
        name = name_of(i)
        # Python
        wheel = make_wheel(name, version)
        filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        (root / "files" / filename).write_bytes(wheel)
        sha = hashlib.sha256(wheel).hexdigest()
        page_dir = root / "simple" / name
        page_dir.mkdir(exist_ok=True)
        (page_dir / "index.json").write_text(
            json.dumps(
                {
                    "meta": {"api-version": "1.1", "_last-serial": 1},
                    "name": name,
                    "versions": [version],
                    "files": [
                        {
                            "filename": filename,
                            "url": f"../../files/{filename}",
                            "hashes": {"sha256": sha},
                            "requires-python": ">=3.7",
                            "size": len(wheel),
                            "upload-time": UPLOAD_TIME,
                            "yanked": False,
                        }
                    ],
                }
            )
        )
        (page_dir / "index.html").write_text(
            "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\">"
            f"<title>Links for {name}</title></head><body><h1>Links for {name}</h1>\n"
            f'<a href="../../files/{filename}#sha256={sha}" data-requires-python="&gt;=3.7">{filename}</a><br/>\n'
            "</body></html>\n"
        )
        links.append(f'<a href="{name}/">{name}</a><br/>')
        # npm
        tgz = make_tarball(name, version)
        tgz_name = f"{name}-{version}.tgz"
        (root / "npm-tarballs" / tgz_name).write_bytes(tgz)
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
        packument = {
            "_id": name,
            "name": name,
            "dist-tags": {"latest": version},
            "time": {"created": UPLOAD_TIME, "modified": UPLOAD_TIME, version: UPLOAD_TIME},
            "versions": {
                version: {
                    "name": name,
                    "version": version,
                    "main": "index.js",
                    "_id": f"{name}@{version}",
                    "dist": {
                        "tarball": f"http://127.0.0.1:{port}/npm/{name}/-/{tgz_name}",
                        "integrity": integrity,
                        "shasum": hashlib.sha1(tgz).hexdigest(),
                    },
                }
            },
        }
        (root / "npm" / f"{name}.json").write_text(json.dumps(packument))
    (root / "simple" / "index.html").write_text(
        "<!DOCTYPE html>\n<html><head><title>Simple index</title></head><body>\n"
        + "\n".join(links)
        + "\n</body></html>\n"
    )
    (root / "COUNT").write_text(str(count))
    print(f"generated {count} Python + {count} npm packages in {time.monotonic() - t0:.1f} s", file=sys.stderr)


class StaticHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY the second
    # waits for the client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True
    root: Path = Path(".")

    def log_message(self, fmt, *args):  # quiet
        pass

    def _resolve(self) -> tuple[Path | None, str]:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = [p for p in path.split("/") if p]
        if any(p in ("..", ".") for p in parts):
            return None, ""
        accept = self.headers.get("Accept", "")
        if parts[:1] == ["simple"]:
            if len(parts) == 1:
                return self.root / "simple" / "index.html", "text/html"
            if len(parts) == 2:
                if "application/vnd.pypi.simple.v1+json" in accept:
                    return self.root / "simple" / parts[1] / "index.json", "application/vnd.pypi.simple.v1+json"
                return self.root / "simple" / parts[1] / "index.html", "text/html"
        if parts[:1] == ["files"] and len(parts) == 2:
            return self.root / "files" / parts[1], "application/octet-stream"
        if parts[:1] == ["npm"]:
            rest = parts[1:]
            if len(rest) == 2 and rest[0].startswith("@"):
                rest = [rest[0] + "/" + rest[1]]
            if len(rest) == 1:
                return self.root / "npm" / (rest[0].replace("/", "__") + ".json"), "application/json"
            if len(rest) >= 3 and rest[-2] == "-":
                return self.root / "npm-tarballs" / rest[-1], "application/octet-stream"
        return None, ""

    def do_GET(self):
        path, ctype = self._resolve()
        try:
            data = path.read_bytes() if path else None
        except OSError:
            data = None
        if data is None:
            body = b'{"error":"Not found"}'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_HEAD(self):
        path, ctype = self._resolve()
        if path is None or not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()


def serve(root: Path, port: int) -> None:
    StaticHandler.root = root
    server = ThreadingHTTPServer(("127.0.0.1", port), StaticHandler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print(f"serving {root} on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()


def gate_config(state: Path, upstream_port: int, port: int, analysis: bool) -> str:
    return f"""listen = "127.0.0.1:{port}"
state_dir = "{state}"
[pypi]
upstreams = ["http://127.0.0.1:{upstream_port}/simple/"]
[npm]
upstreams = ["http://127.0.0.1:{upstream_port}/npm/"]
[policy]
min_age = "48h"
install_scripts = "block"
fail = "closed"
hide = "yank"
[policy.analysis]
enabled = {"true" if analysis else "false"}
wait = "30s"
[cache]
metadata_ttl = "24h"
upstream_timeout = "30s"
[admin]
token_env = "SHIELDWALL_GATE_TOKEN"
[record]
retention = "90d"
"""


def write_urls(root: Path, kind: str, base: str, count: int, out: Path) -> None:
    base = base.rstrip("/")
    meta_py, file_py, meta_npm, file_npm = [], [], [], []
    for i in range(count):
        name = name_of(i)
        whl = f"{name.replace('-', '_')}-1.0.0-py3-none-any.whl"
        tgz = f"{name}-1.0.0.tgz"
        if kind == "gate":
            meta_py.append(f"{base}/pypi/simple/{name}/")
            sha = hashlib.sha256((root / "files" / whl).read_bytes()).hexdigest()
            file_py.append(f"{base}/pypi/files/{sha}/{whl}")
            meta_npm.append(f"{base}/npm/{name}")
            file_npm.append(f"{base}/npm/{name}/-/{tgz}")
        elif kind == "verdaccio":
            meta_npm.append(f"{base}/{name}")
            file_npm.append(f"{base}/{name}/-/{tgz}")
        elif kind == "devpi":
            meta_py.append(f"{base}/root/pypi/+simple/{name}/")
            # file URLs are read from the warmed pages (devpi's +f/ layout)
        elif kind == "static":
            meta_py.append(f"{base}/simple/{name}/")
            file_py.append(f"{base}/files/{whl}")
            meta_npm.append(f"{base}/npm/{name}")
            file_npm.append(f"{base}/npm/{name}/-/{tgz}")
    for label, urls in [
        ("pypi-meta", meta_py),
        ("pypi-file", file_py),
        ("npm-meta", meta_npm),
        ("npm-file", file_npm),
    ]:
        if urls:
            (out / f"urls-{kind}-{label}.txt").write_text("\n".join(urls) + "\n")


_local = threading.local()


def _get(url: str, accept: str) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    key = parts.netloc
    for attempt in range(3):
        conn = conns.get(key)
        if conn is None:
            conn = conns[key] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            target = parts.path + (("?" + parts.query) if parts.query else "")
            conn.request("GET", target, headers={"Accept": accept})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, body
        except (http.client.HTTPException, OSError):
            conn.close()
            conns.pop(key, None)
            if attempt == 2:
                raise
    raise RuntimeError("unreachable")


def warm(files: list[str], accept: str, workers: int, dump: str | None) -> int:
    urls = []
    for f in files:
        urls += [u for u in Path(f).read_text().split("\n") if u]
    t0 = time.monotonic()
    bad = 0
    bodies = {}
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for url, (status, body) in zip(urls, pool.map(lambda u: _get(u, accept), urls)):
            if status != 200:
                bad += 1
                if bad <= 5:
                    print(f"{status} {url} {body[:200]!r}", file=sys.stderr)
            elif dump:
                bodies[url] = body.decode("utf-8", "replace")
    if dump:
        Path(dump).write_text(json.dumps(bodies))
    print(f"warmed {len(urls)} URLs in {time.monotonic() - t0:.1f} s, {bad} not 200", file=sys.stderr)
    return 1 if bad else 0


def rss(pid: int) -> None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            print(line)


def lockfile(registry: str, count: int, out: Path, root: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    registry = registry.rstrip("/")
    deps = {}
    packages = {"": {"name": "bench-app", "version": "1.0.0", "dependencies": {}}}
    for i in range(count):
        name = name_of(i)
        tgz = f"{name}-1.0.0.tgz"
        data = (root / "npm-tarballs" / tgz).read_bytes()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        deps[name] = "1.0.0"
        packages[f"node_modules/{name}"] = {
            "version": "1.0.0",
            "resolved": f"{registry}/{name}/-/{tgz}",
            "integrity": integrity,
        }
    packages[""]["dependencies"] = deps
    (out / "package.json").write_text(
        json.dumps({"name": "bench-app", "version": "1.0.0", "private": True, "dependencies": deps}, indent=2)
    )
    (out / "package-lock.json").write_text(
        json.dumps({"name": "bench-app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}, indent=2)
    )
    (out / "requirements.txt").write_text("".join(f"{name_of(i)}==1.0.0\n" for i in range(count)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("dir", type=Path)
    g.add_argument("--count", type=int, default=2000)
    g.add_argument("--port", type=int, default=9100)
    s = sub.add_parser("serve")
    s.add_argument("dir", type=Path)
    s.add_argument("--port", type=int, default=9100)
    c = sub.add_parser("gate-config")
    c.add_argument("state", type=Path)
    c.add_argument("--upstream-port", type=int, default=9100)
    c.add_argument("--port", type=int, default=9200)
    c.add_argument("--analysis", action="store_true")
    c.add_argument("--out", type=Path)
    u = sub.add_parser("urls")
    u.add_argument("dir", type=Path)
    u.add_argument("--kind", required=True, choices=["gate", "verdaccio", "devpi", "static"])
    u.add_argument("--base", required=True)
    u.add_argument("--count", type=int)
    u.add_argument("--out", type=Path)
    w = sub.add_parser("warm")
    w.add_argument("files", nargs="+")
    w.add_argument("--accept", default="*/*")
    w.add_argument("--workers", type=int, default=16)
    w.add_argument("--dump")
    r = sub.add_parser("rss")
    r.add_argument("pid", type=int)
    lf = sub.add_parser("lockfile")
    lf.add_argument("dir", type=Path)
    lf.add_argument("--registry", required=True)
    lf.add_argument("--count", type=int, default=100)
    lf.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    if a.cmd == "generate":
        generate(a.dir, a.count, a.port)
    elif a.cmd == "serve":
        serve(a.dir, a.port)
    elif a.cmd == "gate-config":
        a.state.mkdir(parents=True, exist_ok=True)
        text = gate_config(a.state.resolve(), a.upstream_port, a.port, a.analysis)
        if a.out:
            a.out.write_text(text)
        else:
            sys.stdout.write(text)
    elif a.cmd == "urls":
        count = a.count or int((a.dir / "COUNT").read_text())
        write_urls(a.dir, a.kind, a.base, count, a.out or a.dir)
    elif a.cmd == "warm":
        return warm(a.files, a.accept, a.workers, a.dump)
    elif a.cmd == "rss":
        rss(a.pid)
    elif a.cmd == "lockfile":
        lockfile(a.registry, a.count, a.out, a.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
