//! Typed borrowed models: 837 claims, 835 remittances, 270/271 eligibility, on
//! generated data, hand-written sets and the shared corpus (skipped when absent).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use carewire_x12::model::{ClaimKind, LineKind, MemberLevel};
use carewire_x12::{gen, Decimal, Document, Eligibility, HealthCareClaim, Remittance};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    let x12 = p.join("x12");
    if x12.is_dir() {
        Some(x12)
    } else {
        eprintln!("corpus not found; skipping");
        None
    }
}

fn wrap(st01: &str, reference: &str, body: &str) -> Vec<u8> {
    let n = body.matches('~').count() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
         *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*{reference}~\
         ST*{st01}*0001*{reference}~{body}SE*{n}*0001~GE*1*1~IEA*1*000000001~"
    )
    .into_bytes()
}

#[test]
fn generated_837p_claims_balance_and_borrow_from_the_input() {
    let input = gen::professional_837(2_500, 7);
    let doc = Document::parse(&input).unwrap();
    let mut claims = 0;
    let mut total = Decimal::ZERO;
    for set in doc
        .interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
    {
        let m = HealthCareClaim::from_set(&set).unwrap();
        assert_eq!(m.kind, ClaimKind::Professional);
        assert!(m.problems.is_empty());
        assert_eq!(m.submitter.as_ref().unwrap().loop_id, "1000A");
        let bp = &m.billing_providers[0];
        assert_eq!(bp.provider.as_ref().unwrap().loop_id, "2010AA");
        for c in m.claims() {
            claims += 1;
            let lines: Result<Decimal, _> = c.lines.iter().filter_map(|l| l.charge).sum();
            assert_eq!(c.charge, Some(lines.unwrap()));
            total = total.checked_add(c.charge.unwrap()).unwrap();
            assert_eq!(c.diagnoses.len(), 2);
            assert_eq!(c.diagnosis_codes().count(), 2);
            assert_eq!(c.providers[0].loop_id, "2310B");
            for l in &c.lines {
                assert_eq!(l.kind, LineKind::Professional);
                assert_eq!(l.procedure.as_ref().unwrap().modifiers[..], ["25"]);
                assert_eq!(l.dates[0].qualifier, "472");
            }
            // Zero-copy: the claim id points into the input.
            let id = c.id.raw();
            let start = id.as_ptr() as usize - input.as_ptr() as usize;
            assert!(start < input.len());
        }
    }
    assert_eq!(claims, 2_500);
    assert!(total > Decimal::ZERO);
}

#[test]
fn generated_835_claims_balance_at_claim_and_line_level() {
    let input = gen::remittance_835(600, 3);
    let doc = Document::parse(&input).unwrap();
    let mut n = 0;
    for set in doc
        .interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
    {
        let r = Remittance::from_set(&set).unwrap();
        assert_eq!(r.payer.as_ref().unwrap().loop_id, "1000A");
        assert_eq!(r.payee.as_ref().unwrap().id.unwrap(), "1234567893");
        assert_eq!(r.trace.unwrap().originator.unwrap(), "1512345678");
        for c in &r.claims {
            n += 1;
            let adj: Result<Decimal, _> = c.all_adjustments().filter_map(|a| a.amount).sum();
            assert_eq!((c.charge.unwrap() - c.paid.unwrap()).unwrap(), adj.unwrap());
            assert_eq!(c.party("QC").unwrap().loop_id, "2100");
            for l in &c.lines {
                let a: Result<Decimal, _> = l.adjustments.iter().filter_map(|a| a.amount).sum();
                assert_eq!((l.charge.unwrap() - l.paid.unwrap()).unwrap(), a.unwrap());
                assert_eq!(l.amounts[0].qualifier, "B6");
            }
        }
    }
    assert_eq!(n, 600);
}

