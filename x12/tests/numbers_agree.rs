//! The validator, the `Decimal` parser and the 835 model read X12 numbers alike: one
//! table (`tests/common/number_table.rs`), every row through all three.

#[path = "common/interchange.rs"]
mod interchange;

use carewire_x12::{validate, Decimal, Document, ElementError, IssueKind, Remittance};

include!("common/number_table.rs");

/// A valid 835 whose CLP05 (patient responsibility, `R` 1/18) is `clp05`.
fn r835(clp05: &str) -> Vec<u8> {
    let body = [
        "BPR*I*140*C*CHK************20240110".to_string(),
        "TRN*1*12345*1512345678".into(),
        "DTM*405*20240105".into(),
        "N1*PR*PAYER".into(),
        "N3*1 PAYER WAY".into(),
        "N4*TOWN*NY*10001".into(),
        "PER*BL*TECH*TE*5555551234".into(),
        "N1*PE*CLINIC*XX*1234567893".into(),
        "LX*1".into(),
        format!("CLP*C1*1*200*140*{clp05}*12*1234*11*1"),
        "CAS*PR*1*10".into(),
        "NM1*QC*1*DOE*JANE".into(),
        "SVC*HC:99213*120*85**1".into(),
        "CAS*CO*45*35".into(),
        "SVC*HC:36415*80*65**1".into(),
        "CAS*CO*45*5**2*10".into(),
    ];
    let body: Vec<&str> = body.iter().map(String::as_str).collect();
    interchange::set("HP", "835", "005010X221A1", &body)
}

#[test]
fn validator_parser_and_model_agree_on_every_row() {
    for &(text, value, verdict, _, _) in NUMBERS {
        // Parser, both entry points.
        let parsed = Decimal::parse(text.as_bytes()).ok();
        assert_eq!(
            parsed.map(|d| d.to_string()).as_deref(),
            value,
            "parse {text:?}"
        );
        let from_str = text.parse::<Decimal>().ok();
        assert_eq!(from_str, parsed, "from_str {text:?}");

        let input = r835(text);
        let doc = Document::parse(&input).expect("835 parses");

        // Validator: CLP05 is the only finding, if any.
        let report = validate(&doc);
        let got: Vec<IssueKind> = report.issues().iter().map(|i| i.kind).collect();
        let want: Vec<IssueKind> = match verdict {
            "ok" => vec![],
            "char" => vec![IssueKind::Element(ElementError::InvalidCharacter)],
            "long" => vec![IssueKind::Element(ElementError::TooLong)],
            other => panic!("bad verdict {other}"),
        };
        assert_eq!(got, want, "validator {text:?}");
        for i in report.issues() {
            assert_eq!(i.location.segment_id(), "CLP", "{text:?}");
            assert_eq!(i.location.element(), Some(5), "{text:?}");
        }

        // Model: the value read, or a problem at CLP05.
        let set = doc
            .interchanges()
            .flat_map(|i| i.groups())
            .flat_map(|g| g.transaction_sets())
            .next()
            .expect("one set");
        let model = Remittance::from_set(&set).expect("835 model");
        let read = model.claims[0].patient_responsibility;
        assert_eq!(
            read.map(|d| d.to_string()).as_deref(),
            value,
            "model {text:?}"
        );
        assert_eq!(
            model.problems.is_empty(),
            value.is_some(),
            "model problems {text:?}"
        );

        // What the validator accepts, the model reads; what it rejects as a bad
        // character, the model cannot read.
        assert!(verdict != "ok" || read.is_some(), "{text:?}");
        assert!(verdict != "char" || read.is_none(), "{text:?}");
    }
}
