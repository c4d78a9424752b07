//! X12 → FHIR benchmarks: carewire-mapping 835 claim payment → ClaimResponse (plus its
//! PaymentReconciliation). Groups, `Throughput::Elements(claim payments)`:
//!
//! - `mapping/x12_to_fhir/claim_payment_6svc`: an 835 interchange with one CLP holding
//!   6 SVC lines, each with DTM, two CAS adjustments, AMT and LQ (`to_fhir`: parse and
//!   convert), and the same claim payment as a streaming unit read once by `UnitReader`
//!   (`convert_unit`, the per-claim path for big files);
//! - `mapping/x12_to_fhir/remittance_100clp`: `carewire_x12::gen::remittance_835(100, 7)`,
//!   one 835 transaction set of 100 claim payments with 1–3 SVC each (`to_fhir`).
//!
//! Every iteration asserts the exact output length, the report length and the number of
//! ClaimResponse entries (computed once in setup and cross-checked with serde_json), so a
//! broken mapper cannot look fast. There is no Rust crate that maps X12 to FHIR, so there
//! is no peer row.
mod common;
use common::run;

use carewire_mapping::fhir::{BundleType, Conversion, MapConfig, TzPolicy};
use carewire_mapping::x12::{convert_unit, to_fhir};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// One 835 claim payment with six service lines.
fn claim_payment() -> String {
    let mut body = vec![
        "BPR*I*640.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20240320"
            .to_string(),
        "TRN*1*EFT12345*1512345678".into(),
        "DTM*405*20240319".into(),
        "N1*PR*SYNTH HEALTH PLAN".into(),
        "N3*100 PAYER WAY".into(),
        "N4*CHICAGO*IL*60601".into(),
        "PER*CX*CLAIMS*TE*5555550199".into(),
        "N1*PE*SYNTH FAMILY CLINIC*XX*1234567893".into(),
        "REF*TJ*123456789".into(),
        "LX*1".into(),
        "CLP*PCN000123*1*900.00*640.00*60.00*12*PAYERCLM000123*11*1".into(),
        "NM1*QC*1*DOE*JANE****MI*MEM001".into(),
        "NM1*82*1*SMITH*ANNA****XX*1497758544".into(),
    ];
    for k in 0..6 {
        body.push(format!(
            "SVC*HC:9921{k}:25*150.00*{}**1",
            if k == 0 { "40.00" } else { "120.00" }
        ));
        body.push("DTM*472*20240310".into());
        body.push(format!(
            "CAS*CO*45*{}",
            if k == 0 { "50.00" } else { "20.00" }
        ));
        body.push("CAS*PR*2*10.00".into());
        body.push(format!(
            "AMT*B6*{}",
            if k == 0 { "100.00" } else { "130.00" }
        ));
        body.push("LQ*HE*N130".into());
    }
    let mut segs = vec![
        "ISA*00*          *00*          *ZZ*SYNTHSENDER    *ZZ*SYNTHRECEIVER  *240320*1200*^*00501*000000103*0*T*:".to_string(),
        "GS*HP*SYNTHSENDER*SYNTHRECEIVER*20240320*1200*103*X*005010X221A1".into(),
        "ST*835*1001".into(),
    ];
    let n = body.len() + 2;
    segs.extend(body);
    segs.push(format!("SE*{n}*1001"));
    segs.push("GE*1*103".into());
    segs.push("IEA*1*000000103".into());
    segs.join("~\n") + "~\n"
}

struct Expect {
    len: usize,
    report: usize,
    responses: usize,
}

fn expect(name: &str, conv: &Conversion) -> Expect {
    let value: serde_json::Value = match serde_json::from_str(&conv.json) {
        Ok(v) => v,
        Err(e) => panic!("{name}: output is not JSON: {e}"),
    };
    let responses = value["entry"].as_array().map_or(0, |e| {
        e.iter()
            .filter(|e| e["resource"]["resourceType"] == "ClaimResponse")
            .count()
    });
    assert_eq!(
        responses,
        count(&conv.json),
        "{name}: scan disagrees with serde_json"
    );
    println!(
        "{name}: {} B JSON, {responses} ClaimResponse, {} report items",
        conv.json.len(),
        conv.report.len()
    );
    Expect {
        len: conv.json.len(),
        report: conv.report.len(),
        responses,
    }
}

fn count(json: &str) -> usize {
    json.matches("\"resourceType\":\"ClaimResponse\"").count()
}

fn check(conv: &Conversion, e: &Expect) {
    assert_eq!(conv.json.len(), e.len);
    assert_eq!(conv.report.len(), e.report);
    assert_eq!(count(&conv.json), e.responses);
}

fn benches(c: &mut Criterion) {
    let config = MapConfig {
        tz: TzPolicy::AssumeOffset(-300),
        bundle_type: BundleType::Batch,
        strict: false,
    };
    let convert = |input: &[u8]| match to_fhir(input, &config) {
        Ok(conv) => conv,
        Err(e) => panic!("conversion failed: {e:?}"),
    };

    // One claim payment: the whole interchange, and the streaming unit.
    let one = claim_payment();
    println!("claim_payment_6svc: {} B of X12", one.len());
    let e_one = expect("claim_payment_6svc", &convert(one.as_bytes()));
    assert_eq!(e_one.responses, 1);
    let unit = match carewire_x12::UnitReader::new(one.as_bytes()).next() {
        Some(Ok(u)) => u,
        _ => panic!("no unit"),
    };
    let unit_conv = match convert_unit(&unit, &config) {
        Ok(c) => c,
        Err(e) => panic!("unit conversion failed: {e:?}"),
    };
    let e_unit = expect("claim_payment_6svc unit", &unit_conv);
    let mut g = c.benchmark_group("mapping/x12_to_fhir/claim_payment_6svc");
    g.throughput(Throughput::Elements(1));
    g.bench_function("to_fhir", |b| {
        run(b, || {
            let conv = convert(black_box(one.as_bytes()));
            check(&conv, &e_one);
            conv
        })
    });
    g.bench_function("convert_unit", |b| {
        run(b, || {
            let conv = match convert_unit(black_box(&unit), &config) {
                Ok(c) => c,
                Err(e) => panic!("unit conversion failed: {e:?}"),
            };
            check(&conv, &e_unit);
            conv
        })
    });
    g.finish();

    // A whole 835 transaction set of 100 claim payments.
    let many = carewire_x12::gen::remittance_835(100, 7);
    println!("remittance_100clp: {} B of X12", many.len());
    let e_many = expect("remittance_100clp", &convert(&many));
    assert_eq!(e_many.responses, 100);
    let mut g = c.benchmark_group("mapping/x12_to_fhir/remittance_100clp");
    g.throughput(Throughput::Elements(100));
    g.bench_function("to_fhir", |b| {
        run(b, || {
            let conv = convert(black_box(&many));
            check(&conv, &e_many);
            conv
        })
    });
    g.finish();
}

criterion_group!(mapping_x12, benches);
criterion_main!(mapping_x12);
