//! `carewire x12 inspect` and `carewire x12 json` on synthetic input and on the shared
//! corpus (skipped when absent).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_carewire");

const P837: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\n\
ST*837*0001*005010X222A1~\nBHT*0019*00*1*20240101*1200*CH~\nNM1*41*2*SUB*****46*1~\n\
NM1*40*2*RCV*****46*2~\nHL*1**20*1~\nNM1*85*2*BILLING*****XX*1~\nN3*1 MAIN ST~\n\
HL*2*1*22*0~\nSBR*P*18~\nNM1*IL*1*DOE*JANE****MI*1~\nNM1*PR*2*PAYER*****PI*1~\n\
CLM*A1*100***11:B:1*Y*A*Y*Y~\nHI*ABK:J209^ABF:R05~\nNM1*82*1*DOC*A****XX*3~\nLX*1~\n\
SV1*HC:99213:25*100*UN*1***1~\nDTP*472*D8*20240101~\nSE*18*0001~\nGE*1*1~\n\
IEA*1*000000001~\n";

const R835: &str = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       \
*240101*1200*^*00501*000000002*0*T*:~GS*HP*P*R*20240101*1200*2*X*005010X221A1~\
ST*835*0001*005010X221A1~BPR*I*90*C*CHK~TRN*1*1*1~N1*PR*PAYER~N3*1 WAY~N1*PE*PROV*XX*1~\
LX*1~CLP*A1*1*100*90**MC*1~CAS*CO*45*5~NM1*QC*1*DOE*JANE~SVC*HC:99213*100*90~\
DTM*472*20240101~CAS*CO*45*5~PLB*1*20241231*WO*0~SE*16*0001~GE*1*2~IEA*1*000000002~";

struct Temp(PathBuf);

