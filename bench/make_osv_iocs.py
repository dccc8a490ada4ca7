#!/usr/bin/env python3
"""Writes synthetic OpenSSF-shaped malicious-package records as JSON Lines,
for measuring `shieldwall hunt` with a large imported advisory database.

Every record is inert text: reserved example names, documentation IP ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and `.example` domains.
One record in ten carries `database_specific.iocs` (a domain, a URL, an IP
address and a sha256), like the OpenSSF records that have them.

usage: make_osv_iocs.py OUT.jsonl [COUNT]   (default 500000)
"""

import hashlib
import json
import sys


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500_000
    nets = ["192.0.2", "198.51.100", "203.0.113"]
    with open(out, "w", encoding="utf-8") as f:
        for i in range(count):
            eco = "npm" if i % 10 < 7 else "PyPI"
            record = {
                "id": f"MAL-2099-{i:07d}",
                "summary": f"malicious code in bench-pkg-{i}",
                "details": "synthetic record for a benchmark " * 4,
                "modified": "2026-01-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": eco, "name": f"bench-pkg-{i}"},
                        "versions": ["1.0.0", "1.0.1", "1.0.2"],
                        "database_specific": {"cwes": [{"cweId": "CWE-506"}]},
                    }
                ],
            }
            if i % 10 == 0:
                net = nets[i % 3]
                record["database_specific"] = {
                    "iocs": {
                        "domains": [f"c2-{i}.bench.example"],
                        "urls": [f"https://c2-{i}.bench.example/p"],
                        "ip_addresses": [f"{net}.{i % 250 + 1}"],
                        "sha256": [hashlib.sha256(str(i).encode()).hexdigest()],
                    }
                }
            f.write(json.dumps(record, separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
