//! HL7 v2 de-identification: synthetic ADT^A01 and ORU^R01 messages full of (invented)
//! PHI; no identifying value survives, pseudonyms and date shifts are stable per key and
//! patient, the structure is kept.

use carewire_hl7::{Message, MessageBuilder};
use carewire_mapping::deid::{Action, Applied, DeidError, DeidKey, Deidentifier, Policy};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const KEY: &[u8] = b"test key: 32 bytes of not-so-random";

/// Builds a message from (path, value) pairs; values must not need escaping when they
/// are searched for in the output.
fn build(fields: &[(&str, &str)]) -> Result<Vec<u8>, carewire_hl7::Error> {
    let mut b = MessageBuilder::new();
    for (path, value) in fields {
        b.set(path, value)?;
    }
    Ok(b.to_bytes())
}

fn msh(kind: &str, trigger: &str, structure: &str, control: &str) -> Vec<(String, String)> {
    [
        ("MSH-3", "EMR"),
        ("MSH-4", "GENHOSP"),
        ("MSH-5", "ENGINE"),
        ("MSH-6", "HUB"),
        ("MSH-7", "20240105083000"),
        ("MSH-9.1", kind),
        ("MSH-9.2", trigger),
        ("MSH-9.3", structure),
        ("MSH-10", control),
        ("MSH-11", "P"),
        ("MSH-12", "2.5.1"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect()
}

/// PHI of patient "Wexford" placed in the PID and related segments (path, value).
const ADT_PHI: &[(&str, &str)] = &[
    ("PID-2.1", "PTALT-WXKQ77"),
    ("PID-3[1].1", "MRN-QW7734"),
    ("PID-3[2].1", "SSN-KLXMR91"),
    ("PID-5.1", "Wexford"),
    ("PID-5.2", "Thaddeus"),
    ("PID-5.3", "Quillan"),
    ("PID-6.1", "Marchbanks"),
    ("PID-7", "19620314"),
    ("PID-9.1", "Wexhollow"),
    ("PID-11.1", "4417 Juniper Hollow Rd"),
    ("PID-11.2", "Apt 9Q"),
    ("PID-11.3", "Sprogsville"),
    ("PID-11.5", "02139"),
    ("PID-11.9", "Mulberry County"),
    ("PID-12", "MX017"),
    ("PID-13[1].1", "(617) 555-0187"),
    ("PID-13[2].4", "thaddeus.wexford@example.org"),
    ("PID-14.1", "(617) 555-0199"),
    ("PID-18.1", "ACCT-ZR5512"),
    ("PID-19", "078-05-1120"),
    ("PID-20.1", "WEXFT62031"),
    ("PID-23", "Sprogsville General"),
    ("PID-29", "20240109221511"),
    ("PD1-14.1", "Church of Quillan Heights"),
    ("NK1-2.1", "Wexford-Ramsbottom"),
    ("NK1-2.2", "Marigold"),
    ("NK1-4.1", "88 Larkspur Crescent"),
    ("NK1-4.3", "Dunmorrow"),
    ("NK1-4.5", "03601"),
    ("NK1-5.1", "(617) 555-0144"),
    ("NK1-13.1", "Zentrovia Logistics"),
    ("NK1-16", "19640722"),
    ("NK1-33.1", "NKID-PP4410"),
    ("PV1-5.1", "PRE-VV9921"),
    ("PV1-19.1", "VIS-HH4410"),
    ("PV1-44", "20240105081512"),
    ("PV1-45", "20240110143047"),
    ("IN1-8", "GRP-TT6610"),
    ("IN1-9.1", "Zentrovia Group Plan"),
    ("IN1-16.1", "Wexford-Policyholder"),
    ("IN1-18", "19591103"),
    ("IN1-19.1", "12 Ropewalk Lane"),
    ("IN1-19.3", "Quarrytown"),
    ("IN1-36", "POL-NN8832"),
    ("IN1-49.1", "MEMB-XP2201"),
    ("GT1-2.1", "GUAR-RR3390"),
    ("GT1-3.1", "Ravenscroft"),
    ("GT1-5.1", "9 Thistledown Way"),
    ("GT1-6.1", "(617) 555-0122"),
    ("GT1-8", "19580417"),
    ("GT1-12", "987-65-4329"),
    ("GT1-16.1", "Hobnail Brewing Co"),
    ("NTE-3", "Neighbour Bartholomew Quince brings her in"),
];

/// Values kept (not identifying under Safe Harbor) in the ADT message.
const ADT_KEPT: &[(&str, &str)] = &[
    ("PID-1", "1"),
    ("PID-3[1].4", "GENHOSP"),
    ("PID-3[1].5", "MR"),
    ("PID-3[2].4", "SSA"),
    ("PID-8", "M"),
    ("PID-10.1", "2106-3"),
    ("PID-11.4", "MA"),
    ("PID-11.6", "USA"),
    ("PID-11.7", "H"),
    ("NK1-3.1", "SPO"),
    ("PV1-2", "I"),
    ("PV1-3.1", "ICU"),
    ("PV1-3.2", "101"),
    ("PV1-19.4", "GENHOSP"),
    ("IN1-2.1", "PLAN01"),
    ("IN1-4.1", "Acme Health"),
    ("GT1-9", "F"),
    ("PV2-3.2", "Chest pain"),
];

fn adt_fields(mrn: &str) -> Vec<(String, String)> {
    let mut f = msh("ADT", "A01", "ADT_A01", "MSG00001");
    f.push(("EVN-1".into(), "A01".into()));
    f.push(("EVN-2".into(), "20240105082233".into()));
    for (p, v) in ADT_PHI.iter().chain(ADT_KEPT) {
        let v = if *p == "PID-3[1].1" { mrn } else { v };
        f.push(((*p).to_owned(), v.to_owned()));
    }
    f
}

fn adt(mrn: &str) -> Result<Vec<u8>, carewire_hl7::Error> {
    let f = adt_fields(mrn);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    build(&pairs)
}

const ORU_PHI: &[(&str, &str)] = &[
    ("PID-3.1", "MRN-QW7734"),
    ("PID-5.1", "Wexford"),
    ("PID-5.2", "Thaddeus"),
    ("PID-7", "19620314"),
    ("PID-11.1", "4417 Juniper Hollow Rd"),
    ("PID-19", "078-05-1120"),
    ("PV1-19.1", "VIS-HH4410"),
    ("ORC-2.1", "PLAC-ORD5561"),
    ("ORC-3.1", "FILL-ORD7781"),
    ("ORC-9", "20240106071122"),
    ("OBR-2.1", "PLAC-ORD5561"),
    ("OBR-3.1", "FILL-ORD7781"),
    ("OBR-7", "20240106064455"),
    ("OBR-22", "20240106093317"),
    ("OBX[1]-14", "20240106064921"),
    (
        "OBX[2]-5",
        "Seen with wife Marigold Wexford at Zentrovia depot",
    ),
    ("OBX[3]-5", "20231122"),
    ("OBX[4]-5", "Brother Ignatius Wexford called"),
    ("NTE-3", "Call Thaddeus on (617) 555-0187 after results"),
];

const ORU_KEPT: &[(&str, &str)] = &[
    ("PID-3.4", "GENHOSP"),
    ("PID-3.5", "MR"),
    ("PID-8", "M"),
    ("ORC-1", "RE"),
    ("ORC-2.2", "EMR"),
    ("OBR-2.2", "EMR"),
    ("OBR-4.1", "GLU"),
    ("OBR-4.2", "Glucose"),
    ("OBX[1]-2", "NM"),
    ("OBX[1]-3.1", "2345-7"),
    ("OBX[1]-5", "5.4"),
    ("OBX[1]-6.1", "mmol/L"),
    ("OBX[2]-2", "TX"),
    ("OBX[2]-3.1", "NOTE"),
    ("OBX[3]-2", "DT"),
    ("OBX[3]-3.1", "LASTVISIT"),
    ("OBX[4]-2", "FT"),
    ("ZXX-1", "unrelated site data"),
];

fn oru(mrn: &str, dob: &str) -> Result<Vec<u8>, carewire_hl7::Error> {
    let mut f = msh("ORU", "R01", "ORU_R01", "MSG00002");
    for (p, v) in ORU_PHI.iter().chain(ORU_KEPT) {
        let v = match *p {
            "PID-3.1" => mrn,
            "PID-7" => dob,
            _ => v,
        };
        f.push(((*p).to_owned(), v.to_owned()));
    }
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    build(&pairs)
}

type Output = (Vec<u8>, Vec<(String, Applied)>);

fn deid(key: &[u8], input: &[u8]) -> Result<Output, Box<dyn std::error::Error>> {
    let d = Deidentifier::new(DeidKey::new(key)?, Policy::safe_harbor());
    let out = d.deidentify(&Message::parse(input)?)?;
    let report = out
        .report()
        .changes()
        .iter()
        .map(|c| (c.path.to_string(), c.action))
        .collect();
    Ok((out.to_bytes(), report))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn get(bytes: &[u8], path: &str) -> Result<String, Box<dyn std::error::Error>> {
    let m = Message::parse(bytes)?;
    Ok(m.get_str(path)?.map(|c| c.into_owned()).unwrap_or_default())
}

/// Days since 1970-01-01 of a `YYYYMMDD…` string (naive oracle, independent of the crate).
fn day_number(s: &str) -> Option<i64> {
    let y: i64 = s.get(..4)?.parse().ok()?;
    let m: i64 = s.get(4..6)?.parse().ok()?;
    let d: i64 = s.get(6..8)?.parse().ok()?;
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut n = 0;
    for yy in 1900..y {
        n += if leap(yy) { 366 } else { 365 };
    }
    let mdays = [
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
    for md in mdays.iter().take((m - 1) as usize) {
        n += md;
    }
    Some(n + d - 1)
}

fn shift_of(before: &str, after: &str) -> Option<i64> {
    Some(day_number(after)? - day_number(before)?)
}

#[test]
fn adt_no_identifying_value_survives() -> TestResult {
    let input = adt("MRN-QW7734")?;
    for (_, v) in ADT_PHI {
        assert!(contains(&input, v), "fixture must contain its PHI");
    }
    let (out, report) = deid(KEY, &input)?;
    for (path, v) in ADT_PHI {
        assert!(!contains(&out, v), "{path} survived de-identification");
    }
    for (path, v) in ADT_KEPT {
        assert_eq!(get(&out, path)?, *v, "{path} should be kept");
    }
    // Timestamps keep their time part; the report names paths and actions only.
    assert_eq!(get(&out, "PV1-44")?.get(8..), Some("081512"));
    assert_eq!(get(&out, "PID-11.5")?, "021");
    assert_eq!(get(&out, "NK1-4.5")?, "000"); // restricted ZIP3 036
    assert_eq!(get(&out, "PID-5")?, "");
    let report_text = format!("{report:?}");
    for (_, v) in ADT_PHI {
        assert!(!report_text.contains(v));
    }
    assert!(report.contains(&("PID-5".into(), Applied::Removed)));
    assert!(report.contains(&("PID-3[1].1".into(), Applied::Hashed)));
    assert!(report.contains(&("PID-7[1].1".into(), Applied::DateShifted)));
    assert!(report.contains(&("PID-11[1].5".into(), Applied::ZipTruncated)));
    assert!(report.contains(&("NTE-3".into(), Applied::Removed)));
    Ok(())
}

#[test]
fn oru_no_identifying_value_survives() -> TestResult {
    let input = oru("MRN-QW7734", "19620314")?;
    for (_, v) in ORU_PHI {
        assert!(contains(&input, v), "fixture must contain its PHI");
    }
    let (out, report) = deid(KEY, &input)?;
    for (path, v) in ORU_PHI {
        assert!(!contains(&out, v), "{path} survived de-identification");
    }
    for (path, v) in ORU_KEPT {
        assert_eq!(get(&out, path)?, *v, "{path} should be kept");
    }
    // Text OBX-5 removed, date OBX-5 shifted, numeric OBX-5 kept.
    assert_eq!(get(&out, "OBX[2]-5")?, "");
    assert_eq!(get(&out, "OBX[3]-5")?.len(), 8);
    assert!(report.contains(&("OBX[2]-5".into(), Applied::Removed)));
    assert!(report.contains(&("OBX[3]-5[1].1".into(), Applied::DateShifted)));
    // The same order number in ORC and OBR gets the same pseudonym.
    assert_eq!(get(&out, "ORC-2.1")?, get(&out, "OBR-2.1")?);
    assert_ne!(get(&out, "ORC-2.1")?, get(&out, "ORC-3.1")?);
    Ok(())
}

#[test]
fn structure_is_preserved() -> TestResult {
    for input in [adt("MRN-QW7734")?, oru("MRN-QW7734", "19620314")?] {
        let (out, _) = deid(KEY, &input)?;
        let a = Message::parse(&input)?;
        let b = Message::parse(&out)?;
        assert_eq!(a.segment_count(), b.segment_count());
        let ids = |m: &Message<'_>| m.segments().map(|s| s.id().to_vec()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(a.msh().raw(), b.msh().raw(), "MSH is untouched");
        // Segments the policy does not touch are byte-exact; touched ones keep their
        // field count.
        for (sa, sb) in a.segments().zip(b.segments()) {
            if matches!(sa.id(), b"PV2" | b"ZXX" | b"MSH") {
                assert_eq!(sa.raw(), sb.raw());
            }
            assert!(sb.field_count() <= sa.field_count());
        }
        assert_eq!(a.header().control_id(), b.header().control_id());
    }
    Ok(())
}

#[test]
fn same_key_same_pseudonyms_and_shift_across_messages() -> TestResult {
    let adt_in = adt("MRN-QW7734")?;
    let oru_in = oru("MRN-QW7734", "19620314")?;
    let (adt_out, _) = deid(KEY, &adt_in)?;
    let (oru_out, _) = deid(KEY, &oru_in)?;
    // Deterministic: the same message twice gives the same bytes.
    assert_eq!(deid(KEY, &adt_in)?.0, adt_out);
    // Same identifier → same pseudonym (the assigning authority is kept beside it).
    let p1 = get(&adt_out, "PID-3[1].1")?;
    assert_eq!(p1.len(), 16);
    assert!(p1.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(p1, get(&oru_out, "PID-3.1")?);
    assert_eq!(get(&adt_out, "PV1-19.1")?, get(&oru_out, "PV1-19.1")?);
    // Same patient → same shift for every date in both messages.
    let s_dob = shift_of("19620314", &get(&adt_out, "PID-7")?);
    let s_admit = shift_of("20240105081512", &get(&adt_out, "PV1-44")?);
    let s_obr = shift_of("20240106064455", &get(&oru_out, "OBR-7")?);
    let s_obx = shift_of("20231122", &get(&oru_out, "OBX[3]-5")?);
    assert!(s_dob.is_some());
    assert_eq!(s_dob, s_admit);
    assert_eq!(s_dob, s_obr);
    assert_eq!(s_dob, s_obx);
    let s = s_dob.unwrap_or(0);
    assert!(s != 0 && s.abs() <= 365, "shift out of range: {s}");
    assert_eq!(get(&adt_out, "PID-7")?, get(&oru_out, "PID-7")?);
    Ok(())
}

#[test]
fn different_patients_get_independent_shifts() -> TestResult {
    let mut shifts = Vec::new();
    for i in 0..24 {
        let (out, _) = deid(KEY, &oru(&format!("MRN-PT{i:04}"), "19620314")?)?;
        let s = shift_of("19620314", &get(&out, "PID-7")?).unwrap_or(0);
        assert!(s != 0 && s.abs() <= 365);
        // Within one message every date still moves together.
        assert_eq!(shift_of("20240106064455", &get(&out, "OBR-7")?), Some(s));
        shifts.push(s);
    }
    let mut distinct = shifts.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() >= 18, "shifts barely vary: {shifts:?}");
    assert!(shifts.iter().any(|&s| s < 0) && shifts.iter().any(|&s| s > 0));
    Ok(())
}

#[test]
fn different_key_different_output() -> TestResult {
    let input = adt("MRN-QW7734")?;
    let (a, _) = deid(KEY, &input)?;
    let (b, _) = deid(b"another key, also long enough!!", &input)?;
    assert_ne!(a, b);
    assert_ne!(get(&a, "PID-3[1].1")?, get(&b, "PID-3[1].1")?);
    assert_ne!(get(&a, "PID-18.1")?, get(&b, "PID-18.1")?);
    Ok(())
}

#[test]
fn ages_over_89_become_one_birth_year() -> TestResult {
    let (out, report) = deid(KEY, &oru("MRN-OLD1", "19300101")?)?;
    assert_eq!(get(&out, "PID-7")?, "1934"); // MSH-7 year 2024 − 90
    assert!(report.contains(&("PID-7[1].1".into(), Applied::AgeAggregated)));
    let (out, _) = deid(KEY, &oru("MRN-OLD1", "19350101")?)?;
    assert_eq!(get(&out, "PID-7")?.len(), 8); // 89: shifted, not aggregated
    Ok(())
}

#[test]
fn unreadable_dates_are_removed() -> TestResult {
    let (out, report) = deid(KEY, &oru("MRN-X1", "14 March 1962")?)?;
    assert_eq!(get(&out, "PID-7")?, "");
    assert!(report.contains(&("PID-7[1].1".into(), Applied::UnreadableDateRemoved)));
    Ok(())
}

#[test]
fn policy_overrides() -> TestResult {
    let input = oru("MRN-QW7734", "19620314")?;
    let mut policy = Policy::safe_harbor();
    policy
        .set("NTE-3", Action::Keep)?
        .set("PID-3.4", Action::Remove)?
        .set("PID-19", Action::Hash)?
        .set("ORC-9", Action::Keep)?
        .hash_len(32)?;
    policy
        .obx_text(&["FT"], Action::Remove)
        .shift_obx_dates(false);
    assert_eq!(policy.action("NTE-3"), Some(Action::Keep));
    assert_eq!(policy.action("PID-3.1"), Some(Action::Hash));
    assert_eq!(policy.action("PID-3.2"), Some(Action::Remove));
    assert_eq!(policy.action("ZZZ-1"), Some(Action::Keep));
    assert_eq!(policy.action("PID"), None);
    let d = Deidentifier::new(DeidKey::new(KEY)?, policy);
    let out = d.deidentify(&Message::parse(&input)?)?.to_bytes();
    assert_eq!(
        get(&out, "NTE-3")?,
        "Call Thaddeus on (617) 555-0187 after results"
    );
    assert_eq!(get(&out, "PID-3.4")?, "");
    assert_eq!(get(&out, "PID-3.1")?.len(), 32);
    assert_eq!(get(&out, "PID-19")?, d.pseudonym("078-05-1120"));
    assert_eq!(get(&out, "ORC-9")?, "20240106071122");
    assert_eq!(get(&out, "OBX[2]-5")?.len(), 50); // TX no longer listed: kept
    assert_eq!(get(&out, "OBX[4]-5")?, ""); // FT still removed
    assert_eq!(get(&out, "OBX[3]-5")?, "20231122"); // date shifting of OBX-5 off

    // An explicit OBX-5 rule beats the value-type rules.
    let mut p = Policy::safe_harbor();
    p.set("OBX-5", Action::Remove)?;
    let d = Deidentifier::new(DeidKey::new(KEY)?, p);
    let out = d.deidentify(&Message::parse(&input)?)?.to_bytes();
    assert_eq!(get(&out, "OBX[1]-5")?, "");
    Ok(())
}

#[test]
fn configuration_errors_and_redaction() {
    assert_eq!(DeidKey::new(b"short").err(), Some(DeidError::KeyTooShort));
    let key = DeidKey::new(KEY).ok();
    assert!(!format!("{key:?}").contains("not-so-random"));
    let mut p = Policy::safe_harbor();
    for bad in ["PID", "MSH-1", "MSH-2", "PID-0", "PID-3.1.1", "PID[2]-3"] {
        assert_eq!(
            p.set(bad, Action::Keep).err(),
            Some(DeidError::InvalidPolicyPath),
            "{bad}"
        );
    }
    assert_eq!(p.hash_len(4).err(), Some(DeidError::InvalidHashLength));
    assert_eq!(p.max_shift_days(0).err(), Some(DeidError::InvalidShift));
    assert_eq!(
        DeidError::InvalidPolicyPath.to_string(),
        "invalid de-identification policy path"
    );
}

#[test]
fn escaped_and_repeated_values() -> TestResult {
    // Names with escaped delimiters, several identifiers, a second PID-less NK1.
    let input = b"MSH|^~\\&|EMR|H|||20240105083000||ADT^A08|9|P|2.5.1\r\
PID|1||AB-1^^^H^MR~CD-2^^^H^PI||O\\F\\Brannagh^Siobh\\T\\n||19700101\r\
NK1|1|Brannagh^Cormac\r\
NK1|2|Brannagh^Aoife|||^PRN^PH^^1^617^5550000\r";
    let (out, report) = deid(KEY, input)?;
    let text = String::from_utf8_lossy(&out);
    for v in [
        "Brannagh", "Siobh", "Cormac", "Aoife", "AB-1", "CD-2", "5550000", "19700101",
    ] {
        assert!(!text.contains(v), "{v}");
    }
    assert!(report.contains(&("NK1[2]-2".into(), Applied::Removed)));
    assert!(report.contains(&("NK1[2]-5".into(), Applied::Removed)));
    assert!(report.contains(&("PID-3[2].1".into(), Applied::Hashed)));
    assert_eq!(get(&out, "PID-3[2].5")?, "PI");
    Ok(())
}

#[test]
fn year_only_dates_policy() -> TestResult {
    let mut policy = Policy::safe_harbor();
    policy.year_only_dates();
    assert_eq!(policy.action("PID-7"), Some(Action::BirthYearOnly));
    assert_eq!(policy.action("PV1-44"), Some(Action::YearOnly));
    let d = Deidentifier::new(DeidKey::new(KEY)?, policy);
    let input = oru("MRN-QW7734", "19620314")?;
    let out = d.deidentify(&Message::parse(&input)?)?;
    let bytes = out.to_bytes();
    for (path, v) in ORU_PHI {
        assert!(!contains(&bytes, v), "{path} survived de-identification");
    }
    assert_eq!(get(&bytes, "PID-7")?, "1962");
    assert_eq!(get(&bytes, "OBR-7")?, "2024");
    assert_eq!(get(&bytes, "OBX[3]-5")?, "2023");
    assert_eq!(get(&bytes, "OBX[1]-14")?, "2024");
    assert!(out.report().count(Applied::ReducedToYear) >= 6);
    assert_eq!(out.report().count(Applied::DateShifted), 0);
    let old = d.deidentify(&Message::parse(&oru("MRN-OLD1", "19300101")?)?)?;
    assert_eq!(get(&old.to_bytes(), "PID-7")?, "1934");
    Ok(())
}

#[test]
fn obx_values_holding_identities_are_removed() -> TestResult {
    let input = b"MSH|^~\\&|LIS|LAB|||20240105083000||ORU^R01|7|P|2.5.1\r\
PID|1||MRN-ZZ1^^^H^MR\r\
OBX|1|XPN|CONTACT||Yarrowby^Ophelia\r\
OBX|2|XAD|HOME||77 Quarry Lane^^Yelmton^MA^01234\r\
OBX|3|XTN|PHONE||^PRN^PH^^1^413^5550111\r\
OBX|4|CX|EXTID||EXT-MMK3^^^OTHER\r\
OBX|5|ED|REPORT||^application^pdf^Base64^SlZCRVJPV1NLWQ==\r\
OBX|6|RP|LINK||https://portal.example.org/yarrowby/77\r\
OBX|7|CWE|BLOODTYPE||O+^O positive^L\r\
OBX|8|NM|GLU||5.4\r";
    let (out, _) = deid(KEY, input)?;
    for v in [
        "Yarrowby",
        "Quarry",
        "Yelmton",
        "5550111",
        "EXT-MMK3",
        "SlZCRVJPV1NLWQ",
        "portal.example.org",
    ] {
        assert!(!contains(&out, v), "{v}");
    }
    assert_eq!(get(&out, "OBX[7]-5.2")?, "O positive");
    assert_eq!(get(&out, "OBX[8]-5")?, "5.4");
    // The list is configurable.
    let mut p = Policy::safe_harbor();
    p.obx_remove_types(&["XPN"]);
    let d = Deidentifier::new(DeidKey::new(KEY)?, p);
    let out = d.deidentify(&Message::parse(input)?)?.to_bytes();
    assert!(!contains(&out, "Yarrowby"));
    assert!(contains(&out, "EXT-MMK3"));
    Ok(())
}