impl Temp {
    fn new(name: &str, content: &[u8]) -> Temp {
        let dir = std::env::temp_dir().join(format!("carewire-x12-view-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        Temp(path)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(args: &[&str], file: &Path) -> std::process::Output {
    Command::new(BIN).args(args).arg(file).output().unwrap()
}

fn json_of(file: &Path) -> Value {
    let out = run(&["x12", "json"], file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every segment object in document order: envelope and set segments.
fn segments(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for ich in v["interchanges"].as_array().unwrap() {
        out.push(ich["isa"].clone());
        out.extend(ich["segments"].as_array().unwrap().iter().cloned());
        for g in ich["groups"].as_array().unwrap() {
            out.push(g["gs"].clone());
            for set in g["transaction_sets"].as_array().unwrap() {
                for lp in set["loops"].as_array().unwrap() {
                    for seg in lp["segments"].as_array().unwrap() {
                        assert_eq!(seg["loop"], lp["id"]);
                        out.push(seg.clone());
                    }
                }
            }
            out.extend(g["segments"].as_array().unwrap().iter().cloned());
            out.push(g["ge"].clone());
        }
        out.push(ich["iea"].clone());
    }
    out
}

fn find<'v>(segs: &'v [Value], id: &str, e1: &str) -> &'v Value {
    segs.iter()
        .find(|s| s["id"] == id && s["elements"][0] == e1)
        .unwrap_or_else(|| panic!("no {id}*{e1}"))
}

#[test]
fn json_837p_has_loop_ids_and_element_shapes() {
    let f = Temp::new("p.x12", P837.as_bytes());
    let v = json_of(&f.0);
    let segs = segments(&v);
    let ids: Vec<&str> = segs.iter().map(|s| s["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = P837
        .split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| &s[..s.find('*').unwrap()])
        .collect();
    assert_eq!(ids, want, "document order");
    assert_eq!(find(&segs, "NM1", "85")["loop"], "2010AA");
    assert_eq!(find(&segs, "NM1", "IL")["loop"], "2010BA");
    assert_eq!(find(&segs, "NM1", "82")["loop"], "2310B");
    assert_eq!(find(&segs, "CLM", "A1")["loop"], "2300");
    assert_eq!(find(&segs, "ST", "837")["loop"], "header");
    assert_eq!(find(&segs, "BHT", "0019")["loop"], "header");
    assert_eq!(find(&segs, "SE", "18")["loop"], "trailer");
    assert_eq!(find(&segs, "ISA", "00")["loop"], "header");
    assert_eq!(find(&segs, "IEA", "1")["loop"], "trailer");
    let sv1 = segs.iter().find(|s| s["id"] == "SV1").unwrap();
    assert_eq!(sv1["loop"], "2400");
    assert_eq!(sv1["elements"][0], serde_json::json!(["HC", "99213", "25"]));
    assert_eq!(sv1["elements"][1], "100");
    let clm = find(&segs, "CLM", "A1");
    assert_eq!(clm["elements"][4], serde_json::json!(["11", "B", "1"]));
    let hi = segs.iter().find(|s| s["id"] == "HI").unwrap();
    assert_eq!(
        hi["elements"][0],
        serde_json::json!({"repetitions": [["ABK", "J209"], ["ABF", "R05"]]})
    );
    // Trailing empty elements are kept; ISA elements are never split.
    let isa = &segs[0];
    assert_eq!(isa["elements"].as_array().unwrap().len(), 16);
    assert_eq!(isa["elements"][10], "^");
    assert_eq!(isa["elements"][15], ":");
    let set = &v["interchanges"][0]["groups"][0]["transaction_sets"][0];
    assert_eq!(set["guide"], "005010X222A1");
    assert_eq!(set["loop_findings"], serde_json::json!([]));
    let paths: Vec<String> = set["loops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    assert!(
        paths.contains(&"2000A/2000B/2300/2400".to_string()),
        "{paths:?}"
    );
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn json_835_places_claims_lines_and_plb() {
    let f = Temp::new("r.x12", R835.as_bytes());
    let segs = segments(&json_of(&f.0));
    assert_eq!(find(&segs, "N1", "PR")["loop"], "1000A");
    assert_eq!(find(&segs, "N3", "1 WAY")["loop"], "1000A");
    assert_eq!(find(&segs, "N1", "PE")["loop"], "1000B");
    assert_eq!(find(&segs, "LX", "1")["loop"], "2000");
    assert_eq!(find(&segs, "CLP", "A1")["loop"], "2100");
    assert_eq!(find(&segs, "NM1", "QC")["loop"], "2100");
    let svc = segs.iter().find(|s| s["id"] == "SVC").unwrap();
    assert_eq!(svc["loop"], "2110");
    let cas: Vec<&Value> = segs.iter().filter(|s| s["id"] == "CAS").collect();
    assert_eq!(cas[0]["loop"], "2100");
    assert_eq!(cas[1]["loop"], "2110");
    assert_eq!(find(&segs, "DTM", "472")["loop"], "2110");
    assert_eq!(find(&segs, "PLB", "1")["loop"], "trailer");
    assert_eq!(find(&segs, "BPR", "I")["loop"], "header");
}

#[test]
fn unknown_sets_are_header_and_trailer_and_findings_are_listed() {
    let input = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~TA1*000000009*240101*1200*A*000~\
GS*BE*S*R*20240101*1200*1*X*005010X220A1~ST*834*0001*005010X220A1~BGN*00*1*20240101~\
INS*Y*18~SE*3*0001~GE*1*1~IEA*2*000000001~";
    let f = Temp::new("u.x12", input.as_bytes());
    let v = json_of(&f.0);
    let segs = segments(&v);
    assert_eq!(segs[1]["id"], "TA1");
    assert_eq!(find(&segs, "INS", "Y")["loop"], "header");
    assert_eq!(find(&segs, "SE", "3")["loop"], "trailer");
    let set = &v["interchanges"][0]["groups"][0]["transaction_sets"][0];
    assert!(set["guide"].is_null());
    // IEA01 says 2 groups: an envelope finding with its TA1 code.
    let f0 = &v["findings"][0];
    assert_eq!(f0["kind"], "GroupCountMismatch");
    assert_eq!(f0["ack_segment"], "TA1");
}

#[test]
fn inspect_prints_the_loop_tree() {
    let f = Temp::new("i.x12", P837.as_bytes());
    let out = run(&["x12", "inspect"], &f.0);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "interchange 1 ISA13 000000001",
        "group 1 GS01 HC",
        "transaction set 837 ST02 0001",
        "[2010AA]",
        "[2300]",
        "[2400]",
        "CLM*A1*100***11:B:1*Y*A*Y*Y",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    // 2400 is nested deeper than 2300.
    let indent = |tag: &str| {
        let line = text.lines().find(|l| l.trim() == tag).unwrap();
        line.len() - line.trim_start().len()
    };
    assert!(indent("[2400]") > indent("[2300]"));
    assert!(indent("[2300]") > indent("[2000B]"));
}

#[test]
fn unreadable_and_non_x12_input_fail_with_exit_1() {
    let missing = Path::new("/nonexistent/carewire/file.x12");
    assert_eq!(run(&["x12", "json"], missing).status.code(), Some(1));
    let f = Temp::new("bad.x12", b"MSH|^~\\&|not x12");
    let out = run(&["x12", "inspect"], &f.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("carewire:"));
}

#[test]
fn corpus_files_convert_with_every_segment_in_order() {
    let dir = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"))
        .join("x12");
    if !dir.is_dir() {
        eprintln!("corpus not found; skipping");
        return;
    }
    let mut checked = 0;
    for folder in [
        "837P", "837I", "837D", "835", "270", "271", "999", "TA1", "834", "997",
    ] {
        let Ok(rd) = std::fs::read_dir(dir.join(folder).join("pass")) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().and_then(|e| e.to_str()) != Some("x12") {
                continue;
            }
            let out = run(&["x12", "json"], &path);
            if !out.status.success() {
                // Only the UTF-16 sample is rejected.
                assert!(path.to_string_lossy().contains("Unicode"), "{path:?}");
                continue;
            }
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let segs = segments(&v);
            let bytes = std::fs::read(&path).unwrap();
            let doc = carewire_x12::Document::parse(&bytes).unwrap();
            let want: Vec<String> = doc.segments().map(|s| s.id_str().to_string()).collect();
            let got: Vec<String> = segs
                .iter()
                .filter(|s| !s.is_null())
                .map(|s| s["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, want, "{path:?}");
            for s in &segs {
                if s.is_null() {
                    continue;
                }
                let (id, e1, lp) = (&s["id"], &s["elements"][0], &s["loop"]);
                // Other-payer copies of the billing provider and subscriber (2330x).
                let other_payer = lp.as_str().unwrap().starts_with("2330");
                let expect = match (id.as_str().unwrap(), e1.as_str().unwrap_or("")) {
                    ("NM1", "85") if folder.starts_with("837") && !other_payer => Some("2010AA"),
                    ("NM1", "87") if folder.starts_with("837") => Some("2010AB"),
                    ("NM1", "IL") if folder.starts_with("837") && !other_payer => Some("2010BA"),
                    ("CLM", _) => Some("2300"),
                    ("SV1", _) | ("SV2", _) | ("SV3", _) => Some("2400"),
                    ("SVC", _) if folder == "835" => Some("2110"),
                    ("CLP", _) if folder == "835" => Some("2100"),
                    ("EB", _) => None,
                    ("ST", _) => Some("header"),
                    ("SE", _) => Some("trailer"),
                    _ => None,
                };
                if let Some(expect) = expect {
                    assert_eq!(lp, expect, "{path:?}: {s}");
                }
                if id == "EB" {
                    let l = lp.as_str().unwrap();
                    assert!(l == "2110C" || l == "2110D", "{path:?}: {s}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked}");
}
