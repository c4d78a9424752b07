#!/usr/bin/env python3
"""Generates x12/src/validate/tables.rs: the SNIP 2 segment and element tables.

Sources (read-only, in the shared reference folder):
  - pyx12 maps (BSD-3-Clause-style, John Holland): 837P X222A1, 837I X223A1 (same
    element layout as X223A2), 835 X221A1, 999 X231A1, and the data-element dictionary
    (type, minimum and maximum length of every simple element);
  - for 270/271 (X279A1) and 997 (X230), the compact tables below, written from the
    implementation guides' segment and element tables. They cover every segment that the
    270/271 loop specs in x12/src/loops.rs place (BHT; 2000A-D HL, TRN, AAA; 2100A-D NM1,
    REF, N3, N4, PER, PRV, DMG, INS, HI, DTP, MPI, AAA; 2110C/D EQ, AMT, III, REF, DTP or
    EB, HSD, REF, DTP, AAA, MSG, LS, LE; 2115C/D III; 2120C/D NM1, N3, N4, PER, PRV), with
    the same loop ids;
  - for 837D (X224A2), the compact table `D837` below, written from TigerShark's generated
    parser `M837_5010_X224_A2` (BSD; zentist/TigerShark on GitHub, commits b958b3b2 and
    e2bb9435), with the corrections listed in it.

No pyx12 map exists for 837D (X224A2) or 270/271 (X279A1): the PyPI package pyx12
(checked: 4.0.0, the latest, and 3.1.0) ships 270/271 maps only for 004010X092A1 (its
maps.xml names 270/271.5010.X092.A1.xml, which the package does not contain) and no 837
dental map; the PyPI `tigershark` (0.3.4) has 837P/837I parsers but no X224A2 one.

Only structure is taken: loop ids, segment ids, usage, repeat counts, element numbers,
X12-internal code values and syntax notes; no guide text.

Usage: python3 x12/tools/gen_validate_tables.py [REFERENCE_DIR] [--pyx12-python PYTHON]
           > x12/src/validate/tables.rs

Maps are looked up in REFERENCE_DIR (default ../shared/reference/x12-loops/pyx12, copies
of pyx12 at commit 8893c59f), then, with --pyx12-python, in the map folder of the pyx12
package that interpreter imports (dev time only, e.g. after
`python3 -m venv /tmp/pyx12venv && /tmp/pyx12venv/bin/pip install pyx12`, pass
/tmp/pyx12venv/bin/python). pyx12 4.0.0's maps for the guides above are byte-identical
to the reference copies, so either source gives the same tables.rs.
"""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path



def map_dirs(argv):
    """The folders maps are read from, in order: the reference copies, then (with
    --pyx12-python) the `map` folder of an installed pyx12 package."""
    ref, python = "../shared/reference/x12-loops/pyx12", None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--pyx12-python":
            if not args:
                sys.exit("--pyx12-python needs an interpreter path")
            python = args.pop(0)
        else:
            ref = a
    dirs = [Path(ref)]
    if python:
        code = "import os, pyx12; print(os.path.join(os.path.dirname(pyx12.__file__), 'map'))"
        out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True)
        dirs.append(Path(out.stdout.strip()))
    return dirs


MAP_DIRS = map_dirs(sys.argv[1:])


def map_file(fname):
    for d in MAP_DIRS:
        if (d / fname).is_file():
            return d / fname
    sys.exit(f"map {fname} not found in {', '.join(str(d) for d in MAP_DIRS)}")


MAPS = [
    ("P837", "837.5010.X222.A1.xml"),
    ("I837", "837Q3.I.5010.X223.A1.xml"),
    ("R835", "835.5010.X221.A1.xml"),
    ("A999", "999.5010X231.A1.xml"),
]

# Elements whose code list is external (a CodeListProvider answers for them); the maps
# mark some themselves (`external="..."`), these are added.
EXTERNAL_BY_ELEMENT = {
    "1034": "carc",  # CAS02/05/...: claim adjustment reason codes
}

dataele = {}
for d in ET.parse(map_file("dataele.xml")).getroot():
    dataele[d.get("ele_num")] = (d.get("data_type"), int(d.get("min_len")), int(d.get("max_len")))

TY = {"AN": "AN", "ID": "ID", "N0": "N0", "N2": "N2", "R": "R", "DT": "DT", "TM": "TM", "B": "B", "N": "N0"}


def text(node, tag, default=""):
    c = node.find(tag)
    return c.text.strip() if c is not None and c.text else default


def repeat_of(s):
    if not s or s.startswith(">"):
        return 0  # unbounded
    return int(s)


class El:
    def __init__(self, usage, de, ty, mn, mx, rep, codes, ext, comps):
        self.usage, self.de, self.ty, self.mn, self.mx = usage, de, ty, mn, mx
        self.rep, self.codes, self.ext, self.comps = rep, tuple(codes), ext, tuple(comps)

    def key(self):
        return (self.usage, self.de, self.ty, self.mn, self.mx, self.rep, self.codes, self.ext,
                tuple(c.key() for c in self.comps))


# Element 725 (data element reference number) also holds composite references such as
# `C023` in real acknowledgments: read it as text.
OVERRIDES = {"725": ("AN", 1, 4)}


def simple(usage, de, rep=1, codes=(), ext="", overrides=True):
    ty, mn, mx = (overrides and OVERRIDES.get(de)) or dataele.get(de, ("AN", 1, 256))
    ext = ext or EXTERNAL_BY_ELEMENT.get(de, "")
    return El(usage, de, TY.get(ty, "AN"), mn, mx, rep, codes, ext, ())


def parse_element(e):
    usage = text(e, "usage", "S")
    de = text(e, "data_ele")
    rep = int(text(e, "repeat", "1") or 1)
    if e.tag == "composite":
        comps = []
        for c in e:
            if c.tag == "element":
                comps.append(parse_element(c))
        return El(usage, de, "Comp", 0, 0, rep, (), "", comps)
    codes = []
    ext = ""
    vc = e.find("valid_codes")
    if vc is not None:
        ext = vc.get("external", "")
        codes = [c.text.strip() for c in vc.findall("code") if c.text]
    return simple(usage, de, rep, codes, ext)


