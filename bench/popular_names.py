#!/usr/bin/env python3
"""Writes the popular-name lists SW-GEN-023 (typosquats) compares against.

    python3 bench/popular_names.py [PYPI_TSV] [NPM_TSV] [COUNT]

Defaults: /usr/share/package-lists/pypi.tsv, /usr/share/package-lists/npm.tsv
and 5000. Reads the package lists (tab-separated, with a header line):

- PyPI: the names with a `rank_among_15000_most_downloaded`, lowest rank
  first, normalized as PEP 503 does (lowercase, runs of `-`, `_`, `.`
  become one `-`);
- npm: the names ordered by `downloads_a_month`, highest first, as
  written (npm names are already lowercase).

and writes the first COUNT names, one a line, to
`crates/shieldwall-analyze/data/pypi-popular.txt` and `npm-popular.txt`.
The analyzer embeds them with `include_str!`. Names only: no summaries,
no counts.
"""

import csv
import os
import re
import sys

csv.field_size_limit(1 << 24)
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "shieldwall-analyze", "data"
)


def rows(path):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        for row in reader:
            yield dict(zip(header, row))


def number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def pypi(path, count):
    ranked = []
    for row in rows(path):
        rank = number(row.get("rank_among_15000_most_downloaded"))
        if rank is not None and rank > 0:
            ranked.append((rank, re.sub(r"[-_.]+", "-", row["name"]).lower()))
    ranked.sort()
    return unique(name for _, name in ranked)[:count]


def npm(path, count):
    counted = []
    for row in rows(path):
        downloads = number(row.get("downloads_a_month"))
        if downloads is not None:
            counted.append((-downloads, row["name"].strip().lower()))
    counted.sort()
    return unique(name for _, name in counted)[:count]


def unique(names):
    seen, out = set(), []
    for name in names:
        if name and name not in seen:
            seen.add(name)
            out.append(name)
    return out


def main():
    pypi_tsv = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/package-lists/pypi.tsv"
    npm_tsv = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/package-lists/npm.tsv"
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    for name, names in [("pypi-popular.txt", pypi(pypi_tsv, count)), ("npm-popular.txt", npm(npm_tsv, count))]:
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write("\n".join(names) + "\n")
        print(f"{name}: {len(names)} names")


if __name__ == "__main__":
    main()