#[test]
fn claim_hierarchy_patients_other_payers_drugs_and_line_providers() {
    let body = "BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*1~NM1*40*2*RCV*****46*2~\
        HL*1**20*1~PRV*BI*PXC*207Q00000X~NM1*85*2*CLINIC*****XX*1~N3*1 MAIN~N4*CITY*ST*12345~\
        NM1*87*2~N3*PO BOX 1~N4*CITY*ST*12345~\
        HL*2*1*22*1~SBR*P**GRP1******CI~NM1*IL*1*DOE*JOHN****MI*M1~NM1*PR*2*PAYER*****PI*P1~\
        HL*3*2*23*0~PAT*19~NM1*QC*1*DOE*JIM~DMG*D8*20100101*M~\
        CLM*C1*-12.50***11:B:7*Y*A*Y*Y*P*AA:::NY~DTP*431*D8*20240101~REF*D9*ABC~\
        HI*ABK:J209*ABF:R05^ABF:R51~NM1*DN*1*REFER*RON****XX*5~NM1*82*1*RENDER*RITA****XX*6~\
        PRV*PE*PXC*208D00000X~SBR*S*18*******MB~CAS*CO*45*10*1*97*2.5~AMT*D*7.5~\
        NM1*IL*1*DOE*JOHN****MI*M2~NM1*PR*2*OTHER*****PI*P2~DTP*573*D8*20240105~\
        LX*1~SV1*HC:J1234:JW*-12.50*UN*2***1:2~DTP*472*D8*20240101~\
        LIN**N4*01234567891~CTP****2*ML~REF*XZ*RX1~NM1*82*1*LINE*LARRY****XX*7~\
        SVD*P2*5*HC:J1234**1~CAS*PR*1*5~DTP*573*D8*20240106~";
    let input = wrap("837", "005010X222A1", body);
    let doc = Document::parse(&input).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    assert!(set.loops().unwrap().findings().is_empty());
    let m = HealthCareClaim::from_set(&set).unwrap();
    let bp = &m.billing_providers[0];
    assert_eq!(bp.specialty.unwrap(), "207Q00000X");
    assert_eq!(bp.pay_to.as_ref().unwrap().loop_id, "2010AB");
    assert_eq!(
        bp.pay_to.as_ref().unwrap().address.unwrap().line1.unwrap(),
        "PO BOX 1"
    );
    let sub = &bp.subscribers[0];
    assert_eq!(sub.group_number.unwrap(), "GRP1");
    assert!(sub.claims.is_empty());
    let pat = &sub.patients[0];
    assert_eq!(pat.relationship.unwrap(), "19");
    assert_eq!(
        pat.patient
            .as_ref()
            .unwrap()
            .demographics
            .unwrap()
            .gender
            .unwrap(),
        "M"
    );
    let c = &pat.claims[0];
    assert_eq!(c.charge, Some(d("-12.5")));
    assert_eq!(c.frequency.unwrap(), "7");
    assert_eq!(c.related_causes.len(), 2);
    assert_eq!(c.dates[0].qualifier, "431");
    assert_eq!(c.references[0].value, "ABC");
    let dx: Vec<String> = c
        .diagnoses
        .iter()
        .map(|h| h.code.as_str().into_owned())
        .collect();
    assert_eq!(dx, ["J209", "R05", "R51"]);
    let ids: Vec<&str> = c.providers.iter().map(|p| p.loop_id).collect();
    assert_eq!(ids, ["2310A", "2310B"]);
    assert_eq!(c.providers[1].taxonomy.unwrap(), "208D00000X");
    let other = &c.other_subscribers[0];
    assert_eq!(other.claim_filing.unwrap(), "MB");
    assert_eq!(other.adjustments.len(), 2);
    assert_eq!(other.adjustments[1].reason, "97");
    assert_eq!(other.adjustments[1].amount, Some(d("2.5")));
    assert_eq!(other.adjustments[0].quantity, Some(d("1")));
    assert_eq!(other.amounts[0].value, Some(d("7.50")));
    let ids: Vec<&str> = other.parties.iter().map(|p| p.loop_id).collect();
    assert_eq!(ids, ["2330A", "2330B"]);
    assert_eq!(other.dates[0].value, "20240105");
    let line = &c.lines[0];
    assert_eq!(line.quantity, Some(d("2")));
    assert_eq!(line.diagnosis_pointers.len(), 2);
    let drug = line.drug.unwrap();
    assert_eq!(drug.ndc, "01234567891");
    assert_eq!(drug.quantity, Some(d("2")));
    assert_eq!(drug.unit.unwrap(), "ML");
    assert_eq!(drug.prescription.unwrap(), "RX1");
    assert_eq!(line.providers[0].loop_id, "2420A");
    let svd = &line.adjudications[0];
    assert_eq!(svd.paid, Some(d("5")));
    assert_eq!(svd.adjustments[0].group, "PR");
    assert_eq!(svd.dates[0].value, "20240106");
}

#[test]
fn numbers_that_are_not_numbers_become_problems_not_panics() {
    let body = "BHT*0019*00*1*20240101*1200*CH~HL*1**20*1~HL*2*1*22*0~\
        CLM*C1*12,50***11:B:1~LX*1~SV1*HC:99213*99999999999999999999*UN*1~";
    let input = wrap("837", "005010X222A1", body);
    let doc = Document::parse(&input).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let m = HealthCareClaim::from_set(&set.transaction_sets().next().unwrap()).unwrap();
    let c = m.claims().next().unwrap();
    assert_eq!(c.charge, None);
    assert_eq!(c.lines[0].charge, None);
    let probs: Vec<(usize, usize)> = m.problems.iter().map(|p| (p.position, p.element)).collect();
    assert_eq!(probs, [(4, 2), (6, 2)]);
}

