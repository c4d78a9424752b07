//! Fixtures shared by the v2 → FHIR integration tests.
// Each test binary uses only some of these.
#![allow(dead_code)]

pub mod fhir_check;

use std::path::{Path, PathBuf};

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};

use serde_json::Value;

/// A synthetic ADT^A01 touching every mapped ADT segment.
pub const A01: &str = "MSH|^~\\&|ADT|HOSP^1.2.840.1^ISO|EHR|HOSP|20240315083000+0100||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r\
EVN|A01|20240315082900+0100||ADM^Admission^HL70062|1234^Clerk^Carl^^^^^^HOSP\r\
PID|1||123456^^^HOSP&1.2.3&ISO^MR~987-65-4320^^^SSA^SS||Doe^Jane^Q^Jr^Dr^^L~Roe^Janie^^^^^M||19800704|F|||1 Main St^Apt 2^Springfield^IL^62701^USA^H||^PRN^PH^^1^217^5551234~^NET^Internet^jane@example.org|^WPN^PH^^^217^5559999^12||M^Married^HL70002||||||||||||||N\r\
PD1|||HOSP Clinic|7777^Family^Frank^^^^^^HOSP\r\
NK1|1|Doe^John|SPO^Spouse^HL70063|1 Main St^^Springfield^IL^62701|^PRN^PH^^^217^5551234\r\
PV1|1|I|ICU^101^A^HOSP||||9999^Attending^Alice^^^Dr^^^HOSP|8888^Referrer^Rob^^^^^^HOSP||MED||||7|||9999^Attending^Alice^^^Dr^^^HOSP||V100^^^HOSP&1.2.4&ISO^VN|||||||||||||||||||||||||20240315080000+0100\r\
PV2|||CHEST^Chest pain^L\r\
AL1|1|DA|PCN^Penicillin^L|SV|Hives~Rash|20100101\r\
DG1|1||I21.9^Acute MI^I10||20240315\r\
PR1|1||0JH604Z^Pacemaker^I10P||20240315100000+0100|||||||9999^Attending^Alice^^^Dr^^^HOSP\r\
IN1|1|PLAN1^Gold plan|INS1^^^PAYERS|Acme Health||||GRP1|Group One|||20240101|20241231||||SEL|||||||||||||||||||POL123\r";

/// A synthetic ORU^R01: two orders, NM/SN/ST/CWE/DT results and notes.
pub const ORU: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01^ORU_R01|LAB0001|P|2.5.1\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r\
PV1|1|O|||||||||||||||||V200^^^HOSP^VN\r\
ORC|RE|PL1^EHR|FL1^LAB|||||||||5555^Orderer^Olga^^^^^^HOSP\r\
OBR|1|PL1^EHR|FL1^LAB|24331-1^Lipid panel^LN|||20240315070000+0100|||||||||5555^Orderer^Olga^^^^^^HOSP||||||20240315081500+0100|||F\r\
NTE|1||Fasting sample\r\
OBX|1|NM|2093-3^Cholesterol^LN||212|mg/dL^mg/dL^UCUM|<200|H|||F|||20240315073000+0100\r\
NTE|1||Repeat in 3 months\r\
OBX|2|SN|2571-8^Triglyceride^LN||<^150|mg/dL|0-150|N|||F\r\
OBX|3|SN|13457-7^LDL^LN||^100^-^129|mg/dL||A|||P\r\
OBX|4|ST|8251-1^Comment^LN||Sample slightly lipemic||||||F\r\
OBX|5|CWE|5778-6^Color^LN||YEL^Yellow^L||||||F\r\
OBX|6|DT|21112-8^Birth date^LN||19800704||||||F\r\
OBX|7|SN|9999-9^Titer^LN||^1^:^128||||||F\r\
OBR|2||FL2^LAB|58410-2^CBC^LN|||20240315070000+0100|||||||||5555^Orderer^Olga^^^^^^HOSP|||||||||F\r\
OBX|1|NM|718-7^Hemoglobin^LN||13.5|g/dL^^UCUM|12.0-16.0|N|||F\r\
OBX|2|NM|6690-2^WBC^LN||11.2|10*3/uL^^UCUM|4.0-10.5|H~HH|||C\r";

/// The resource of the entry whose fullUrl is `url` (panics on a dangling reference).
pub fn by_url<'a>(b: &'a Value, url: &str) -> &'a Value {
    &b["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["fullUrl"] == url)
        .unwrap_or_else(|| panic!("dangling reference {url}"))["resource"]
}

