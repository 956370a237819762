#!/usr/bin/env python3
"""Assemble scored vignettes (vignettes/<id>.json) from the two blind steps.

Step 1 wrote <id>.presentation.json, <id>.confirmation.json and
<id>.reference.json; step 2, seeing only the first two, wrote <id>.case.json.
This script joins them mechanically (no clinical judgement): the summary is the
step-1 presentation shortened, the reference and source come from step 1's
reference record, the cases from step 2. It never overwrites a vignette that
already exists: a vignette is not edited after its first scored run (re-entry
after a vocabulary change re-runs step 2 and this script with --reenter).
"""
import json, pathlib, sys

here = pathlib.Path(__file__).resolve().parent
out_dir = here.parent
reenter = "--reenter" in sys.argv
clinician_only = set()
kb = here.parent.parent / "knowledge" / "findings"
for f in kb.glob("*.toml"):
    if 'asked_by = "clinician"' in f.read_text():
        clinician_only.add(f.stem)

def detail(case, informed):
    if informed.get("block") or informed.get("blocks"):
        return "block"
    answers = case.get("answers", {})
    if len(answers) < 4:
        return "sparse"
    if any(a in clinician_only for a in answers):
        return "exam"
    return "history"

def summary(p):
    who = " ".join(str(x) for x in [p.get("age") and f"{p['age']}-year-old", p.get("sex")] if x) or "Patient"
    where = f" seen in {p['setting']}" if p.get("setting") else ""
    dur = f", {p['duration']}" if p.get("duration") else ""
    facts = "; ".join((p.get("history") or [])[:3] + (p.get("examination") or [])[:2])
    s = f"{who}{where}{dur}: {facts}".strip()
    return s if len(s) <= 400 else s[:397] + "..."

written = 0
for case_file in sorted(here.glob("*.case.json")):
    vid = case_file.name[: -len(".case.json")]
    target = out_dir / f"{vid}.json"
    if target.exists() and not reenter:
        continue
    p = json.loads((here / f"{vid}.presentation.json").read_text())
    r = json.loads((here / f"{vid}.reference.json").read_text())
    c = json.loads(case_file.read_text())
    # A choice finding entered as a case field by mistake belongs in `answers`
    # (a format correction, not a clinical one).
    for k in ("case", "informed_case"):
        x = c.get(k) or {}
        if "pregnancy_status" in x:
            x.setdefault("answers", {})["pregnancy_status"] = x.pop("pregnancy_status")
        # "no" is not an option of the choice (it does not say whether a birth
        # was recent): left unknown rather than guessed.
        if (x.get("answers") or {}).get("pregnancy_status") in ("no", "yes"):
            del x["answers"]["pregnancy_status"]
    kind = r["source"].get("kind", "case_report")
    v = {
        "summary": summary(p),
        "reference": {"condition": r["condition"], "urgency": r["urgency"]},
        "source": {"citation": r["source"]["citation"], "url": r["source"]["url"], "kind": kind},
        "detail": detail(c["case"], c.get("informed_case") or {}),
        "protocol": "blind_two_step",
        "case": c["case"],
        "informed_case": c.get("informed_case") or c["case"],
    }
    # A re-entry replaces only the step-2 cases (and the detail they imply): the
    # summary, reference, source and protocol of a scored vignette stay as they were.
    if target.exists():
        old = json.loads(target.read_text())
        for k in ("summary", "reference", "source", "protocol"):
            if k in old:
                v[k] = old[k]
    target.write_text(json.dumps(v, indent=2, ensure_ascii=False) + "\n")
    written += 1
print(f"{written} vignette(s) written")
