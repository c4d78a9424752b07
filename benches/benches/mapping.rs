//! Mapping benchmarks: carewire-mapping HL7 v2 -> FHIR R4 Bundle JSON. Groups
//! `mapping/v2_to_fhir/adt_a01` (a realistic ADT^A01: PID with two identifiers and names,
//! NK1, PV1, AL1, DG1) and `mapping/v2_to_fhir/oru_r01_20obx` (ORU^R01, one OBR, 20 OBX),
//! with `Throughput::Elements(1)` (one message -> one Bundle). There is no peer crate for
//! v2 -> FHIR mapping in Rust, so there is no side-by-side row.
//!
//! Every iteration asserts the exact output length, the report length and the Bundle entry
//! count (computed once in setup, the count cross-checked with serde_json) so a broken
//! mapper cannot look fast.
mod common;
use common::run;

use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::v2::to_fhir;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const A01: &str = "MSH|^~\\&|ADT|HOSP^1.2.840.1^ISO|EHR|HOSP|20240315083000+0100||ADT^A01^ADT_A01|MSG0001|P|2.5.1\rEVN|A01|20240315082900+0100||ADM^Admission^HL70062|1234^Clerk^Carl^^^^^^HOSP\rPID|1||123456^^^HOSP&1.2.3&ISO^MR~987-65-4320^^^SSA^SS||Doe^Jane^Q^Jr^Dr^^L~Roe^Janie^^^^^M||19800704|F|||1 Main St^Apt 2^Springfield^IL^62701^USA^H||^PRN^PH^^1^217^5551234~^NET^Internet^jane@example.org|^WPN^PH^^^217^5559999^12||M^Married^HL70002||||||||||||||N\rNK1|1|Doe^John|SPO^Spouse^HL70063|1 Main St^^Springfield^IL^62701|^PRN^PH^^^217^5551234\rPV1|1|I|ICU^101^A^HOSP||||9999^Attending^Alice^^^Dr^^^HOSP|8888^Referrer^Rob^^^^^^HOSP||MED||||7|||9999^Attending^Alice^^^Dr^^^HOSP||V100^^^HOSP&1.2.4&ISO^VN|||||||||||||||||||||||||20240315080000+0100\rAL1|1|DA|PCN^Penicillin^HL70000|SV|Hives~Rash|20100101\rDG1|1||I21.9^Acute MI^I10||20240315\r";

fn oru() -> String {
    let mut s = String::from("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01^ORU_R01|LAB0001|P|2.5.1\rPID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\rPV1|1|O|||||||||||||||||V200^^^HOSP^VN\rORC|RE|PL1^EHR|FL1^LAB|||||||||5555^Orderer^Olga^^^^^^HOSP\rOBR|1|PL1^EHR|FL1^LAB|24331-1^Lipid panel^LN|||20240315070000+0100|||||||||5555^Orderer^Olga^^^^^^HOSP||||||20240315081500+0100|||F\r");
    for i in 1..=20 {
        s.push_str(&format!("OBX|{i}|NM|2093-{i}^Analyte {i}^LN||{}.5|mg/dL^mg/dL^UCUM|10-200|H|||F|||20240315073000+0100\r", 100 + i));
    }
    s
}

/// Bundle entries: every entry starts with `{"fullUrl":` (one linear SIMD scan).
fn entries(json: &str) -> usize {
    memchr::memmem::find_iter(json.as_bytes(), b"{\"fullUrl\":").count()
}

fn bench_one(c: &mut Criterion, name: &str, input: &[u8]) {
    let config = MapConfig::with_tz(TzPolicy::Error);
    let first = match to_fhir(input, &config) {
        Ok(conv) => conv,
        Err(e) => panic!("{name}: conversion failed: {e:?}"),
    };
    let len = first.json.len();
    let report = first.report.len();
    let value: serde_json::Value = match serde_json::from_str(&first.json) {
        Ok(v) => v,
        Err(e) => panic!("{name}: output is not JSON: {e}"),
    };
    let n = value["entry"].as_array().map_or(0, Vec::len);
    assert!(n >= 4, "{name}: only {n} entries");
    assert_eq!(
        entries(&first.json),
        n,
        "{name}: entry scan disagrees with serde_json"
    );
    println!("{name}: {len} B JSON, {n} entries, {report} report items");

    let mut g = c.benchmark_group(format!("mapping/v2_to_fhir/{name}"));
    g.throughput(Throughput::Elements(1));
    g.bench_function("carewire", |b| {
        run(b, || {
            let conv = match to_fhir(black_box(input), &config) {
                Ok(conv) => conv,
                Err(e) => panic!("conversion failed: {e:?}"),
            };
            assert_eq!(conv.json.len(), len);
            assert_eq!(conv.report.len(), report);
            assert_eq!(entries(&conv.json), n);
            conv
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_one(c, "adt_a01", A01.as_bytes());
    let oru = oru();
    bench_one(c, "oru_r01_20obx", oru.as_bytes());
}

criterion_group!(mapping, benches);
criterion_main!(mapping);