class Seg:
    def __init__(self, loop, sid, usage, max_use, syntax, els):
        self.loop, self.sid, self.usage, self.max_use = loop, sid, usage, max_use
        self.syntax, self.els = tuple(syntax), list(els)


def parse_segment(s, loop):
    els = []
    for e in s:
        if e.tag in ("element", "composite"):
            seq = int(text(e, "seq"))
            while len(els) < seq - 1:
                els.append(simple("N", "0"))
            els.append(parse_element(e))
    return Seg(loop, s.get("xid"), text(s, "usage", "S"), repeat_of(text(s, "max_use", "1")),
               [x.text.strip() for x in s.findall("syntax")], els)


WRAPPERS = {"HEADER": "header", "ST_LOOP": "header", "DETAIL": "header", "FOOTER": "trailer"}


def walk(node, loop_id, parent_id, segs, loops, seen_loops):
    for child in node:
        if child.tag == "segment":
            sid = child.get("xid")
            if sid in ("ISA", "IEA", "GS", "GE", "ST", "SE"):
                continue
            seg = parse_segment(child, loop_id)
            # The loop builder puts the 999 AK9 and the 835 PLB in the trailer.
            if sid in ("AK9", "PLB"):
                seg.loop = "trailer"
            segs.append(seg)
        elif child.tag == "loop":
            xid = child.get("xid")
            if xid in ("ISA_LOOP", "GS_LOOP"):
                walk(child, loop_id, parent_id, segs, loops, seen_loops)
                continue
            if xid in WRAPPERS:
                walk(child, WRAPPERS[xid], "header", segs, loops, seen_loops)
                continue
            first = next((c for c in child if c.tag == "segment"), None)
            trigger = first.get("xid") if first is not None else ""
            key = (loop_id, xid)
            if key not in seen_loops:
                seen_loops.add(key)
                loops.append((loop_id, xid, text(child, "usage", "S"),
                              repeat_of(text(child, "repeat", "1")), trigger))
            walk(child, xid, loop_id, segs, loops, seen_loops)


def load_map(fname):
    root = ET.parse(map_file(fname)).getroot()
    segs, loops = [], []
    walk(root, "header", "", segs, loops, set())
    # The maps copy some loops (837 2300 under 2000B and 2000C): keep one definition of
    # each (loop, segment, qualifier) in document order.
    out, seen = [], set()
    for s in segs:
        k = (s.loop, s.sid, s.els[0].key() if s.els else None, s.usage)
        if k in seen:
            continue
        seen.add(k)
        out.append(s)
    return out, loops


# ---------------------------------------------------------------------------------------
# Hand tables: 270/271 (X279A1) and 997 (X230). Format per line:
#   LOOP SEG USAGE MAXUSE | element ; element ; ...
# element: USAGE DATAELE [xREPEAT] [codes,comma,separated]; a composite is
#   USAGE Cnnn [xREPEAT] ( element / element / ... )
# MAXUSE 0 is unbounded. Loops: "loop PARENT ID USAGE REPEAT TRIGGER".
# ---------------------------------------------------------------------------------------

C003 = "S C003 ( R 235 AD,CJ,HC,ID,IV,N4,ZZ / R 234 / S 1339 / S 1339 / S 1339 / S 1339 / N 352 / S 234 )"
C004 = "S C004 ( R 1328 / S 1328 / S 1328 / S 1328 )"
NM1_TAIL = "S 1036 ; S 1037 ; N 1038 ; S 1039"
# HI (X279A1 2100C/2100D): HI01 the principal diagnosis (ABK ICD-10, BK ICD-9), HI02-HI08
# further diagnoses (ABF, BF); only the qualifier and the code of each C022 are used.
C022_TAIL = "N 1250 / N 1251 / N 782 / N 380 / N 799 / N 1271 / N 1073"
HI_ELIG = " ; ".join(
    [f"R C022 ( R 1270 ABK,BK / R 1271 / {C022_TAIL} )"]
    + [f"S C022 ( R 1270 ABF,BF / R 1271 / {C022_TAIL} )"] * 7
    + ["N C022 ( N 1270 / N 1271 )"] * 4
)
# INS in the 270: multiple birth sequence only (INS01, INS02, INS17); in the 271 the
# subscriber/dependent change flags (INS03, INS04) and student/handicap data may follow.
INS_270_NOT_USED = " ; ".join(["N 875", "N 1203", "N 1216", "N C052 ( N 1218 )", "N 1219",
                               "N 584", "N 1220", "N 1073", "N 1250", "N 1251", "N 1165",
                               "N 19", "N 156", "N 26"])
INS_270_C = f"R 1073 Y ; R 1069 18 ; {INS_270_NOT_USED} ; R 1470"
INS_270_D = f"R 1073 N ; R 1069 ; {INS_270_NOT_USED} ; R 1470"
INS_271_TAIL = ("S 875 ; S 1203 ; S 1216 ; N C052 ( S 1218 ) ; S 1219 ; S 584 ; S 1220 ; S 1073 ; "
                "S 1250 ; S 1251 ; S 1165 ; S 19 ; S 156 ; S 26 ; S 1470")
INS_271_C = f"R 1073 Y ; R 1069 18 ; {INS_271_TAIL}"
INS_271_D = f"R 1073 N ; R 1069 ; {INS_271_TAIL}"
# MPI (271 only): military personnel information.
MPI_271 = "R 1201 ; R 584 ; R 1595 ; S 352 ; S 1596 ; S 1250 D8,RD8 ; S 1251"
AAA_ELIG = "R 1073 N,Y ; N 559 ; R 901 ; R 889"

