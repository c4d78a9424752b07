//! Property tests for HL7 v2 de-identification: arbitrary values in the identifying PID
//! fields never survive, date shifts stay consistent, and any parsable input is handled
//! without a panic.

use carewire_hl7::{escape, Delimiters, Message, MessageBuilder};
use carewire_mapping::deid::{DeidKey, Deidentifier, Policy};
use proptest::prelude::*;

const KEY: &[u8] = b"proptest key, 32 bytes long......";

/// PID paths the Safe Harbor policy must clear (removed, hashed or date-shifted).
const PID_PATHS: &[&str] = &[
    "PID-2.1", "PID-3.1", "PID-4.1", "PID-5.1", "PID-5.2", "PID-5.3", "PID-6.1", "PID-7",
    "PID-9.1", "PID-11.1", "PID-11.2", "PID-11.3", "PID-12", "PID-13.1", "PID-14.1", "PID-18.1",
    "PID-19", "PID-20.1", "PID-21.1", "PID-23", "PID-29",
];

const SKELETON: &[(&str, &str)] = &[
    ("MSH-3", "EMR"),
    ("MSH-4", "HOSP"),
    ("MSH-7", "20240105083000"),
    ("MSH-9.1", "ADT"),
    ("MSH-9.2", "A08"),
    ("MSH-10", "1"),
    ("MSH-11", "P"),
    ("MSH-12", "2.5.1"),
    ("PID-1", "1"),
    ("PID-3.4", "HOSP"),
    ("PID-3.5", "MR"),
    ("PID-8", "F"),
    ("PV1-2", "O"),
];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn deid(input: &[u8]) -> Result<Vec<u8>, TestCaseError> {
    let key = DeidKey::new(KEY).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let msg = Message::parse(input).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let out = Deidentifier::new(key, Policy::safe_harbor())
        .deidentify(&msg)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(out.to_bytes())
}

/// Every decoded field of every segment, for a search in decoded text.
fn decoded_text(bytes: &[u8]) -> Result<String, TestCaseError> {
    let m = Message::parse(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut s = String::new();
    for seg in m.segments() {
        for f in seg.fields() {
            s.push_str(&f.decoded());
            s.push('\u{1}');
        }
    }
    Ok(s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_pid_values_never_survive(
        values in proptest::collection::vec("\\PC{8,24}", PID_PATHS.len()),
    ) {
        let mut skeleton = MessageBuilder::new();
        for (p, v) in SKELETON {
            skeleton.set(p, v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let skeleton_bytes = skeleton.to_bytes();
        let skeleton_text = decoded_text(&skeleton_bytes)?;
        let delims = Delimiters::default();
        let mut b = skeleton.clone();
        for (p, v) in PID_PATHS.iter().zip(&values) {
            // Values already present in the fixed part could not be told apart.
            prop_assume!(!skeleton_text.contains(v.as_str()));
            prop_assume!(!contains(&skeleton_bytes, &escape(v.as_bytes(), &delims)));
            b.set(p, v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let input = b.to_bytes();
        for v in &values {
            prop_assert!(contains(&input, &escape(v.as_bytes(), &delims)));
        }
        let out = deid(&input)?;
        let text = decoded_text(&out)?;
        for (p, v) in PID_PATHS.iter().zip(&values) {
            let raw = escape(v.as_bytes(), &delims);
            prop_assert!(!contains(&out, &raw), "{} survived (raw)", p);
            prop_assert!(!text.contains(v.as_str()), "{} survived (decoded)", p);
        }
        // The structure stays: same segments, MSH byte-exact, the authority kept.
        let a = Message::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let m = Message::parse(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a.segment_count(), m.segment_count());
        prop_assert_eq!(a.msh().raw(), m.msh().raw());
        let authority = m.get_str("PID-3.4").ok().flatten().map(|c| c.into_owned());
        prop_assert_eq!(authority.as_deref(), Some("HOSP"));
    }

    #[test]
    fn valid_dates_are_shifted_together(
        y in 1935i64..2020, m in 1u32..=12, d in 1u32..=28,
        hh in 0u32..24, mm in 0u32..60, mrn in "[G-Z]{6,10}",
    ) {
        let dob = format!("{y:04}{m:02}{d:02}");
        let admit = format!("2023{m:02}{d:02}{hh:02}{mm:02}");
        let mut b = MessageBuilder::new();
        for (p, v) in SKELETON {
            b.set(p, v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        for (p, v) in [("PID-3.1", mrn.as_str()), ("PID-7", &dob), ("PV1-44", &admit)] {
            b.set(p, v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let out = deid(&b.to_bytes())?;
        let msg = Message::parse(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let get = |p: &str| msg.get_str(p).ok().flatten().map(|c| c.into_owned()).unwrap_or_default();
        let (new_dob, new_admit) = (get("PID-7"), get("PV1-44"));
        prop_assert_ne!(&new_dob, &dob);
        prop_assert_ne!(&new_admit, &admit);
        prop_assert!(!contains(&out, dob.as_bytes()));
        prop_assert!(!contains(&out, admit.as_bytes()));
        prop_assert_eq!(new_dob.len(), 8);
        prop_assert_eq!(&new_admit[8..], &admit[8..]);
        prop_assert_eq!(
            days(&new_dob) - days(&dob),
            days(&new_admit) - days(&admit),
            "one patient, one shift"
        );
    }

    #[test]
    fn any_parsable_input_is_handled(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut input = b"MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5.1\rPID|".to_vec();
        input.extend_from_slice(&body);
        if let Ok(msg) = Message::parse(&input) {
            let key = DeidKey::new(KEY).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Errors are allowed (refused edits); panics are not.
            let _ = Deidentifier::new(key, Policy::safe_harbor()).deidentify(&msg);
        }
    }
}

/// Day number of `YYYYMMDD…` (naive oracle: counts days from 1900).
fn days(s: &str) -> i64 {
    let p = |a: usize, b: usize| s.get(a..b).and_then(|t| t.parse::<i64>().ok()).unwrap_or(0);
    let (y, m, d) = (p(0, 4), p(4, 6), p(6, 8));
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut n = 0;
    for yy in 1900..y {
        n += if leap(yy) { 366 } else { 365 };
    }
    let md = [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    for x in md.iter().take(usize::try_from(m - 1).unwrap_or(0)) {
        n += x;
    }
    n + d - 1
}