#[test]
fn debug_never_shows_values() {
    let input = gen::professional_837(2, 1);
    let doc = Document::parse(&input).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let m = HealthCareClaim::from_set(&set.transaction_sets().next().unwrap()).unwrap();
    let dbg = format!("{m:?}");
    for secret in ["KEY WEST", "SEAWAY", "KILDARE", "PAYER INC"] {
        assert!(!dbg.contains(secret), "{secret} leaked");
    }
}

#[test]
fn eligibility_271_benefits_split_service_types_and_keep_entities() {
    let body = "BHT*0022*11*1*20240101*1200~HL*1**20*1~NM1*PR*2*PAYER*****PI*1~AAA*Y**42*Y~\
        HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1~HL*3*2*22*1~TRN*2*T1*9999999999~\
        NM1*IL*1*DOE*JANE****MI*1~N3*1 MAIN~DMG*D8*19800101*F~DTP*291*D8*20240101~\
        EB*1*FAM*30^1^33**GOLD~REF*18*PLAN1~DTP*356*D8*20230101~\
        EB*C*IND*30***23*1500.00*****Y~MSG*DEDUCTIBLE APPLIES~\
        EB*A*IND*30*****.2~EB*F*IND*AL***29***VS*20~LS*2120~NM1*PR*2*PRIMARY*****PI*2~\
        N3*2 MAIN~LE*2120~HL*4*3*23*0~TRN*2*T2*9999999999~NM1*03*1*DOE*JIM~\
        AAA*N**72*C~INS*N*19~EB*6**30~";
    let input = wrap("271", "005010X279A1", body);
    let doc = Document::parse(&input).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let e = Eligibility::from_set(&set).unwrap();
    assert!(e.problems.is_empty());
    let src = &e.sources[0];
    assert_eq!(src.rejections[0].reason.unwrap(), "42");
    assert_eq!(src.party.as_ref().unwrap().loop_id, "2100A");
    let sub = &src.receivers[0].subscribers[0];
    assert_eq!(sub.level, MemberLevel::Subscriber);
    assert_eq!(sub.traces[0].reference, "T1");
    let name = sub.party.as_ref().unwrap();
    assert_eq!(name.loop_id, "2100C");
    assert_eq!(name.address.unwrap().line1.unwrap(), "1 MAIN");
    assert_eq!(sub.dates[0].qualifier, "291");
    let eb = &sub.benefits;
    assert_eq!(eb.len(), 4);
    assert_eq!(eb[0].service_types, ["30", "1", "33"]);
    assert_eq!(eb[0].references[0].value, "PLAN1");
    assert_eq!(eb[0].dates[0].qualifier, "356");
    assert_eq!(eb[1].amount, Some(d("1500")));
    assert_eq!(eb[1].in_plan_network.unwrap(), "Y");
    assert_eq!(eb[1].messages, ["DEDUCTIBLE APPLIES"]);
    assert_eq!(eb[2].percent, Some(d("0.2")));
    assert_eq!(eb[3].quantity, Some(d("20")));
    assert_eq!(eb[3].quantity_qualifier.unwrap(), "VS");
    let ent = &eb[3].entities[0];
    assert_eq!(ent.loop_id, "2120C");
    assert_eq!(ent.address.unwrap().line1.unwrap(), "2 MAIN");
    let dep = &sub.dependents[0];
    assert_eq!(dep.level, MemberLevel::Dependent);
    assert_eq!(dep.relationship.unwrap(), "19");
    assert_eq!(dep.rejections[0].follow_up.unwrap(), "C");
    assert_eq!(dep.benefits[0].info, "6");
    assert_eq!(e.members().count(), 2);
}

#[test]
fn eligibility_270_inquiries() {
    let body = "BHT*0022*13*1*20240101*1200~HL*1**20*1~NM1*PR*2*PAYER*****PI*1~\
        HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1~HL*3*2*22*0~TRN*1*T1*9999999999~\
        NM1*IL*1*DOE*JANE****MI*1~DMG*D8*19800101*F~DTP*291*D8*20240101~\
        EQ*30^35~EQ*98~EQ**HC:99213~";
    let input = wrap("270", "005010X279A1", body);
    let doc = Document::parse(&input).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let e = Eligibility::from_set(&set.transaction_sets().next().unwrap()).unwrap();
    let m = e.members().next().unwrap();
    assert_eq!(m.inquiries.len(), 3);
    assert_eq!(m.inquiries[0].service_types, ["30", "35"]);
    assert_eq!(m.inquiries[2].procedure.as_ref().unwrap().code, "99213");
    assert_eq!(
        m.party
            .as_ref()
            .unwrap()
            .demographics
            .unwrap()
            .birth_date
            .unwrap(),
        "19800101"
    );
}