ELIG_COMMON = """
header BHT R 1 | R 1005 0022 ; R 353 {bht02} ; {bht03} 127 ; R 373 ; R 337 ; {bht06} 640 {bht06codes}
loop header 2000A R 0 HL
2000A HL R 1 | R 628 ; N 734 ; R 735 20 ; R 736 {hl04}
loop 2000A 2100A R 1 NM1
2100A NM1 R 1 | R 98 2B,36,GP,P5,PR ; R 1065 1,2 ; R 1035 ; {nm1tail} ; R 66 24,46,FI,II,NI,PI,XV,XX ; R 67
loop 2000A 2000B R 0 HL
2000B HL R 1 | R 628 ; R 734 ; R 735 21 ; R 736 {hl04}
loop 2000B 2100B R 1 NM1
2100B NM1 R 1 | R 98 1P,2B,36,80,FA,GP,P5,PR ; R 1065 1,2 ; R 1035 ; {nm1tail} ; R 66 24,34,46,FI,PI,PP,SV,XV,XX ; R 67
2100B REF S 9 | R 128 ; R 127 ; S 352
2100B N3 S 1 | R 166 ; S 166
2100B N4 S 1 | R 19 ; S 156 ; S 116 ; S 26 ; N 309 ; N 310 ; S 1715
2100B PRV S 1 | R 1221 ; R 128 PXC ; R 127
loop 2000B 2000C S 0 HL
2000C HL R 1 | R 628 ; R 734 ; R 735 22 ; R 736 0,1
2000C TRN S {trn_max} | R 481 1,2 ; R 127 ; R 509 ; S 127
loop 2000C 2100C R 1 NM1
2100C NM1 R 1 | R 98 IL ; R 1065 1{nm1c_2} ; S 1035 ; {nm1tail} ; S 66 II,MI ; S 67
2100C REF S 9 | R 128 ; R 127 ; S 352
2100C N3 S 1 | R 166 ; S 166
2100C N4 S 1 | R 19 ; S 156 ; S 116 ; S 26 ; N 309 ; N 310 ; S 1715
2100C PRV S 1 | R 1221 ; R 128 PXC ; R 127
2100C DMG S 1 | R 1250 D8 ; R 1251 ; S 1068 F,M,U
2100C INS S 1 | {ins_c}
2100C HI S 1 | {hi}
2100C DTP S {dtp_max} | R 374 ; R 1250 D8,RD8 ; R 1251
loop 2000C 2000D S 0 HL
2000D HL R 1 | R 628 ; R 734 ; R 735 23 ; R 736 0
2000D TRN S {trn_max} | R 481 1,2 ; R 127 ; R 509 ; S 127
loop 2000D 2100D R 1 NM1
2100D NM1 R 1 | R 98 03 ; R 1065 1 ; S 1035 ; {nm1tail} ; N 66 ; N 67
2100D REF S 9 | R 128 ; R 127 ; S 352
2100D N3 S 1 | R 166 ; S 166
2100D N4 S 1 | R 19 ; S 156 ; S 116 ; S 26 ; N 309 ; N 310 ; S 1715
2100D PRV S 1 | R 1221 ; R 128 PXC ; R 127
2100D DMG S 1 | R 1250 D8 ; R 1251 ; S 1068 F,M,U
2100D INS S 1 | {ins_d}
2100D HI S 1 | {hi}
2100D DTP S {dtp_max} | R 374 ; R 1250 D8,RD8 ; R 1251
"""

Q270 = ELIG_COMMON.format(
    bht02="01,13", hl04="1", bht03="S", bht06="N", bht06codes="", nm1tail=NM1_TAIL, trn_max=2,
    nm1c_2=",2", dtp_max=2, ins_c=INS_270_C, ins_d=INS_270_D, hi=HI_ELIG,
) + f"""
loop 2100C 2110C S 99 EQ
2110C EQ S 1 | S 1365 x99 ; {C003} ; S 1207 ; N 1336 ; {C004}
2110C AMT S 1 | R 522 R ; R 782
2110C AMT S 1 | R 522 PB ; R 782
2110C III S 10 | S 1270 ; S 1271
2110C REF S 1 | R 128 9F,G1 ; R 127
2110C DTP S 1 | R 374 291,307,435,472,636,771 ; R 1250 D8,RD8 ; R 1251
loop 2100D 2110D S 99 EQ
2110D EQ S 1 | S 1365 x99 ; {C003} ; N 1207 ; N 1336 ; {C004}
2110D III S 10 | S 1270 ; S 1271
2110D REF S 1 | R 128 9F,G1 ; R 127
2110D DTP S 1 | R 374 291,307,435,472,636,771 ; R 1250 D8,RD8 ; R 1251
"""

