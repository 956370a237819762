#!/usr/bin/env python3
"""Latency of a CDS Hooks `patient-view` call with full prefetch, on loopback.

Starts `cluneal serve` on a free port with `--cds-insecure-loopback` (no JWT,
so the figure is Cluneal's own work plus HTTP; JWT verification adds about a
millisecond for ES384), sends the Synthea chronic low back pain patients'
records as prefetch, and prints the median and the 99th percentile over N
calls after a warm-up. A measurement, not a test: CI does not run it.

    cargo build --release -p cluneal-cli
    python3 tools/cds_latency.py [target/release/cluneal] [N]
"""

import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "crates/cluneal-fhir/tests/data/synthea-lbp"


def prefetch(patient):
    rows = [json.loads(l) for f in sorted(DATA.glob("*.ndjson")) for l in f.read_text().splitlines() if l.strip()]
    own = f"Patient/{patient}"
    def search(kind):
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in rows if r["resourceType"] == kind
                          and (r.get("subject") or r.get("patient") or {}).get("reference") == own]}
    pat = next(r for r in rows if r["resourceType"] == "Patient" and r["id"] == patient)
    return {"patient": pat, "conditions": search("Condition"), "medications": search("MedicationRequest"),
            "procedures": search("Procedure"), "observations": None}


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/cluneal")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    patients = sorted({json.loads(l)["id"] for l in (DATA / "Patient.000.ndjson").read_text().splitlines() if l.strip()})
    bodies = []
    for p in patients:
        req = {"hook": "patient-view", "hookInstance": "0f0f0f0f-0000-4000-8000-000000000000",
               "context": {"patientId": p, "userId": "Practitioner/1"}, "prefetch": prefetch(p)}
        bodies.append(json.dumps(req).encode())
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", data, "--cds-insecure-loopback"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            base = server.stdout.readline().split()[2]
            url = base + "/cds-services/cluneal-patient-view"
            times = []
            for k in range(n + 50):
                body = bodies[k % len(bodies)]
                req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
                t0 = time.perf_counter()
                with urllib.request.urlopen(req) as res:
                    res.read()
                    assert res.status == 200
                if k >= 50:
                    times.append((time.perf_counter() - t0) * 1000)
        finally:
            server.terminate()
            server.wait(timeout=10)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    size = sum(len(b) for b in bodies) // len(bodies)
    print(f"patient-view, full prefetch ({size // 1024} KiB a call), {n} calls on loopback: "
          f"median {statistics.median(times):.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