/// The resources of type `ty` in Bundle `b`, in entry order.
pub fn resources<'a>(b: &'a Value, ty: &str) -> Vec<&'a Value> {
    b["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == ty)
        .collect()
}

/// A synthetic ORM^O01: two orders (new + cancelled), DG1/NTE in the order group, AL1/IN1.
pub const ORM: &str = "MSH|^~\\&|EHR|HOSP|RAD|HOSP|20240315083000+0100||ORM^O01^ORM_O01|ORM0001|P|2.3\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r\
PV1|1|O|||||||||||||||||V300^^^HOSP^VN\r\
IN1|1|PLAN1^Gold plan|INS1^^^PAYERS|Acme Health\r\
AL1|1|DA|PCN^Penicillin|SV\r\
ORC|NW|PL100^EHR|FL100^RAD^1.2.3.4^ISO|GRP1^EHR|SC||^^^20240316090000+0100^^S||20240315080000+0100|||5555^Orderer^Olga^^^^^^HOSP\r\
OBR|1|||36643-5^XR Chest 2 views^LN||||||||||||5555^Orderer^Olga^^^^^^HOSP||ACC100|||||||||||||R07.9^Chest pain^I10\r\
NTE|1||Patient is claustrophobic\r\
DG1|1||R07.9^Chest pain^I10\r\
ORC|CA|PL101^EHR|||CA||^^^^^R||20240315080000+0100|Entered^By||5555^Orderer^Olga^^^^^^HOSP\r\
OBR|2|PL101^EHR||71046^XR chest^C4||||||||||||5555^Orderer^Olga^^^^^^HOSP\r\
ZDS|1.2.3\r";

/// A synthetic OML^O21: two orders with TQ1, OBX, NTE and SPM groups.
pub const OML: &str = "MSH|^~\\&|EHR|HOSP|LAB|HOSP|20240315083000+0100||OML^O21^OML_O21|OML0001|P|2.5.1\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r\
PV1|1|O|||||||||||||||||V300^^^HOSP^VN\r\
ORC|NW|PL200^EHR|||SC||||20240315080000+0100|||5555^Orderer^Olga^^^^^^HOSP\r\
TQ1|1||||||20240315100000+0100|20240315110000+0100|A^ASAP^HL70485\r\
OBR|1|PL200^EHR||24331-1^Lipid panel^LN||||||||||||5555^Orderer^Olga^^^^^^HOSP\r\
OBX|1|CWE|49541-6^Fasting status^LN||Y^Yes^HL70136||||||F\r\
NTE|1||Since midnight\r\
SPM|1|SP1&EHR^SF1&LAB||BLD^Blood^HL70487|||VENIP^Venipuncture^HL70488||||||||||20240315093000+0100|20240315094500+0100||Y\r\
ORC|XO|PL201^EHR|||ZZ|||||||5555^Orderer^Olga^^^^^^HOSP\r\
TQ1|1||||||||Q\r\
OBR|2|PL201^EHR||2093-3^Cholesterol^LN|||||||G|||||7777^Other^Otto^^^^^^HOSP\r\
SPM|1|SP2&EHR||SER^Serum^HL70487|||||||||||||20240315093000+0100^20240315094000+0100||||||||||^Red top\r";

/// Every `reference` in the Bundle names the fullUrl of an entry; entry ids match.
pub fn assert_references_resolve(b: &Value) {
    let entries = b["entry"].as_array().expect("entries");
    let urls: Vec<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("fullUrl"))
        .collect();
    let refs = references(b);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(urls.contains(&r), "dangling reference {r}");
    }
    for e in entries {
        let id = e["resource"]["id"].as_str().expect("id");
        assert_eq!(
            e["fullUrl"].as_str(),
            Some(format!("urn:uuid:{id}").as_str())
        );
    }
}