EB = f"R 1390 ; S 1203 ; S 1365 x99 ; S 1336 ; S 1204 ; S 615 ; S 782 ; S 954 ; S 673 ; S 380 ; S 1073 N,U,W,Y ; S 1073 N,U,W,Y ; {C003} ; {C004}"
S271 = ELIG_COMMON.format(
    bht02="06,11", hl04="0,1", bht03="S", bht06="N", bht06codes="", nm1tail=NM1_TAIL, trn_max=3,
    nm1c_2=",2", dtp_max=9, ins_c=INS_271_C, ins_d=INS_271_D, hi=HI_ELIG,
) + f"""
2000A AAA S 9 | {AAA_ELIG}
2100C MPI S 1 | {MPI_271}
2100C AAA S 9 | {AAA_ELIG}
2100D MPI S 1 | {MPI_271}
2100D AAA S 9 | {AAA_ELIG}
2100A PER S 3 | R 366 IC ; S 93 ; S 365 ; S 364 ; S 365 ; S 364 ; S 365 ; S 364 ; N 443
2100A AAA S 9 | R 1073 N,Y ; N 559 ; R 901 ; R 889
2100B AAA S 9 | R 1073 N,Y ; N 559 ; R 901 ; R 889
loop 2100C 2110C S 0 EB
2110C EB S 1 | {EB}
2110C HSD S 9 | S 673 ; S 380 ; S 355 ; S 1167 ; S 615 ; S 616 ; S 678 ; S 679
2110C REF S 9 | R 128 ; R 127 ; S 352
2110C DTP S 20 | R 374 ; R 1250 D8,RD8 ; R 1251
2110C AAA S 9 | R 1073 N,Y ; N 559 ; R 901 ; R 889
2110C MSG S 10 | R 933 ; N 934 ; N 1470
2110C LS S 1 | R 447
2110C LE S 1 | R 447
loop 2110C 2115C S 10 III
2115C III S 1 | R 1270 ; R 1271
loop 2110C 2120C S 23 NM1
2120C NM1 R 1 | R 98 ; R 1065 1,2 ; S 1035 ; {NM1_TAIL} ; S 66 ; S 67 ; S 706 ; N 98
2120C N3 S 1 | R 166 ; S 166
2120C N4 S 1 | R 19 ; S 156 ; S 116 ; S 26 ; N 309 ; N 310 ; S 1715
2120C PER S 3 | R 366 IC ; S 93 ; S 365 ; S 364 ; S 365 ; S 364 ; S 365 ; S 364 ; N 443
2120C PRV S 1 | R 1221 ; R 128 PXC ; R 127
loop 2100D 2110D S 0 EB
2110D EB S 1 | {EB}
2110D HSD S 9 | S 673 ; S 380 ; S 355 ; S 1167 ; S 615 ; S 616 ; S 678 ; S 679
2110D REF S 9 | R 128 ; R 127 ; S 352
2110D DTP S 20 | R 374 ; R 1250 D8,RD8 ; R 1251
2110D AAA S 9 | R 1073 N,Y ; N 559 ; R 901 ; R 889
2110D MSG S 10 | R 933 ; N 934 ; N 1470
2110D LS S 1 | R 447
2110D LE S 1 | R 447
loop 2110D 2115D S 10 III
2115D III S 1 | R 1270 ; R 1271
loop 2110D 2120D S 23 NM1
2120D NM1 R 1 | R 98 ; R 1065 1,2 ; S 1035 ; {NM1_TAIL} ; S 66 ; S 67 ; S 706 ; N 98
2120D N3 S 1 | R 166 ; S 166
2120D N4 S 1 | R 19 ; S 156 ; S 116 ; S 26 ; N 309 ; N 310 ; S 1715
2120D PER S 3 | R 366 IC ; S 93 ; S 365 ; S 364 ; S 365 ; S 364 ; S 365 ; S 364 ; N 443
2120D PRV S 1 | R 1221 ; R 128 PXC ; R 127
"""

# ---------------------------------------------------------------------------------------
# 837D (005010X224A2): written by hand from TigerShark's generated parser
# `tigershark.parsers.M837_5010_X224_A2` (BSD; the zentist/TigerShark fork on GitHub,
# commits b958b3b2 and e2bb9435, the only open machine-readable X224A2 definition found;
# neither pyx12 nor the PyPI `tigershark` 0.3.4 ships one). Taken from it: loop and segment
# usage and repeats, element usage, composite components, code values. Loop ids are
# TigerShark's, which are those of x12/src/loops.rs (`Guide::Dental837`); TigerShark's
# ISA/GS/ST wrappers are left to the envelope checks. Element types and lengths come from
# the data-element dictionary (dataele.xml) like every other table here; TigerShark's
# `data_type` tuples for these segments agree with it. Where TigerShark contradicts the loop
# triggers of loops.rs (and the guide) the line says so and follows loops.rs.
#
# Positional format: `LOOP SEG USAGE MAXUSE @ USAGES [k=codes ...] [k:U Cnnn ( ... ) ...]`;
# USAGES holds one R/S/N per element position (element numbers from SEG_DE below), `*` a
# composite written out after it as `k:` (same syntax as the hand tables above).
# ---------------------------------------------------------------------------------------
SEG_DE = {
    "BHT": "1005 353 127 373 337 640",
    "NM1": "98 1065 1035 1036 1037 1038 1039 66 67 706 98 1035",
    "PER": "366 93 365 364 365 364 365 364 443",
    "N3": "166 166",
    "N4": "19 156 116 26 309 310 1715",
    "REF": "128 127 352 C040",
    "HL": "628 734 735 736",
    "PRV": "1221 128 127 156 C035 1223",
    "CUR": "98 100 280 98 100 669" + " 374 373 337" * 5,
    "SBR": "1138 1069 127 93 1336 1143 1073 584 1032",
    "PAT": "1069 1384 584 1220 1250 1251 355 81 1073",
    "DMG": "1250 1251 1068 1067 C056 1066 26 659 380 1270 1271",
    "CLM": "1028 782 1032 1343 C023 1073 1359 1073 1363 1351 C024 1366 1073 1338 1073 1360 "
           "1029 1073 1383 1514",
    "DTP": "374 1250 1251",
    "DN1": "380 380 1073 352",
    "DN2": "127 1368 380 1250 1251 1270",
    "PWK": "755 756 757 98 66 67 352 C002 1525",
    "CN1": "1166 782 332 127 338 799",
    "AMT": "522 782 478",
    "K3": "449 1333 C001",
    "NTE": "363 352",
    "HI": " ".join(["C022"] * 12),
    "HCP": "1473 782 782 127 118 127 782 234 235 234 355 380 901 1526 1527",
    "CAS": "1033" + " 1034 782 380" * 6,
    "OI": "1032 1383 1073 1351 1360 1363",
    "MOA": "954 782 127 127 127 127 127 782 782",
    "LX": "554",
    "SV3": "C003 782 1331 C006 1358 380 352 1327 1360 1073 C004",
    "TOO": "1270 1271 C005",
    "SVD": "67 782 C003 234 380 554",
}
# Composite element reference numbers whose repeat count is not 1.
COMPOSITE_REPEAT = {("DMG", "C056"): 10}

