#!/usr/bin/env python3
"""Analysis time of GuardDog and shieldwall without process start-up.

Run with the Python of GuardDog's virtual environment, after `evaluate`
has written its TSV for the same corpora:

    cargo build --release -p shieldwall-analyze --example evaluate
    ./target/release/examples/evaluate --malicious ../shared/corpus/pypi-malicious-dev.tar \
        --benign BENIGN_DIR --out /tmp/eval.tsv
    VENV/bin/python bench/guarddog_inprocess.py --malicious ../shared/corpus/pypi-malicious-dev.tar \
        --benign BENIGN_DIR --shieldwall-tsv /tmp/eval.tsv [--every 8] [--out times.tsv]

The artifacts are those of `bench/guarddog_compare.py` with the same
`--every`. GuardDog is imported once; for each artifact the script times
what `guarddog {pypi|npm} scan FILE` does after start-up: extract the
archive into a temporary directory (GuardDog's `safe_extract`) and run
the package scanner's `scan_local` with every rule (which runs semgrep
and YARA on the extracted files). The kernel sandbox GuardDog applies to
its own process is left out: it cannot be lifted again within one
process. shieldwall's time per artifact is the one `evaluate` measured in
its process (reading the archive from memory, surface, parsing, rules,
score). Nothing is installed or run from the scanned packages.
"""
import argparse, os, statistics, sys, tempfile, time

from guarddog_compare import artifacts, write_tsv


def pct(times, q):
    times = sorted(times)
    return times[int(round((len(times) - 1) * q))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--malicious")
    ap.add_argument("--benign")
    ap.add_argument("--shieldwall-tsv", required=True)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--out")
    args = ap.parse_args()
    # Removed with its copies when the script exits.
    tmp = tempfile.TemporaryDirectory(prefix="gd-inprocess-")

    from guarddog.ecosystems import ECOSYSTEM
    from guarddog.scanners import get_package_scanner
    from guarddog.utils.archives import safe_extract

    scanners = {"pypi": get_package_scanner(ECOSYSTEM.PYPI), "npm": get_package_scanner(ECOSYSTEM.NPM)}

    # shieldwall: evaluate's in-process time per artifact, by path.
    sw = {}
    with open(args.shieldwall_tsv) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            sw[cols[1]] = int(cols[4]) / 1e6

    items = list(artifacts(args.malicious, args.benign, args.every, tmp.name))

    rows = []
    for k, (kind, eco, key, path) in enumerate(items):
        start = time.perf_counter()
        label = "error"
        try:
            with tempfile.TemporaryDirectory() as tempdir:
                extract_dir = os.path.join(tempdir, "_extracted")
                os.makedirs(extract_dir)
                safe_extract(path, extract_dir)
                result = scanners[eco].scan_local(extract_dir)
                label = (result.get("risk_score") or {}).get("label", "none")
        except Exception as e:  # an archive GuardDog cannot read
            label = f"error: {e}"[:80]
        secs = time.perf_counter() - start
        rows.append((kind, eco, key, label, secs, sw.get(key)))
        if k % 50 == 0:
            print(f"{k}/{len(items)}", file=sys.stderr, flush=True)

    write_tsv(args.out, rows)
    missing = sum(r[5] is None for r in rows)
    if missing:
        print(f"{missing} artifacts have no shieldwall time in {args.shieldwall_tsv}", file=sys.stderr)
    for name, sel in (
        ("all", lambda r: True),
        ("malicious", lambda r: r[0] == "malicious"),
        ("popular pypi", lambda r: r[0] == "benign" and r[1] == "pypi"),
        ("popular npm", lambda r: r[0] == "benign" and r[1] == "npm"),
    ):
        rs = [r for r in rows if sel(r) and r[5] is not None]
        if not rs:
            continue
        gd = [r[4] for r in rs]
        s = [r[5] for r in rs]
        ratios = [r[4] / max(r[5], 1e-6) for r in rs]
        print(
            f"{name} ({len(rs)}): guarddog median {statistics.median(gd) * 1000:.1f} ms (p95 {pct(gd, 0.95) * 1000:.0f} ms), "
            f"shieldwall median {statistics.median(s) * 1000:.2f} ms (p95 {pct(s, 0.95) * 1000:.0f} ms), "
            f"ratio of medians {statistics.median(gd) / statistics.median(s):.0f}x, "
            f"median of per-artifact ratios {statistics.median(ratios):.0f}x"
        )


if __name__ == "__main__":
    main()
