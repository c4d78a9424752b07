//! Streaming units over `BufRead`: the same claims, payments and members as the
//! slice models, with their context, in bounded memory.

#![allow(clippy::unwrap_used)]

use std::io::BufReader;
use std::path::{Path, PathBuf};

use carewire_x12::{
    gen, Decimal, Document, Eligibility, HealthCareClaim, ParseConfig, Remittance, UnitKind,
    UnitReader,
};

fn units(input: &[u8], capacity: usize) -> Vec<carewire_x12::Unit> {
    UnitReader::new(BufReader::with_capacity(capacity, input))
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn each_837_claim_is_one_unit_equal_to_the_slice_model() {
    let input = gen::mixed(400_000, 700, 5);
    let doc = Document::parse(&input).unwrap();
    // Declared before the slice models, which are compared with (and so borrow as
    // long as) the unit models.
    let all = units(&input, 4096);
    let mut slice_claims = Vec::new();
    let mut slice_payments = Vec::new();
    for set in doc
        .interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
    {
        if let Some(m) = HealthCareClaim::from_set(&set) {
            slice_claims.extend(m.claims().cloned());
        }
        if let Some(r) = Remittance::from_set(&set) {
            slice_payments.extend(r.claims);
        }
    }
    let claims: Vec<_> = all.iter().filter(|u| u.kind() == UnitKind::Claim).collect();
    let payments: Vec<_> = all
        .iter()
        .filter(|u| u.kind() == UnitKind::ClaimPayment)
        .collect();
    assert_eq!(claims.len(), slice_claims.len());
    assert_eq!(payments.len(), slice_payments.len());
    assert_eq!(claims.len() + payments.len(), all.len());
    for (unit, want) in claims.iter().zip(&slice_claims) {
        assert_eq!(unit.body()[0].id(), b"CLM");
        let model = unit.claim().unwrap();
        // Exactly one path down to the claim, with its context filled in.
        assert_eq!(model.billing_providers.len(), 1);
        let bp = &model.billing_providers[0];
        assert_eq!(bp.provider.as_ref().unwrap().loop_id, "2010AA");
        assert_eq!(bp.subscribers.len(), 1);
        assert!(bp.subscribers[0].subscriber.is_some());
        assert_eq!(model.submitter.as_ref().unwrap().loop_id, "1000A");
        let got: Vec<_> = model.claims().collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0], want);
        assert_eq!(unit.interchange_control_number(), b"000000001");
        assert_eq!(unit.group_control_number(), b"1");
        assert!(!unit.set_control_number().is_empty());
    }
    for (unit, want) in payments.iter().zip(&slice_payments) {
        let r = unit.remittance().unwrap();
        assert!(r.payment.is_some() && r.payer.is_some() && r.payee.is_some());
        assert_eq!(r.claims.len(), 1);
        assert_eq!(&r.claims[0], want);
        assert!(unit.claim().is_none());
    }
    // Units from later interchanges know their position.
    assert!(all.last().unwrap().interchange_position() > 0);
}

#[test]
fn claims_under_a_patient_carry_the_patient_level() {
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~\
ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~HL*1**20*1~NM1*85*2*B*****XX*1~\
HL*2*1*22*1~SBR*P~NM1*IL*1*SUB~CLM*S1*10~LX*1~SV1*HC:1*10~HL*3*2*23*0~PAT*19~\
NM1*QC*1*PAT~CLM*P1*20~LX*1~SV1*HC:1*20~CLM*P2*30~LX*1~SV1*HC:1*30~SE*20*0001~\
GE*1*1~IEA*1*000000001~";
    let all = units(input, 16);
    let ids: Vec<String> = all
        .iter()
        .map(|u| String::from_utf8_lossy(u.body()[0].raw_element(1)).into_owned())
        .collect();
    assert_eq!(ids, ["S1", "P1", "P2"]);
    let first = all[0].claim().unwrap();
    assert_eq!(first.billing_providers[0].subscribers[0].claims.len(), 1);
    assert!(first.billing_providers[0].subscribers[0]
        .patients
        .is_empty());
    let p2 = all[2].claim().unwrap();
    let sub = &p2.billing_providers[0].subscribers[0];
    // The subscriber's own claim is not in the patient claim's context.
    assert!(sub.claims.is_empty());
    assert_eq!(sub.patients[0].claims[0].id, "P2");
    assert_eq!(sub.patients[0].relationship.unwrap(), "19");
    assert_eq!(all[2].body().len(), 3);
}

#[test]
fn remittance_plb_closes_the_set_as_its_own_unit() {
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~GS*HP*S*R*20240101*1200*1*X*005010X221A1~\
ST*835*0001*005010X221A1~BPR*I*90*C*CHK~TRN*1*1*1~N1*PR*PAYER~N1*PE*PROV*XX*1~LX*1~\
CLP*A*1*100*80~CAS*CO*45*20~LX*2~CLP*B*1*50*50~PLB*1*20241231*WO:X*10~PLB*1*20241231*L6*-20~\
SE*14*0001~GE*1*1~IEA*1*000000001~";
    let all = units(input, 32);
    let kinds: Vec<UnitKind> = all.iter().map(|u| u.kind()).collect();
    assert_eq!(
        kinds,
        [
            UnitKind::ClaimPayment,
            UnitKind::ClaimPayment,
            UnitKind::ProviderAdjustments
        ]
    );
    let b = all[1].remittance().unwrap();
    assert_eq!(b.claims[0].header_number.unwrap(), "2");
    let plb = all[2].remittance().unwrap();
    assert!(plb.claims.is_empty());
    assert_eq!(plb.provider_adjustments.len(), 2);
    let total: Result<Decimal, _> = plb
        .provider_adjustments
        .iter()
        .flat_map(|p| &p.adjustments)
        .filter_map(|a| a.amount)
        .sum();
    assert_eq!(total.unwrap(), "-10".parse().unwrap());
}