D837 = """
header BHT R 1 @ RRRRRR 1=0019 2=00,18 6=31,CH,RP
loop header 1000A R 1 NM1
1000A NM1 R 1 @ RRRSSNNRRNNN 1=41 2=1,2 8=46
1000A PER R 2 @ RSRRSSSSN 1=IC 3=EM,FX,TE 5=EM,EX,FX,TE 7=EM,EX,FX,TE
loop header 1000B R 1 NM1
1000B NM1 R 1 @ RRRNNNNRRNNN 1=40 2=2 8=46
loop header 2000A R 0 HL
2000A HL R 1 @ RNRR 3=20 4=1
2000A PRV S 1 @ RRRNNN 1=BI 2=PXC
2000A CUR S 1 @ RRNNNNNNNNNNNNNNNNNNN 1=85
loop 2000A 2010AA R 1 NM1
2010AA NM1 R 1 @ RRRSSNNSSNNN 1=85 2=1,2 8=XX
2010AA N3 R 1 @ RS
2010AA N4 R 1 @ RSSSNNS
2010AA REF R 1 @ RRNN 1=EI,SY
2010AA REF S 2 @ RRNN 1=0B,1G
2010AA PER S 2 @ RSRRSSSSN 1=IC 3=EM,FX,TE 5=EM,EX,FX,TE 7=EM,EX,FX,TE
loop 2000A 2000B R 0 HL
2000B HL R 1 @ RRRR 3=22 4=0,1
2000B SBR R 1 @ RSSSNNNNS 1=A,B,C,D,E,F,G,H,P,S,T,U 2=18 9=11,12,13,14,15,16,17,AM,BL,CH,CI,DS,FI,HM,LM,MA,MB,MC,OF,TV,VA,WC,ZZ
loop 2000B 2000C S 0 HL
2000C HL S 1 @ RRRR 3=23 4=0
2000C PAT R 1 @ RNNNNNNNN 1=01,19,20,21,39,40,53,G8
loop 2000A 2010AB S 1 NM1
2010AB NM1 S 1 @ RRNNNNNNNNNN 1=87 2=2
2010AB N3 R 1 @ RS
2010AB N4 R 1 @ RSSSNNS
loop 2000A 2010AC S 1 NM1
2010AC NM1 S 1 @ RRRNNNNRRNNN 1=PE 2=2 8=PI,XV
2010AC N3 R 1 @ RS
2010AC N4 R 1 @ RSSSNNS
2010AC REF S 1 @ RRNN 1=2U,FY,NF
2010AC REF R 1 @ RRNN 1=EI
loop 2000B 2010BA R 1 NM1
2010BA NM1 R 1 @ RRRSSNSSSNNN 1=IL 2=1,2 8=II,MI
2010BA N3 S 1 @ RS
2010BA N4 S 1 @ RSSSNNS
2010BA DMG S 1 @ RRRNNNNNNNN 1=D8 3=F,M,U
2010BA REF S 1 @ RRNN 1=SY
2010BA REF S 1 @ RRNN 1=Y4
loop 2000B 2010BB R 1 NM1
2010BB NM1 R 1 @ RRRNNNNRRNNN 1=PR 2=2 8=PI,XV
2010BB N3 S 1 @ RS
2010BB N4 S 1 @ RSSSNNS
2010BB REF S 3 @ RRNN 1=2U,EI,FY,NF
2010BB REF S 1 @ RRNN 1=G2,LU
loop 2000C 2010CA R 1 NM1
2010CA NM1 R 1 @ RRRSSNSNNNNN 1=QC 2=1
2010CA N3 R 1 @ RS
2010CA N4 R 1 @ RSSSNNS
2010CA DMG R 1 @ RRRNNNNNNNN 1=D8 3=F,M,U
2010CA REF S 1 @ RRNN 1=Y4
loop 2000B 2300 S 100 CLM
loop 2000C 2300 R 100 CLM
2300 CLM R 1 @ RRNN*RRRRN*SNNNNNNSS 6=Y,N 7=A,C 8=N,W,Y 9=I,Y 12=01,02,03,05 19=PB 20=1,10,11,15,2,3,4,5,6,7,8,9 5:R C023 ( R 1331 / R 1332 B / R 1325 ) 11:S C024 ( R 1362 AA,EM,OA / S 1362 / N 1362 / S 156 / S 26 )
2300 DTP S 1 @ RRR 1=439 2=D8
2300 DTP S 1 @ RRR 1=452 2=D8
2300 DTP S 1 @ RRR 1=472 2=D8,RD8
2300 DTP S 1 @ RRR 1=050 2=D8
2300 DN1 S 1 @ SSNS
2300 DN2 S 35 @ RRNNNN 2=E,M
2300 PWK S 10 @ RRNNSSNNN 1=B4,DA,DG,EB,OZ,P6,RB,RR 2=AA,BM,EL,EM,FT,FX 5=AC
2300 CN1 S 1 @ RSSSSS 1=01,02,03,04,05,06,09
2300 AMT S 1 @ RRN 1=F3
2300 REF S 1 @ RRNN 1=P4
2300 REF S 1 @ RRNN 1=4N
2300 REF S 1 @ RRNN 1=F8
2300 REF S 1 @ RRNN 1=9F
2300 REF S 1 @ RRNN 1=G1
2300 REF S 1 @ RRNN 1=9A
2300 REF S 1 @ RRNN 1=9C
2300 REF S 1 @ RRNN 1=D9
2300 K3 S 10 @ RNN
# TigerShark marks HI02-HI12 not used, yet its SV311 (C004) points at up to four
# diagnoses: HI02-HI04 carry the other diagnoses (ABF, BF) as in X224A2.
2300 HI S 1 @ ****NNNNNNNN 1:R C022 ( R 1270 ABK,BK / R 1271 / N 1250 / N 1251 / N 782 / N 380 / N 799 / N 1271 / S 1073 N,U,W,Y ) 2:S C022 ( R 1270 ABF,BF / R 1271 / N 1250 / N 1251 / N 782 / N 380 / N 799 / N 1271 / S 1073 N,U,W,Y ) 3:S C022 ( R 1270 ABF,BF / R 1271 / N 1250 / N 1251 / N 782 / N 380 / N 799 / N 1271 / S 1073 N,U,W,Y ) 4:S C022 ( R 1270 ABF,BF / R 1271 / N 1250 / N 1251 / N 782 / N 380 / N 799 / N 1271 / S 1073 N,U,W,Y )
2300 HCP S 1 @ RRSSSSSSNNSSSSS 1=00,01,02,03,04,05,06,07,08,09,10,11,12,13,14 11=DA,UN 13=T1,T2,T3,T4,T5,T6 14=1,2,3,4,5 15=1,2,3,4,5,6
2300 NTE S 5 @ RR 1=ADD,ALG,DCP,DGN,DME,MED,NTR,ODT,RHB,RLH,RNH,SET,SFM,SPT,UPI
loop 2300 2310A S 2 NM1
2310A NM1 S 1 @ RRRSSNSSSNNN 1=DN,P3 2=1 8=XX
2310A PRV S 1 @ RRRNNN 1=RF 2=PXC
2310A REF S 3 @ RRNN 1=0B,1G,G2
loop 2300 2310B S 1 NM1
2310B NM1 S 1 @ RRRSSNSSSNNN 1=82 2=1,2 8=XX
2310B PRV R 1 @ RRRNNN 1=PE 2=PXC
2310B REF S 4 @ RRNN 1=0B,1G,G2,LU
loop 2300 2310C S 1 NM1
# TigerShark has NM101 ZZ / NM102 1 here; loops.rs (and X224A2) open 2310C with 77 (an organization).
2310C NM1 S 1 @ RRRSSNSSSNNN 1=77 2=2 8=XX
2310C N3 R 1 @ RS
2310C N4 R 1 @ RSSSNNS
2310C REF S 3 @ RRNN 1=0B,1G,G2,LU
loop 2300 2310D S 1 NM1
# TigerShark has NM101 82 here; loops.rs (and X224A2) open the assistant surgeon loop with DD.
2310D NM1 S 1 @ RRRSSNSSSNNN 1=DD 2=1 8=XX
2310D PRV R 1 @ RRRNNN 1=AS,RF 2=PXC
2310D REF S 4 @ RRNN 1=0B,1G,G2,LU
loop 2300 2310E S 1 NM1
# TigerShark has NM101 77 / NM102 2 and no person names here (the service facility's values);
# loops.rs (and X224A2) open the supervising provider loop with DQ, a person.
2310E NM1 S 1 @ RRRSSNSSSNNN 1=DQ 2=1 8=XX
2310E REF S 4 @ RRNN 1=0B,G2,LU
loop 2300 2320 S 10 SBR
2320 SBR S 1 @ RRSSNNNNS 1=A,B,C,D,E,F,G,H,P,S,T,U 2=01,18,19,20,21,39,40,53,G8 9=11,12,13,14,15,16,17,AM,BL,CH,CI,DS,FI,HM,LM,MA,MB,MC,OF,TV,VA,WC,ZZ
2320 CAS S 5 @ RRRSSSSSSSSSSSSSSSS 1=CO,CR,OA,PI,PR
2320 AMT S 1 @ RRN 1=D
2320 AMT S 1 @ RRN 1=EAF
2320 AMT S 1 @ RRN 1=A8
2320 OI R 1 @ NNRNNR 3=N,W,Y 6=I,Y
2320 MOA S 1 @ SSSSSSSSS
loop 2320 2330A R 1 NM1
2330A NM1 R 1 @ RRRSSNSRRNNN 1=IL 2=1,2 8=II,MI
2330A N3 S 1 @ RS
2330A N4 S 1 @ RSSSNNS
2330A REF S 2 @ RRNN 1=SY
loop 2320 2330B R 1 NM1
2330B NM1 R 1 @ RRRNNNNRRNNN 1=PR 2=2 8=PI,XV
2330B N3 S 1 @ RS
2330B N4 S 1 @ RSSSNNS
2330B DTP S 1 @ RRR 1=573 2=D8
2330B REF S 3 @ RRNN 1=2U,EI,FY,NF
2330B REF S 1 @ RRNN 1=G1
2330B REF S 1 @ RRNN 1=9F
2330B REF S 1 @ RRNN 1=T4
2330B REF S 1 @ RRNN 1=G3
2330B REF S 1 @ RRNN 1=F8
loop 2320 2330C S 2 NM1
2330C NM1 S 1 @ RRNNNNNNNNNN 1=DN,P3 2=1
2330C REF R 3 @ RRNN 1=0B,1G,G2,LU
loop 2320 2330D S 1 NM1
2330D NM1 S 1 @ RRNNNNNNNNNN 1=82 2=1
2330D REF R 3 @ RRNN 1=0B,1G,G2,LU
loop 2320 2330E S 1 NM1
2330E NM1 S 1 @ RRNNNNNNNNNN 1=DQ 2=1
2330E REF R 3 @ RRNN 1=0B,1G,G2,LU
loop 2320 2330F S 1 NM1
2330F NM1 S 1 @ RRNNNNNNNNNN 1=85 2=1,2
2330F REF R 2 @ RRNN 1=G2,LU
loop 2320 2330G S 1 NM1
2330G NM1 S 1 @ RRNNNNNNNNNN 1=77 2=2
2330G REF R 3 @ RRNN 1=0B,G2,LU
loop 2320 2330H S 1 NM1
2330H NM1 S 1 @ RRNNNNNNNNNN 1=DD 2=1,2
2330H REF R 3 @ RRNN 1=0B,1G,G2
loop 2300 2400 R 50 LX
2400 LX R 1 @ R
2400 SV3 R 1 @ *RS*SSNNNN* 1:S C003 ( R 235 AD / R 234 / S 1339 / S 1339 / S 1339 / S 1339 / S 352 / N 234 ) 4:S C006 ( R 1361 / S 1361 / S 1361 / S 1361 / S 1361 ) 5=I,R 11:S C004 ( R 1328 / S 1328 / S 1328 / S 1328 )
2400 TOO S 32 @ RS* 1=JP 3:S C005 ( R 1369 B,D,F,I,L,M,O / S 1369 B,D,F,I,L,M,O / S 1369 B,D,F,I,L,M,O / S 1369 B,D,F,I,L,M,O / S 1369 B,D,F,I,L,M,O )
# TigerShark gives every 2400 DTP the qualifier 472; the X224A2 qualifiers of the prior
# placement, appliance placement, replacement, treatment start and completion dates are
# 441, 452, 446, 196 and 198.
2400 DTP S 1 @ RRR 1=472 2=D8,RD8
2400 DTP S 1 @ RRR 1=441 2=D8,RD8
2400 DTP S 1 @ RRR 1=452 2=D8,RD8
2400 DTP S 1 @ RRR 1=446 2=D8,RD8
2400 DTP S 1 @ RRR 1=196 2=D8,RD8
2400 DTP S 1 @ RRR 1=198 2=D8,RD8
2400 CN1 S 1 @ RSSSSS 1=02,03,04,05,06,09
2400 REF S 5 @ RRN* 1=G3 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
2400 REF S 5 @ RRN* 1=G1 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
2400 REF S 1 @ RRNN 1=6R
2400 REF S 1 @ RRNN 1=9B
2400 REF S 1 @ RRNN 1=9D
2400 REF S 5 @ RRN* 1=9F 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
2400 AMT S 1 @ RRN 1=GT
2400 K3 S 10 @ RNN
2400 HCP S 1 @ RRSSSSSSSSSSSSS 1=00,01,02,03,04,05,06,07,08,09,10,11,12,13,14 9=ER,HC,HP,IV,WK 11=DA,UN 13=T1,T2,T3,T4,T5,T6 14=1,2,3,4,5 15=1,2,3,4,5,6
# 2420A-D: TigerShark opens them with 72, ZZ, 82 and DN; loops.rs (and X224A2) use 82
# (rendering), DD (assistant surgeon), DQ (supervising) and 77 (service facility, which also
# carries N3/N4 as in 2310C). The rendering provider's PRV01 is PE as in 2310B.
loop 2400 2420A S 1 NM1
2420A NM1 S 1 @ RRRSSNSSSNNN 1=82 2=1,2 8=XX
2420A PRV S 1 @ RRRNNN 1=PE 2=PXC
2420A REF S 20 @ RRN* 1=0B,1G,G2,LU 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
loop 2400 2420B S 1 NM1
2420B NM1 S 1 @ RRRSSNSSSNNN 1=DD 2=1 8=XX
2420B PRV S 1 @ RRRNNN 1=AS,RF 2=PXC
2420B REF S 20 @ RRN* 1=0B,1G,G2,LU 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
loop 2400 2420C S 1 NM1
2420C NM1 S 1 @ RRRSSNSSSNNN 1=DQ 2=1 8=XX
2420C REF S 20 @ RRN* 1=0B,1G,G2,LU 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
loop 2400 2420D S 1 NM1
2420D NM1 S 1 @ RRRSSNSSSNNN 1=77 2=2 8=XX
2420D N3 R 1 @ RS
2420D N4 R 1 @ RSSSNNS
2420D REF S 20 @ RRN* 1=0B,1G,G2 4:S C040 ( R 128 2U / R 127 / N 128 / N 127 / N 128 / N 127 )
loop 2400 2430 S 15 SVD
# SVD03-01: TigerShark lists the professional qualifiers; a dental line is adjudicated on AD.
2430 SVD S 1 @ RR*RRS 3:S C003 ( R 235 AD,ER,HC,HP,IV,WK / R 234 / S 1339 / S 1339 / S 1339 / S 1339 / S 352 / N 234 )
2430 CAS S 5 @ RRRSSSSSSSSSSSSSSSS 1=CO,CR,OA,PI,PR
2430 DTP R 1 @ RRR 1=573 2=D8
2430 AMT S 1 @ RRN 1=EAF
"""


