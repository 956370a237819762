#!/usr/bin/env python3
"""Validate every FHIR resource `cluneal serve` emits with an implementation
nobody here wrote: the R4B models of the Python package `fhir.resources`.

Starts the server on a free port with a temporary database, reads the
CapabilityStatement, both Questionnaires and the OperationDefinition of
`$assess`, drives `$next-question` through a whole interview for every case of
`examples/` (as an SDC renderer: answer the last appended group, send
everything back, until `completed`) and sends each completed response to
`$assess`, sends the Synthea patients with chronic low back pain to `$assess`,
sends a few bad requests, and validates each response as its resource type
(every resource of an assessment Bundle too). Exits non-zero on any failure.

    python3 e2e/fhir_validate.py [path/to/cluneal]   # default target/debug/cluneal
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.clinicalimpression import ClinicalImpression
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.operationdefinition import OperationDefinition
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment
from fhir.resources.R4B.servicerequest import ServiceRequest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASE_URL = "https://cluneal.org/fhir/Questionnaire/"
ADAPTIVE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-questionnaireAdaptive"
MODELS = {
    "CapabilityStatement": CapabilityStatement,
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "OperationOutcome": OperationOutcome,
    "OperationDefinition": OperationDefinition,
    "CodeSystem": CodeSystem,
    "Bundle": Bundle,
    "RiskAssessment": RiskAssessment,
    "ClinicalImpression": ClinicalImpression,
    "Condition": Condition,
    "CarePlan": CarePlan,
    "ServiceRequest": ServiceRequest,
}
SYNTHEA = ROOT / "crates/cluneal-fhir/tests/data/synthea-lbp"
# Required bindings of the assessment's resources (R4), checked here for the same reason.
REQUIRED = {
    "RiskAssessment": [("status", {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"})],
    "ClinicalImpression": [("status", {"in-progress", "completed", "entered-in-error"})],
    "CarePlan": [("status", {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}),
                 ("intent", {"proposal", "plan", "order", "option"})],
    "ServiceRequest": [("status", {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}),
                       ("intent", {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"})],
}
ACTIVITY_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped", "unknown", "entered-in-error"}
CONDITION_VERIFICATION = {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}

# Required bindings from the R4 specification: fhir.resources checks types
# and cardinalities, not codes, so these are checked here.
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
              "text", "url", "choice", "open-choice", "attachment", "reference", "quantity"}
PUBLICATION_STATUS = {"draft", "active", "retired", "unknown"}
QR_STATUS = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
ISSUE_TYPES = {"invalid", "structure", "required", "value", "invariant", "security", "login", "unknown",
               "expired", "forbidden", "suppressed", "processing", "not-supported", "duplicate",
               "multiple-matches", "not-found", "deleted", "too-long", "code-invalid", "extension",
               "too-costly", "business-rule", "conflict", "transient", "lock-error", "no-store",
               "exception", "timeout", "incomplete", "throttled", "informational"}
VALUE_OF_TYPE = {"boolean": "valueBoolean", "decimal": "valueDecimal", "integer": "valueInteger", "choice": "valueCoding"}

failures = []
validated = {}


def questionnaire_items(items, out):
    """Every item by linkId, checking item types and linkId uniqueness."""
    for i in items:
        check(i["linkId"] not in out, f"linkId {i['linkId']!r} repeats")
        out[i["linkId"]] = i
        check(i["type"] in ITEM_TYPES, f"{i['linkId']}: item type {i['type']!r} is not an R4 code")
        check((i["type"] == "group") == bool(i.get("item")), f"{i['linkId']}: groups, and only groups, hold items")
        check(i["type"] != "display" or "code" not in i, f"{i['linkId']}: a display item has a code (que-3)")
        questionnaire_items(i.get("item", []), out)
    return out


def check_codes(resource, what):
    """The required bindings, and a response's answers against its questionnaire."""
    kind = resource.get("resourceType")
    if kind == "Questionnaire":
        check(resource.get("status") in PUBLICATION_STATUS, f"{what}: status {resource.get('status')!r}")
        questionnaire_items(resource.get("item", []), {})
    elif kind == "OperationOutcome":
        # Errors answer bad requests; inside an assessment it lists what was not used.
        severity = "information" if what.endswith("]") and "$assess.entry[" in what else "error"
        for issue in resource["issue"]:
            check(issue["severity"] == severity, f"{what}: severity {issue['severity']!r}")
            check(issue["code"] in ISSUE_TYPES, f"{what}: issue type {issue['code']!r}")
    elif kind in REQUIRED:
        for key, allowed in REQUIRED[kind]:
            check(resource.get(key) in allowed, f"{what}: {key} {resource.get(key)!r}")
        for a in resource.get("activity", []):
            if "detail" in a:
                check(a["detail"]["status"] in ACTIVITY_STATUS, f"{what}: activity status {a['detail']['status']!r}")
    elif kind == "Condition":
        code = resource["verificationStatus"]["coding"][0]["code"]
        check(code in {"differential", "provisional"}, f"{what}: Cluneal asserts {code!r}")
        check(code in CONDITION_VERIFICATION, f"{what}: verificationStatus {code!r}")
    elif kind == "Bundle":
        check(resource["type"] == "collection", f"{what}: type {resource['type']!r}")
        urls = {e["fullUrl"] for e in resource["entry"]}
        for ref in json.dumps(resource).split('"reference": "')[1:]:
            ref = ref.split('"')[0]
            if ref.startswith("urn:uuid:"):
                check(ref in urls, f"{what}: reference {ref} does not resolve in the Bundle")
        for k, e in enumerate(resource["entry"]):
            validate(e["resource"], f"{what}.entry[{k}]")
    elif kind == "CapabilityStatement":
        check(resource["fhirVersion"] == "4.0.1" and resource["kind"] == "instance", f"{what}: version or kind")
    elif kind == "QuestionnaireResponse":
        check(resource["status"] in QR_STATUS, f"{what}: status {resource['status']!r}")
        ref = resource["questionnaire"]
        q = next((c for c in resource.get("contained", []) if "#" + c.get("id", "") == ref), None)
        check(q is not None, f"{what}: questionnaire {ref!r} is not contained")
        defs = questionnaire_items(q.get("item", []), {}) if q else {}
        stack = list(resource.get("item", []))
        while stack:
            i = stack.pop()
            d = defs.get(i["linkId"])
            check(d is not None, f"{what}: answered item {i['linkId']!r} is not in the questionnaire")
            for a in i.get("answer", []):
                want = VALUE_OF_TYPE.get(d["type"]) if d else None
                check(want in a, f"{what}: {i['linkId']} ({d and d['type']}) answered with {list(a)}")
                if d and want == "valueCoding":
                    codes = {o["valueCoding"]["code"] for o in d.get("answerOption", [])}
                    check(a["valueCoding"]["code"] in codes, f"{what}: {i['linkId']} answer is not an option")
            stack.extend(i.get("item", []))


