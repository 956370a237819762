#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

    python3 fuzz/seed_corpus.py [SYNTHEA_BULK_DIR] [CLUNEAL_BINARY]

case_assess: examples/*.json, each vignette's case (and informed case) alone,
and a few whole vignettes (the `--vignette` path). kb_file and kb_file_in_set:
every knowledge file as `<path>\\n<text>`. fhir_input: the Synthea test
records of crates/cluneal-fhir/tests/data (per patient as NDJSON, as a Bundle
and as a patient-view request), a few patients of SYNTHEA_BULK_DIR (a Bulk
Data export, optional), hand-written QuestionnaireResponses, Parameters,
order-select requests and feedback, and, given CLUNEAL_BINARY, the
QuestionnaireResponses its `fhir next-question` answers with.

Files are named by the SHA-1 of their content (as libFuzzer names its own);
the corpus folders are not committed. Seeds are kept small: records are cut to
a few entries of each kind so an input stays a few kilobytes.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
# Entries of each resource type kept per patient: enough for every mapping
# kind to appear, few enough to keep an input small.
PER_TYPE = 3


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def case_seeds():
    for p in sorted((ROOT / "examples").glob("*.json")):
        write("case_assess", p.read_text())
    vignettes = sorted((ROOT / "vignettes").glob("*.json"))
    for p in vignettes:
        v = json.loads(p.read_text())
        for key in ("case", "informed_case"):
            if isinstance(v.get(key), dict):
                write("case_assess", compact(v[key]))
    for p in vignettes[:5]:
        write("case_assess", p.read_text())


def kb_seeds():
    kb = ROOT / "knowledge"
    for p in sorted(kb.rglob("*.toml")):
        rel = p.relative_to(kb).as_posix()
        for target in ("kb_file", "kb_file_in_set"):
            write(target, rel + "\n" + p.read_text())


def patients(export_dir, limit):
    """Per patient id: a few NDJSON lines of each resource type, Patient first."""
    lines = {}
    for f in sorted(Path(export_dir).glob("*.ndjson")):
        for line in f.read_text().splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            kind = r.get("resourceType")
            if kind == "Patient":
                pid = r.get("id")
            else:
                ref = (r.get("subject") or r.get("patient") or {}).get("reference", "")
                pid = ref.rsplit("/", 1)[-1] if ref else None
            if pid is None:
                continue
            per = lines.setdefault(pid, {})
            kept = per.setdefault(kind, [])
            if len(kept) < PER_TYPE:
                kept.append(r)
    out = []
    for pid, per in sorted(lines.items()):
        if "Patient" not in per:
            continue
        out.append((pid, per))
        if len(out) == limit:
            break
    return out


def record_seeds(pid, per):
    resources = per["Patient"] + [r for k, rs in sorted(per.items()) if k != "Patient" for r in rs]
    write("fhir_input", "\n".join(compact(r) for r in resources) + "\n")
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
    write("fhir_input", compact(bundle))
    params = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "record", "resource": bundle},
            {"name": "date", "valueDate": "2026-11-30"},
            {"name": "setting", "valueCode": "primary_care"},
        ],
    }
    write("fhir_input", compact(params))

    def searchset(kind):
        rs = per.get(kind, [])
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in rs]}

    write("fhir_input", compact({
        "hook": "patient-view",
        "hookInstance": "a6a8f0c5-1f4e-4a0e-9a51-000000000001",
        "context": {"patientId": pid, "userId": "Practitioner/1"},
        "prefetch": {
            "patient": per["Patient"][0],
            "conditions": searchset("Condition"),
            "medications": searchset("MedicationRequest"),
            "procedures": searchset("Procedure"),
            "observations": None,
        },
    }))
    write("fhir_input", compact({
        "hook": "order-select",
        "hookInstance": "a6a8f0c5-1f4e-4a0e-9a51-000000000002",
        "context": {
            "patientId": pid,
            "userId": "Practitioner/1",
            "selections": ["ServiceRequest/mri"],
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": {
                "resourceType": "ServiceRequest", "id": "mri", "status": "draft", "intent": "order",
                "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72148"}]},
                "subject": {"reference": "Patient/" + pid},
            }}]},
        },
        "prefetch": {
            "patient": per["Patient"][0],
            "conditions": searchset("Condition"),
            "medications": None,
            "procedures": None,
            "observations": None,
        },
    }))


def fhir_seeds(bulk_dir, binary):
    for pid, per in patients(ROOT / "crates/cluneal-fhir/tests/data/synthea-lbp", 10):
        record_seeds(pid, per)
    if bulk_dir:
        for pid, per in patients(bulk_dir, 3):
            record_seeds(pid, per)
    base = "https://cluneal.org/fhir/Questionnaire/"
    starts = [
        {"resourceType": "QuestionnaireResponse", "status": "in-progress", "questionnaire": base + q}
        for q in ("cluneal-interview", "cluneal-interview-clinician")
    ]
    answered = {
        "resourceType": "QuestionnaireResponse", "id": "r1", "status": "completed",
        "questionnaire": base + "cluneal-interview-clinician",
        "subject": {"reference": "Patient/p9"},
        "item": [
            {"linkId": "basics", "item": [
                {"linkId": "age", "answer": [{"valueInteger": 62}]},
                {"linkId": "sex", "answer": [{"valueCoding": {"code": "female"}}]},
                {"linkId": "duration_weeks", "answer": [{"valueDecimal": 26}]},
                {"linkId": "sides", "answer": [{"valueCoding": {"code": "left"}}]},
            ]},
            {"linkId": "pain_over_iliac_crest", "answer": [{"valueBoolean": True}]},
            {"linkId": "crest_pressure_reproduces_pain", "answer": [{"valueBoolean": True}]},
            {"linkId": "saddle_anaesthesia", "answer": [{"valueBoolean": False}]},
        ],
    }
    for qr in starts + [answered]:
        write("fhir_input", compact(qr))
    write("fhir_input", compact({"resourceType": "Parameters", "parameter": [
        {"name": "response", "resource": answered}, {"name": "date", "valueDate": "2026-11-30"}]}))
    write("fhir_input", compact({"feedback": [{
        "card": "3f2a1c9e-0000-4000-8000-000000000001", "outcome": "overridden",
        "overrideReason": {"reason": {"code": "already_examined",
                                      "system": "https://cluneal.org/fhir/CodeSystem/override-reason"},
                           "userComment": "examined last week"},
        "outcomeTimestamp": "2026-11-30T10:00:00Z"}, {
        "card": "3f2a1c9e-0000-4000-8000-000000000002", "outcome": "accepted",
        "acceptedSuggestions": [{"id": "b1"}], "outcomeTimestamp": "2026-11-30T10:01:00Z"}]}))
    if binary:
        # The real operation's answers: a response with the questionnaire contained.
        for qr in starts + [answered]:
            out = subprocess.run([binary, "fhir", "next-question", "-"], input=compact(qr).encode(),
                                 capture_output=True, check=False)
            if out.returncode == 0:
                write("fhir_input", compact(json.loads(out.stdout)))


def main():
    bulk_dir = sys.argv[1] if len(sys.argv) > 1 else None
    binary = sys.argv[2] if len(sys.argv) > 2 else None
    case_seeds()
    kb_seeds()
    fhir_seeds(bulk_dir, binary)
    for d in sorted(CORPUS.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, largest {max(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