/// Every `reference` string anywhere in `v`, in document order.
pub fn references(v: &Value) -> Vec<&str> {
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == "reference" {
                        if let Some(s) = x.as_str() {
                            out.push(s);
                        }
                    }
                    walk(x, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

/// `json` is a Bundle (valid JSON with an `entry` array) whose every reference names
/// the fullUrl of an entry (messages say no patient data).
pub fn check_bundle_json(json: &str) {
    let v: Value = serde_json::from_str(json).expect("valid JSON");
    let entries = v["entry"].as_array().expect("entries");
    let urls: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    for r in references(&v) {
        assert!(urls.contains(&r), "dangling reference");
    }
}

/// The synthetic messages of the mappings beyond ADT and ORU, by name.
pub const NEW_MESSAGES: &[(&str, &str)] = &[
    ("ORM", ORM),
    ("OML", OML),
    ("VXU", VXU),
    ("MDM", MDM),
    ("SIU", SIU),
    ("DFT", DFT),
    ("OBS_EXTRA", OBS_EXTRA),
    ("OBS_TYPES", OBS_TYPES),
];

/// A synthetic VXU^V04: one administered and one refused vaccination.
pub const VXU: &str = "MSH|^~\\&|IZ|HOSP|EHR|HOSP|20240315083000+0100||VXU^V04^VXU_V04|VXU0001|P|2.5.1\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r\
ORC|RE|IZ-1^EHR|IZ-783274^NDA||||||20240315080000+0100|||57422^Radon^Nicholas^^^^^^HOSP\r\
RXA|0|1|20240314|20240314|140^Influenza, seasonal, injectable^CVX|0.5|mL^MilliLiter^UCUM||00^New immunization record^NIP001|7832^Lemon^Mike^^^^^^HOSP|||||Z0860BB|20241104|CSL^CSL Behring^MVX||REASON^Seasonal campaign|CP|A||||||CLINIC^^^HOSP\r\
RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163\r\
OBX|1|CE|64994-7^Vaccine funding program eligibility category^LN|1|V02^VFC eligible - Medicaid^HL70064||||||F|||20240314\r\
ORC|RE||IZ-9^NDA\r\
RXA|0|1|20230101||998^No vaccine administered^CVX|999||||||||||||00^Parental decision^NIP002||RE\r";

/// A synthetic MDM^T02: a discharge summary (text, PDF and a note) for a completed order.
pub const MDM: &str = "MSH|^~\\&|DOC|HOSP|EHR|HOSP|20240315083000+0100||MDM^T02^MDM_T02|MDM0001|P|2.5.1\r\
EVN|T02|20240315083000+0100\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r\
PV1|1|I|||||||||||||||||V300^^^HOSP^VN\r\
ORC|SC|ORD-1^EHR|||CM\r\
OBR|1|ORD-1^EHR||11490-0^Discharge summary^LN\r\
TXA|1|DS^Discharge summary^HL70270|TX|20240315070000+0100||20240315080000+0100|||1234^Author^Anna^^^^^^HOSP|5678^Signer^Sam^^^^^^HOSP||DOC-1^EHR^1.2.3.9^ISO||||ds-2024-1.txt|AU|R|AV\r\
OBX|1|TX|DS^Discharge summary^HL70270||Patient discharged in good condition.~Follow up in 2 weeks.\r\
OBX|2|ED|PDF^Report^L||^application^pdf^Base64^JVBERi0xLjQK\r\
NTE|1||Dictated\r";

/// A synthetic SIU^S12: a booked appointment with service, room, location and person resources.
pub const SIU: &str = "MSH|^~\\&|SCHED|HOSP|EHR|HOSP|20240315083000+0100||SIU^S12^SIU_S12|SIU0001|P|2.5.1\r\
SCH|APT-1^EHR|F-APT-1^SCHED|||||CHECKUP^Routine check-up^HL70276|NORMAL^Routine^HL70277|30|min|^^^20240320090000+0100^20240320093000+0100|||||||||4444^Clerk^Carl^^^^^^HOSP|||||Booked\r\
NTE|1||Bring previous results\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r\
PV1|1|O|||||||||||||||||V400^^^HOSP^VN\r\
RGS|1\r\
AIS|1||99213^Office visit^C4|20240320090000+0100\r\
AIG|1||ROOM-7^Exam room 7|ROOM^Room\r\
AIL|1||CLINIC^7^^HOSP|||20240320090000+0100||||||Booked\r\
AIP|1||9999^Doctor^Dana^^^Dr^^^HOSP|ATND^Attending^HL70443||20240320090000+0100||||||Pending\r";

/// A synthetic DFT^P03: a charge with a procedure and a credit; DG1, IN1 and PID-18.
pub const DFT: &str = "MSH|^~\\&|BILL|HOSP|EHR|HOSP|20240315083000+0100||DFT^P03^DFT_P03|DFT0001|P|2.5.1\r\
EVN|P03|20240315083000+0100\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F||||||||||ACCT-9^^^HOSP^AN\r\
PV1|1|O|||||||||||||||||V500^^^HOSP^VN\r\
FT1|1|TXN-1||20240315|20240315090000+0100|CG|71045^Xray exam chest 1 view^C4|||2|100.50&USD||||||||R07.9^Chest pain^I10|9941^Smith^Adam^^^^^^HOSP\r\
PR1|1||71045^Xray exam chest 1 view^C4||20240315100000+0100\r\
FT1|2|TXN-2||20240315^20240316||CD|99211^Office visit^C4|||1|20&USD\r\
DG1|1||R07.9^Chest pain^I10||20240315|A\r\
IN1|1|PLAN1^Gold plan|INS1^^^PAYERS|Acme Health\r";

/// A synthetic ORU^R01: race/ethnicity, NR and binary ED values, OBX-15/19/23/24.
pub const OBS_EXTRA: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|L9|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J||19800704|F||2106-3^White^CDCREC~2029-7^Asian Indian^CDCREC~W^Local white^L||||||||||||2135-2^Hispanic or Latino^CDCREC\r\
OBR|1||F9^LAB|1-1^X^LN\r\
OBX|1|NR|1-2^Range^LN||3.5^7|mmol/L^^UCUM|||||F|||20240315070000+0100|05D0642827^Main Lab^CLIA||||20240315075000+0100||||Main Lab^^^^^^^^^05D0642827|1 Lab Rd^^Town^ST^12345\r\
OBX|2|ED|1-3^Image^LN||^IM^PNG^Base64^iVBORw0KGgo=||||||F\r\
OBX|3|NR|1-4^Bad^LN||x^7||||||F\r";

/// A synthetic ORU^R01 with the less common OBX-2 value types (TM, DR, IS, CX, NA).
pub const OBS_TYPES: &str =
    "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|L10|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
OBR|1||F10^LAB|1-1^X^LN\r\
OBX|1|TM|1-2^Time^LN||0830||||||F\r\
OBX|2|TM|1-3^Time^LN||083015.5+0100||||||F\r\
OBX|3|DR|1-4^Period^LN||20240101^20240131||||||F\r\
OBX|4|IS|1-5^Code^LN||Y||||||F\r\
OBX|5|CX|1-6^Id^LN||123^^^HOSP^MR||||||F\r\
OBX|6|NA|1-7^Wave^LN||1^2^3||||||F\r\
OBX|7|TM|1-8^Time^LN||2599||||||F\r";

/// The `kind` folder (`hl7`, `x12`, `dicom`) of the shared corpus: `$CAREWIRE_CORPUS/<kind>`,
/// else `../shared/corpus/<kind>` beside the repository; `None` when it is absent.
pub fn corpus_dir(kind: &str) -> Option<PathBuf> {
    let base = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    let dir = base.join(kind);
    dir.is_dir().then_some(dir)
}

/// The three Bundle types times three time-zone policies, each labelled
/// `"<type> <policy>"` (e.g. `message Error`), for validating every combination.
pub fn bundle_configs() -> Vec<(String, MapConfig)> {
    let mut out = Vec::new();
    for (ty, name) in [
        (BundleType::Message, "message"),
        (BundleType::Transaction, "transaction"),
        (BundleType::Batch, "batch"),
    ] {
        for tz in [
            TzPolicy::Error,
            TzPolicy::DateOnly,
            TzPolicy::AssumeOffset(-300),
        ] {
            let cfg = MapConfig {
                bundle_type: ty,
                ..MapConfig::with_tz(tz)
            };
            out.push((format!("{name} {tz:?}"), cfg));
        }
    }
    out
}

/// The files (not folders) directly in `dir`, sorted; panics when `dir` cannot be read.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Every `x12/<set>/pass/*` file of the corpus (not the `.md` notes), sorted; empty
/// when the corpus is absent.
pub fn x12_pass_files() -> Vec<PathBuf> {
    let Some(dir) = corpus_dir("x12") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for set in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let pass = set.path().join("pass");
        for f in std::fs::read_dir(&pass).into_iter().flatten().flatten() {
            if f.path().extension().is_some_and(|e| e != "md") {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}