#[test]
fn corpus_837d_dental_lines_and_loops() {
    let Some(x12) = corpus() else { return };
    let bytes = std::fs::read(x12.join("837D/pass/moov__example_5010_837d_sample.x12")).unwrap();
    let doc = Document::parse(&bytes).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let m = HealthCareClaim::from_set(&set).unwrap();
    assert_eq!(m.kind, ClaimKind::Dental);
    let c = m.claims().next().unwrap();
    assert_eq!(c.charge, Some(d("150")));
    assert_eq!(c.providers[0].loop_id, "2310B");
    assert_eq!(c.lines.len(), 2);
    assert_eq!(c.lines[0].kind, LineKind::Dental);
    assert_eq!(c.lines[0].procedure.as_ref().unwrap().code, "D2150");
    assert_eq!(c.lines[0].teeth[0].code, "12");
    assert_eq!(c.lines[0].teeth[0].surfaces, ["M", "O"]);
    let sum: Result<Decimal, _> = c.lines.iter().filter_map(|l| l.charge).sum();
    assert_eq!(c.charge, Some(sum.unwrap()));
}

#[test]
fn corpus_files_build_models_with_every_claim() {
    let Some(x12) = corpus() else { return };
    let mut counts = (0, 0, 0);
    for folder in ["837P", "837I", "837D", "835", "270", "271"] {
        let Ok(rd) = std::fs::read_dir(x12.join(folder).join("pass")) else {
            continue;
        };
        for entry in rd.filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("x12") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(doc) = Document::parse(&bytes) else {
                continue;
            };
            for set in doc
                .interchanges()
                .flat_map(|i| i.groups())
                .flat_map(|g| g.transaction_sets())
            {
                let segs: Vec<_> = set.segments().collect();
                let count = |id: &[u8]| segs.iter().filter(|s| s.id() == id).count();
                if let Some(m) = HealthCareClaim::from_set(&set) {
                    assert_eq!(m.claims().count(), count(b"CLM"), "{path:?}");
                    let lines: usize = m.claims().map(|c| c.lines.len()).sum();
                    assert_eq!(lines, count(b"LX"), "{path:?}");
                    counts.0 += 1;
                }
                if let Some(r) = Remittance::from_set(&set) {
                    assert_eq!(r.claims.len(), count(b"CLP"), "{path:?}");
                    let lines: usize = r.claims.iter().map(|c| c.lines.len()).sum();
                    assert_eq!(lines, count(b"SVC"), "{path:?}");
                    assert!(r.problems.is_empty(), "{path:?}: {:?}", r.problems);
                    counts.1 += 1;
                }
                if let Some(e) = Eligibility::from_set(&set) {
                    let eb: usize = e.members().map(|m| m.benefits.len()).sum();
                    let eq: usize = e.members().map(|m| m.inquiries.len()).sum();
                    assert_eq!(eb, count(b"EB"), "{path:?}");
                    assert_eq!(eq, count(b"EQ"), "{path:?}");
                    counts.2 += 1;
                }
            }
        }
    }
    assert!(
        counts.0 >= 30 && counts.1 >= 10 && counts.2 >= 5,
        "{counts:?}"
    );
}

#[cfg(feature = "serde")]
#[test]
fn models_serialize_with_exact_decimal_strings() {
    let body = "BHT*0019*00*1*20240101*1200*CH~HL*1**20*1~NM1*85*2*CLINIC*****XX*1~\
        HL*2*1*22*0~SBR*P*18~NM1*IL*1*DOE*JOHN****MI*M1~CLM*C1*100.10***11:B:1~\
        HI*ABK:J209~LX*1~SV1*HC:99213*100.10*UN*1~";
    let input = wrap("837", "005010X222A1", body);
    let doc = Document::parse(&input).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let m = HealthCareClaim::from_set(&set.transaction_sets().next().unwrap()).unwrap();
    let v: serde_json::Value = serde_json::to_value(&m).unwrap();
    let claim = &v["billing_providers"][0]["subscribers"][0]["claims"][0];
    assert_eq!(claim["charge"], "100.10");
    assert_eq!(claim["diagnoses"][0]["code"], "J209");
    assert_eq!(claim["lines"][0]["kind"], "professional");
    assert_eq!(v["kind"], "professional");
    assert!(v.get("problems").is_none());
}