def parse_positional(sid, body):
    """One `@` line body: usage string, `k=codes` code lists and `k:` composites."""
    import re
    body = body.strip()
    usages, _, rest = body.partition(" ")
    des = SEG_DE[sid].split()
    if len(usages) != len(des):
        sys.exit(f"{sid}: {len(usages)} usages for {len(des)} elements")
    comps = {}
    for m in re.finditer(r"(\d+):(\S+ C\d+ \(.*?\))", rest):
        comps[int(m.group(1))] = parse_hand_el(m.group(2))
    rest = re.sub(r"(\d+):(\S+ C\d+ \(.*?\))", "", rest)
    codes = {}
    for tok in rest.split():
        k, _, v = tok.partition("=")
        codes[int(k)] = tuple(v.split(","))
    els = []
    for i, (u, de) in enumerate(zip(usages, des), start=1):
        if u == "*":
            els.append(comps[i])
        elif de.startswith("C"):
            els.append(El(u, de, "Comp", 0, 0, COMPOSITE_REPEAT.get((sid, de), 1), (), "", []))
        else:
            els.append(simple(u, de, 1, codes.get(i, ())))
    return els


# 997 (X230): no loop guide in this crate; its segments are checked by identifier alone.
GENERIC_997 = """
generic AK1 | R 479 ; R 28 ; S 480
generic AK2 | R 143 ; R 329 ; S 1705
generic AK3 | R 721 ; R 719 ; S 447 ; S 720 1,2,3,4,5,6,7,8
generic AK4 | R C030 ( R 722 / S 1528 / S 1686 ) ; S 725 ; R 723 1,2,3,4,5,6,7,8,9,10,12,13 ; S 724
generic AK5 | R 717 A,E,M,R,W,X ; S 718 ; S 718 ; S 718 ; S 718 ; S 718
generic AK9 | R 715 A,E,M,P,R,W,X ; R 97 ; R 123 ; R 2 ; S 716 ; S 716 ; S 716 ; S 716 ; S 716
"""