def check(ok, what):
    if not ok:
        failures.append(what)


def validate(resource, what):
    """Validate as the resource's own type (and its contained resources)."""
    kind = resource.get("resourceType")
    model = MODELS.get(kind)
    if model is None:
        failures.append(f"{what}: unexpected resourceType {kind!r}")
        return
    try:
        model.model_validate(resource)
        validated[kind] = validated.get(kind, 0) + 1
        check_codes(resource, what)
    except Exception as e:  # pydantic's ValidationError, with every field at fault
        failures.append(f"{what}: not a valid R4B {kind}:\n{e}")
    for k, c in enumerate(resource.get("contained", [])):
        validate(c, f"{what}.contained[{k}]")


def request(base, method, path, body=None, content_type="application/fhir+json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.headers.get("Content-Type"), json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), json.loads(e.read() or b"null")


def answer_for(item, case):
    """What a respondent who knows `case` answers, or None (left empty)."""
    link, kind = item["linkId"], item["type"]
    if link in ("age", "duration_weeks"):
        v = case.get(link)
        if v is None:
            return None
        return {"valueInteger": int(v)} if kind == "integer" else {"valueDecimal": v}
    if link in ("sex", "sides"):
        v = case.get(link)
        return None if v is None else {"valueCoding": {"code": v}}
    v = case.get("answers", {}).get(link)
    if v is None or v == "unknown":
        return None
    if kind == "boolean":
        return {"valueBoolean": v in ("yes", True)}
    if kind == "integer":
        return {"valueInteger": int(v)}
    if kind == "decimal":
        return {"valueDecimal": v}
    return {"valueCoding": {"code": v}}


def interview(base, name, case):
    respondent = case.get("respondent", "clinician")
    qid = "cluneal-interview" if respondent == "patient" else "cluneal-interview-clinician"
    qr = {"resourceType": "QuestionnaireResponse", "status": "in-progress", "questionnaire": BASE_URL + qid}
    sent = {}
    for step in range(200):
        status, ctype, out = request(base, "POST", "/fhir/Questionnaire/$next-question", qr)
        what = f"{name} step {step}"
        check(status == 200, f"{what}: status {status}: {out}")
        check(ctype == "application/fhir+json", f"{what}: content type {ctype}")
        if status != 200:
            return
        validate(out, what)
        q = out["contained"][0]
        check(any(e.get("url") == ADAPTIVE for e in q.get("extension", [])), f"{what}: not marked adaptive")
        if out["status"] == "completed":
            got = {}
            stack = list(out.get("item", []))
            while stack:
                i = stack.pop()
                if "answer" in i:
                    got[i["linkId"]] = i["answer"][0]
                stack.extend(i.get("item", []))
            for link, a in sent.items():
                value = next(iter(a.values()))
                back = got.get(link, {})
                back = back.get("valueCoding", {}).get("code") if "valueCoding" in back else next(iter(back.values()), None)
                value = value.get("code") if isinstance(value, dict) else value
                check(back == value, f"{name}: `{link}` sent {value!r}, the engine saw {back!r}")
            check(len(got) == len(sent), f"{name}: {len(sent)} answers sent, {len(got)} came back")
            status, ctype, bundle = request(base, "POST", "/fhir/$assess", out)
            check(status == 200 and ctype == "application/fhir+json", f"{name} $assess: {status} {ctype}")
            if status == 200:
                validate(bundle, f"{name} $assess")
            return step
        group = q["item"][-1]
        answers = []
        for item in group.get("item", []):
            if item["type"] == "display":
                continue
            a = answer_for(item, case)
            if a is not None:
                answers.append({"linkId": item["linkId"], "answer": [a]})
                sent[item["linkId"]] = a
        qr = out
        qr.setdefault("item", []).append({"linkId": group["linkId"], "item": answers})
    failures.append(f"{name}: the interview did not complete")


def main():
    binary = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target/debug/cluneal"
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [str(binary), "serve", "--port", "0", "--data-dir", data],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = server.stdout.readline()
            if not line.startswith("listening on "):
                sys.exit(f"the server did not start: {line!r}")
            base = line.split()[2]
            run(base)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if failures:
        print(f"{len(failures)} failure(s):", file=sys.stderr)
        for f in failures:
            print(f"- {f}", file=sys.stderr)
        sys.exit(1)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(validated.items()))
    print(f"fhir.resources (R4B) validated {counts}: all valid")


