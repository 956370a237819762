#!/usr/bin/env python3
"""Write the vocabulary table step-2 helpers enter from (finding and treatment ids
with their label, clinician wording and answer type), generated from a knowledge
base folder.

    python3 vignettes/blind/vocabulary.py [KNOWLEDGE_DIR] > vocabulary.md
"""
import pathlib, sys, tomllib

k = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "knowledge")
out = ["# Cluneal vocabulary (generated from the knowledge base; ids only from here)", "", "## Findings", "",
       "| id | kind | group | label | clinician wording | answer |", "|---|---|---|---|---|---|"]
for f in sorted((k / "findings").glob("*.toml")):
    d = tomllib.loads(f.read_text())
    answer = d.get("answer")
    if "options" in d:
        answer = f"{answer} options: " + ", ".join(o["id"] if isinstance(o, dict) else str(o) for o in d["options"])
    derived = " (derived automatically from treatments tried; answer it directly when stated)" if "from_treatments" in d else ""
    clinician = d.get("clinician", "").replace("|", "/")
    out.append(f"| `{f.stem}` | {d.get('kind')} | {d.get('group')} | {d.get('label')} | {clinician}{derived} | {answer} |")
out += ["", "## Treatments (for `treatments_tried`)", "", "| id | label |", "|---|---|"]
for f in sorted((k / "treatments").glob("*.toml")):
    out.append(f"| `{f.stem}` | {tomllib.loads(f.read_text()).get('name')} |")
print("\n".join(out))