# GS01 functional identifier codes (element 479) this crate knows.
FUNCTIONAL_IDS = "BE,FA,HB,HC,HI,HN,HP,HR,HS,RA"


def parse_hand_el(tok):
    tok = tok.strip()
    if "(" in tok:
        head, body = tok.split("(", 1)
        parts = head.split()
        usage, de = parts[0], parts[1]
        rep = int(parts[2][1:]) if len(parts) > 2 else 1
        comps = [parse_hand_el(c) for c in body.rstrip(") ").split("/")]
        return El(usage, de, "Comp", 0, 0, rep, (), "", comps)
    parts = tok.split()
    usage, de = parts[0], parts[1]
    rep, codes = 1, ()
    for p in parts[2:]:
        if p.startswith("x") and p[1:].isdigit():
            rep = int(p[1:])
        else:
            codes = tuple(p.split(","))
    if de == "479":
        codes = tuple(FUNCTIONAL_IDS.split(","))
    # The 997's AK402 stays numeric (X230 predates the 999's composite references).
    return simple(usage, de, rep, codes, overrides=False)


def split_els(body):
    out, depth, cur = [], 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == ";" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return [parse_hand_el(t) for t in out if t.strip()]


def load_hand(src):
    segs, loops = [], []
    for line in src.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            continue
        if line.startswith("loop "):
            _, parent, lid, usage, rep, trig = line.split()
            loops.append((parent, lid, usage, int(rep), trig))
            continue
        head, _, body = line.partition("|")
        if "@" in head:
            head, _, body = line.partition("@")
            lid, sid, usage, max_use = head.split()
            els = parse_positional(sid, body)
        else:
            lid, sid, usage, max_use = head.split()
            els = split_els(body) if body.strip() else None
        segs.append(Seg(lid, sid, usage, int(max_use), (), els or []))
        if els is None:
            segs[-1].unchecked = True
    return segs, loops