#[test]
fn eligibility_dependents_have_their_subscriber_as_context() {
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~GS*HB*S*R*20240101*1200*1*X*005010X279A1~\
ST*271*0001*005010X279A1~BHT*0022*11*1*20240101~HL*1**20*1~NM1*PR*2*PAYER~HL*2*1*21*1~\
NM1*1P*2*CLINIC~HL*3*2*22*1~NM1*IL*1*SUB~EB*1**30^35~HL*4*3*23*0~NM1*03*1*DEP~EB*6~\
HL*5*2*22*0~NM1*IL*1*OTHER~EB*1~SE*17*0001~GE*1*1~IEA*1*000000001~";
    let all = units(input, 8);
    let kinds: Vec<UnitKind> = all.iter().map(|u| u.kind()).collect();
    assert_eq!(
        kinds,
        [
            UnitKind::Subscriber,
            UnitKind::Dependent,
            UnitKind::Subscriber
        ]
    );
    let sub = all[0].eligibility().unwrap();
    let m = sub.members().next().unwrap();
    assert_eq!(m.benefits[0].service_types, ["30", "35"]);
    assert!(m.dependents.is_empty());
    let dep: Eligibility<'_> = all[1].eligibility().unwrap();
    let subscriber = &dep.sources[0].receivers[0].subscribers[0];
    assert_eq!(subscriber.party.as_ref().unwrap().name.unwrap(), "SUB");
    assert_eq!(
        subscriber.dependents[0]
            .party
            .as_ref()
            .unwrap()
            .name
            .unwrap(),
        "DEP"
    );
    assert_eq!(subscriber.dependents[0].benefits[0].info, "6");
    let other = all[2].eligibility().unwrap();
    assert_eq!(other.members().count(), 1);
    assert_eq!(
        other.sources[0].party.as_ref().unwrap().name.unwrap(),
        "PAYER"
    );
}

#[test]
fn memory_stays_bounded_over_a_large_stream() {
    let input = gen::professional_837(20_000, 11);
    assert!(input.len() > 8_000_000);
    let mut reader = UnitReader::new(BufReader::with_capacity(8192, &input[..]));
    let mut n = 0;
    let mut max_body = 0;
    for unit in &mut reader {
        let unit = unit.unwrap();
        max_body = max_body.max(unit.body().len());
        assert!(unit.context().count() < 30);
        n += 1;
    }
    assert_eq!(n, 20_000);
    assert!(max_body <= 1 + 4 * 3 + 4, "{max_body}");
    assert!(reader.segment_reader().buffer_capacity() <= 64 << 10);
}

#[test]
fn a_unit_over_the_segment_limit_is_an_error_not_a_growing_buffer() {
    let input = gen::professional_837(3, 2);
    let config = ParseConfig::new().max_segments(5);
    let results: Vec<_> = UnitReader::with_config(&input[..], config).collect();
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(
        err.kind(),
        carewire_x12::ErrorKind::TooManySegments { max: 5 }
    ));
    // Garbage never panics: it is an error or no unit.
    for bad in [&b""[..], b"ISA", b"NOT X12 AT ALL", b"ISA*00*"] {
        let _ = UnitReader::new(bad).count();
    }
}

#[test]
fn corpus_files_stream_the_same_claims_as_the_slice_models() {
    let dir = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"))
        .join("x12");
    if !dir.is_dir() {
        eprintln!("corpus not found; skipping");
        return;
    }
    let mut files = 0;
    for folder in ["837P", "837I", "837D", "835", "270", "271"] {
        let Ok(rd) = std::fs::read_dir(dir.join(folder).join("pass")) else {
            continue;
        };
        for path in rd.filter_map(|e| e.ok()).map(|e| e.path()) {
            if path.extension().and_then(|e| e.to_str()) != Some("x12") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(doc) = Document::parse(&bytes) else {
                continue;
            };
            let count = |id: &[u8]| doc.segments().filter(|s| s.id() == id).count();
            let all = units(&bytes, 64);
            let n = |k: UnitKind| all.iter().filter(|u| u.kind() == k).count();
            assert_eq!(n(UnitKind::Claim), count(b"CLM"), "{path:?}");
            assert_eq!(n(UnitKind::ClaimPayment), count(b"CLP"), "{path:?}");
            let members = n(UnitKind::Subscriber) + n(UnitKind::Dependent);
            let hl_members = if folder.starts_with("27") {
                doc.segments()
                    .filter(|s| s.id() == b"HL" && matches!(s.raw_element(3), b"22" | b"23"))
                    .count()
            } else {
                0
            };
            assert_eq!(members, hl_members, "{path:?}");
            for u in &all {
                let lines: usize = match u.kind() {
                    UnitKind::Claim => u.claim().unwrap().claims().map(|c| c.lines.len()).sum(),
                    _ => 0,
                };
                let lx = u.body().iter().filter(|s| s.id() == b"LX").count();
                assert_eq!(lines, lx, "{path:?}");
            }
            files += 1;
        }
    }
    assert!(files >= 40, "{files}");
}