def run(base):
    status, ctype, cs = request(base, "GET", "/fhir/metadata")
    check(status == 200 and ctype == "application/fhir+json", f"metadata: {status} {ctype}")
    validate(cs, "GET /fhir/metadata")
    for qid in ("cluneal-interview", "cluneal-interview-clinician"):
        status, _, q = request(base, "GET", f"/fhir/Questionnaire/{qid}")
        check(status == 200, f"{qid}: {status}")
        validate(q, f"GET /fhir/Questionnaire/{qid}")
    for path in sorted((ROOT / "examples").glob("*.json")):
        case = json.loads(path.read_text())
        case.pop("setting", None)  # FHIR carries answers only: the default setting applies
        interview(base, path.name, case)
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [{"name": "questionnaire-response", "resource": {"resourceType": "QuestionnaireResponse", "status": "in-progress"}}],
    }
    status, _, out = request(base, "POST", "/fhir/Questionnaire/$next-question", wrapped)
    check(status == 200, f"Parameters: {status}")
    validate(out, "Parameters input")
    status, _, od = request(base, "GET", "/fhir/OperationDefinition/assess")
    check(status == 200, f"OperationDefinition: {status}")
    validate(od, "GET /fhir/OperationDefinition/assess")
    # Every Cluneal code system URI resolves to a CodeSystem here.
    for cs_id in ["finding", "answer-option", "condition", "diagnostic", "plan-step", "exercise", "method", "override-reason", "cds-card"]:
        status, _, cs = request(base, "GET", f"/fhir/CodeSystem/{cs_id}")
        check(status == 200, f"CodeSystem/{cs_id}: {status}")
        validate(cs, f"GET /fhir/CodeSystem/{cs_id}")
    lines = [json.loads(l) for f in sorted(SYNTHEA.glob("*.ndjson")) for l in f.read_text().splitlines() if l.strip()]
    for patient in sorted(r["id"] for r in lines if r["resourceType"] == "Patient"):
        own = f"Patient/{patient}"
        mine = [r for r in lines if r.get("id") == patient and r["resourceType"] == "Patient"
                or (r.get("subject") or r.get("patient") or {}).get("reference") == own]
        record = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in mine]}
        params = {"resourceType": "Parameters", "parameter": [
            {"name": "record", "resource": record}, {"name": "date", "valueDate": "2026-11-30"}]}
        status, _, bundle = request(base, "POST", "/fhir/$assess", params)
        check(status == 200, f"synthea {patient} $assess: {status}")
        if status == 200:
            validate(bundle, f"synthea {patient} $assess")
    bad = [
        ("GET", "/fhir/Questionnaire/nope", None, 404),
        ("GET", "/fhir/Patient/1", None, 404),
        ("POST", "/fhir/$assess", {"resourceType": "Observation"}, 400),
        ("POST", "/fhir/$assess", {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Patient", "id": "a"}}, {"resource": {"resourceType": "Patient", "id": "b"}}]}, 422),
        ("POST", "/fhir/Questionnaire/$next-question", b"{ not json", 400),
        ("POST", "/fhir/Questionnaire/$next-question", {"resourceType": "Patient"}, 400),
        (
            "POST",
            "/fhir/Questionnaire/$next-question",
            {"resourceType": "QuestionnaireResponse", "status": "in-progress", "item": [{"linkId": "nope", "answer": [{"valueBoolean": True}]}]},
            422,
        ),
    ]
    for method, path, body, want in bad:
        status, ctype, oo = request(base, method, path, body)
        check(status == want, f"{method} {path}: {status}, expected {want}")
        check(ctype == "application/fhir+json", f"{method} {path}: content type {ctype}")
        validate(oo, f"{method} {path} ({want})")


if __name__ == "__main__":
    main()
