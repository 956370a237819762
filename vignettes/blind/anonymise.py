#!/usr/bin/env python3
"""Prepare a blind step-2 re-entry under anonymous ids.

    python3 vignettes/blind/anonymise.py [--new] SALT OUT_DIR [BATCHES]

Copies every step-1 presentation and confirmation record to OUT_DIR/in/ as
`case_<first 10 hex digits of sha256(SALT:vignette id)>`, with its `id` field
replaced, so that step 2 does not see the reference condition in the id. Writes
OUT_DIR/map.json (anonymous id -> vignette id; keep it from the step-2 helpers)
and OUT_DIR/batch_1..N (the sorted anonymous ids dealt round-robin, so each batch
mixes conditions). With `--new`, only the records that have no scored vignette
(vignettes/<id>.json) yet: the first entry of newly added cases. `--collect`
maps OUT_DIR/out/<anon>.case.json back to vignettes/blind/<id>.case.json
afterwards:

    python3 vignettes/blind/anonymise.py --collect OUT_DIR
"""
import hashlib, json, pathlib, sys

here = pathlib.Path(__file__).resolve().parent

def prepare(salt, out, batches, only_new=False):
    inp = out / "in"
    inp.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for p in sorted(here.glob("*.presentation.json")):
        vid = p.name[: -len(".presentation.json")]
        if only_new and (here.parent / f"{vid}.json").exists():
            continue
        anon = "case_" + hashlib.sha256(f"{salt}:{vid}".encode()).hexdigest()[:10]
        mapping[anon] = vid
        for kind in ("presentation", "confirmation"):
            record = json.loads((here / f"{vid}.{kind}.json").read_text())
            record["id"] = anon
            (inp / f"{anon}.{kind}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    (out / "map.json").write_text(json.dumps(mapping, indent=1, sort_keys=True) + "\n")
    ids = sorted(mapping)
    for i in range(batches):
        (out / f"batch_{i + 1}").write_text("\n".join(ids[i::batches]) + "\n")
    print(f"{len(ids)} records in {batches} batches")

def collect(out):
    mapping = json.loads((out / "map.json").read_text())
    missing = [a for a in mapping if not (out / "out" / f"{a}.case.json").exists()]
    if missing:
        sys.exit(f"no step-2 output for {len(missing)} record(s), e.g. `{missing[0]}`")
    for anon, vid in mapping.items():
        case = json.loads((out / "out" / f"{anon}.case.json").read_text())
        (here / f"{vid}.case.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
    print(f"{len(mapping)} case files collected; now run assemble.py (--reenter for a re-entry)")

if __name__ == "__main__":
    only_new = "--new" in sys.argv
    if only_new:
        sys.argv.remove("--new")
    if len(sys.argv) >= 3 and sys.argv[1] == "--collect":
        collect(pathlib.Path(sys.argv[2]))
    elif len(sys.argv) >= 3:
        prepare(sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 5, only_new)
    else:
        sys.exit(__doc__)
