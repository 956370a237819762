"""Validate reports against schemas/report.schema.json with an independent
implementation (Python `jsonschema`, Draft 2020-12): every example case and the
case of every vignette, assessed by the `cluneal` binary given as argument.

usage: python tools/validate_reports.py target/debug/cluneal
Exits 1 on the first report that does not validate, naming it and the error.
"""
import glob
import json
import subprocess
import sys

from jsonschema import Draft202012Validator


def main() -> int:
    binary = sys.argv[1]
    with open("schemas/report.schema.json", encoding="utf-8") as f:
        validator = Draft202012Validator(json.load(f))
    jobs = [([f], f) for f in sorted(glob.glob("examples/*.json"))]
    jobs += [(["--vignette", f], f) for f in sorted(glob.glob("vignettes/*.json"))]
    for args, name in jobs:
        run = subprocess.run([binary, "assess", *args, "--format", "json"], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name}: assess failed: {run.stderr.strip()}")
            return 1
        errors = sorted(validator.iter_errors(json.loads(run.stdout)), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{name}: report does not match the schema at `{where}`: {e.message[:300]}")
            return 1
    print(f"{len(jobs)} reports match schemas/report.schema.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