def load_generic(src):
    out = []
    for line in src.strip().splitlines():
        head, _, body = line.partition("|")
        _, sid = head.split()
        out.append(Seg("", sid, "S", 0, (), split_els(body)))
    return out


# ---------------------------------------------------------------------------------------
# Emission
# ---------------------------------------------------------------------------------------

code_lists = {}
el_lists = {}
lines = []


def code_ref(codes):
    if not codes:
        return "&[]"
    if codes not in code_lists:
        name = f"C{len(code_lists)}"
        code_lists[codes] = name
        body = ", ".join(f'"{c}"' for c in codes)
        lines.append(f"static {name}: &[&str] = &[{body}];")
    return code_lists[codes]


def el_expr(e):
    if e.ty == "Comp":
        return f'cm(b\'{e.usage}\', "{e.de}", {e.rep}, {els_ref(e.comps)})'
    return (f'el(b\'{e.usage}\', "{e.de}", {e.ty}, {e.mn}, {e.mx}, {e.rep}, '
            f'{code_ref(e.codes)}, "{e.ext}")')


def els_ref(els):
    key = tuple(e.key() for e in els)
    if not els:
        return "&[]"
    if key not in el_lists:
        exprs = [el_expr(e) for e in els]
        name = f"E{len(el_lists)}"
        el_lists[key] = name
        lines.append(f"static {name}: &[El] = &[{', '.join(exprs)}];")
    return el_lists[key]


def emit_table(name, segs, loops):
    # Sorted by (loop, segment) for binary search; original order kept within a key.
    order = sorted(range(len(segs)), key=lambda i: (segs[i].loop, segs[i].sid, i))
    entries = []
    for i in order:
        s = segs[i]
        syn = ", ".join(f'"{x}"' for x in s.syntax)
        checked = "false" if getattr(s, "unchecked", False) else "true"
        entries.append(
            f'    Seg {{ lp: "{s.loop}", id: "{s.sid}", u: b\'{s.usage}\', max: {s.max_use}, '
            f'checked: {checked}, syn: &[{syn}], els: {els_ref(s.els)} }},')
    lrules = []
    for parent, lid, usage, rep, trig in sorted(loops, key=lambda l: (l[0], l[1])):
        lrules.append(
            f'    LoopRule {{ parent: "{parent}", id: "{lid}", u: b\'{usage}\', max: {rep}, '
            f'trigger: "{trig}" }},')
    lines.append(f"pub(crate) static {name}: Table = Table {{\n  segs: &[\n" + "\n".join(entries)
                 + "\n  ],\n  loops: &[\n" + "\n".join(lrules) + "\n  ],\n};")


def generic_union(all_segs):
    """One definition per segment id: element numbers, types and lengths from any map, every
    element situational, no code lists (checks syntax only)."""
    by_id = {}
    for s in all_segs:
        cur = by_id.setdefault(s.sid, [])
        for k, e in enumerate(s.els):
            if e.de == "0":
                continue
            if k >= len(cur):
                cur.extend([None] * (k + 1 - len(cur)))
            if cur[k] is None:
                cur[k] = e
            elif cur[k].ty == "Comp" and e.ty == "Comp" and len(e.comps) > len(cur[k].comps):
                cur[k] = e
            elif cur[k].rep < e.rep:
                cur[k] = El(cur[k].usage, cur[k].de, cur[k].ty, cur[k].mn, cur[k].mx, e.rep,
                            cur[k].codes, cur[k].ext, cur[k].comps)

    def loosen(e):
        if e is None:
            return simple("S", "0")
        if e.ty == "Comp":
            return El("S", e.de, "Comp", 0, 0, e.rep, (), "", [loosen(c) for c in e.comps])
        return El("S", e.de, e.ty, e.mn, e.mx, e.rep, (), "", ())

    return [Seg("", sid, "S", 0, (), [loosen(e) for e in els]) for sid, els in sorted(by_id.items())]


def main():
    print("// Generated by x12/tools/gen_validate_tables.py from the pyx12 maps (837P X222A1,")
    print("// 837I X223A1, 835 X221A1, 999 X231A1) and the hand tables in that script (270/271")
    print("// X279A1, 997 X230, and 837D X224A2 written from TigerShark's M837_5010_X224_A2,")
    print("// zentist/TigerShark commits b958b3b2/e2bb9435, BSD). Do not edit by hand.")
    print("#![allow(clippy::all)]")
    print("use super::spec::{cm, el, El, LoopRule, Seg, Table, Ty::*};")
    print()
    all_segs = []
    for name, fname in MAPS:
        segs, loops = load_map(fname)
        all_segs.extend(segs)
        emit_table(name, segs, loops)
    for name, src in (("Q270", Q270), ("S271", S271), ("D837", D837)):
        segs, loops = load_hand(src)
        all_segs.extend(s for s in segs if s.els)
        emit_table(name, segs, loops)
    generic = {s.sid: s for s in generic_union(all_segs)}
    for s in load_generic(GENERIC_997):
        generic[s.sid] = s
    emit_table("GENERIC", [generic[k] for k in sorted(generic)], [])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
