//! The simulated hospital day: patients, encounters, orders and charges, all derived from
//! one seed so that two runs with the same `--seed` send the same messages.
//!
//! Everything here is synthetic (invented names, `555` phone numbers, test NPIs); nothing
//! comes from the corpus.

/// A small deterministic generator (SplitMix64): the same seed gives the same day.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The calendar day simulated (local time, offset [`TZ`]).
pub const DAY: &str = "20240311";
/// The hospital's UTC offset, written on every timestamp.
pub const TZ: &str = "-0500";
/// The sending facility (MSH-4) and the assigning authority of MRNs (PID-3.4).
pub const FACILITY: &str = "GENHOSP";

/// A person's insurance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// Payer id (X12 NM109 of loop 2010BB/2100A), e.g. `PAYER01`.
    pub payer_id: String,
    /// Payer name.
    pub payer_name: String,
    /// Member id (subscriber id), e.g. `M100000123`.
    pub member_id: String,
    /// Group number.
    pub group: String,
    /// The payer will answer the 270 with inactive coverage for this member.
    pub inactive: bool,
}

/// A patient of the day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patient {
    /// Medical record number (PID-3.1, authority [`FACILITY`]), e.g. `MRN0000123`.
    pub mrn: String,
    /// Family name (may contain an apostrophe, e.g. `O'Neil`).
    pub family: String,
    /// Given name.
    pub given: String,
    /// Birth date `YYYYMMDD`.
    pub birth_date: String,
    /// `F` or `M`.
    pub sex: &'static str,
    /// Street line (some contain `&`, which HL7 must escape as `\T\`).
    pub street: String,
    /// City.
    pub city: String,
    /// State code.
    pub state: String,
    /// ZIP code.
    pub zip: String,
    /// Home phone, `555`-numbers only.
    pub phone: String,
    /// The phone the A08 update changes to, if this patient gets an A08.
    pub new_phone: Option<String>,
    /// Insurance.
    pub coverage: Coverage,
}

/// A physician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doctor {
    /// NPI (a syntactically valid test number).
    pub npi: String,
    /// Family name.
    pub family: String,
    /// Given name.
    pub given: String,
}

/// Patient class (PV1-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `I`: admitted (ADT^A01, billed on an 837I).
    Inpatient,
    /// `O`: registered (ADT^A04, billed on an 837P).
    Outpatient,
    /// `E`: registered in the emergency department (ADT^A04, billed on an 837P).
    Emergency,
}

impl Class {
    /// The PV1-2 code.
    pub fn code(self) -> &'static str {
        match self {
            Class::Inpatient => "I",
            Class::Outpatient => "O",
            Class::Emergency => "E",
        }
    }
}

/// One laboratory test of a panel, with the value the analyzer will measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabTest {
    /// LOINC code.
    pub loinc: &'static str,
    /// Display name.
    pub name: &'static str,
    /// UCUM unit.
    pub unit: &'static str,
    /// Reference range low.
    pub low: &'static str,
    /// Reference range high.
    pub high: &'static str,
    /// The measured value as text (`NM`), e.g. `4.2`.
    pub value: String,
    /// Abnormal flag (OBX-8): `N`, `H`, `L`, `HH` or `LL`.
    pub flag: &'static str,
}

/// A laboratory order (one OBR) and, inside, the results the LIS will report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabOrder {
    /// Placer order number (ORC-2/OBR-2), unique in the day, e.g. `LAB000123`.
    pub placer: String,
    /// Panel code (CPT), e.g. `80048`.
    pub code: &'static str,
    /// Panel name.
    pub name: &'static str,
    /// Order time `YYYYMMDDHHMM`.
    pub ordered: String,
    /// The tests of the panel, with values and flags.
    pub tests: Vec<LabTest>,
    /// Charge in cents.
    pub charge_cents: i64,
}

/// An imaging order and the study the modality will produce for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImagingOrder {
    /// Placer order number, e.g. `IMG000123`.
    pub placer: String,
    /// Accession number (OBR-18 in the ORM; DICOM (0008,0050)), e.g. `ACC000123`.
    pub accession: String,
    /// Procedure code (CPT), e.g. `71046`.
    pub code: &'static str,
    /// Procedure name.
    pub name: &'static str,
    /// DICOM modality, e.g. `CR`, `CT`, `MR`, `US`.
    pub modality: &'static str,
    /// DICOM body part examined, e.g. `CHEST`.
    pub body_part: &'static str,
    /// Order time `YYYYMMDDHHMM`.
    pub ordered: String,
    /// Study Instance UID (synthetic, under the 2.25 root).
    pub study_uid: String,
    /// Instances per series (the study has `series.len()` series).
    pub series: Vec<usize>,
    /// The radiologist's impression for the report (may contain `&`, `|`, `^`).
    pub impression: String,
    /// Charge in cents.
    pub charge_cents: i64,
}

/// A billable line besides the orders (visit, room and board).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    /// CPT/HCPCS code, e.g. `99284`.
    pub code: &'static str,
    /// Revenue code for institutional claims, e.g. `0450`.
    pub revenue: &'static str,
    /// Units (days for room and board).
    pub units: u32,
    /// Charge in cents for all units.
    pub cents: i64,
}

/// One visit: registration to discharge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encounter {
    /// Index into [`Day::patients`].
    pub patient: usize,
    /// Visit number (PV1-19), e.g. `V000123`.
    pub visit: String,
    /// Patient class.
    pub class: Class,
    /// Point of care `ward^room^bed` (PV1-3), e.g. `MED^201^A`.
    pub location: String,
    /// The bed an ADT^A02 transfer moves the patient to, if any (inpatients only).
    pub transfer_to: Option<String>,
    /// Attending physician (PV1-7), also the ordering provider.
    pub attending: Doctor,
    /// Registration or admission time `YYYYMMDDHHMM`.
    pub admit: String,
    /// Discharge time `YYYYMMDDHHMM` (ADT^A03).
    pub discharge: String,
    /// Diagnoses (ICD-10-CM without the dot, e.g. `J189`), principal first.
    pub diagnoses: Vec<(&'static str, &'static str)>,
    /// Lab orders (zero to two).
    pub labs: Vec<LabOrder>,
    /// Imaging order, if any.
    pub imaging: Option<ImagingOrder>,
    /// Other charges (visit level, room and board).
    pub charges: Vec<Charge>,
}

/// The whole simulated day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    /// Seed it was generated from.
    pub seed: u64,
    /// Patients (one encounter each).
    pub patients: Vec<Patient>,
    /// Encounters, in registration order.
    pub encounters: Vec<Encounter>,
    /// Physicians on staff.
    pub doctors: Vec<Doctor>,
}

impl Day {
    /// The patient of an encounter.
    pub fn patient(&self, e: &Encounter) -> &Patient {
        &self.patients[e.patient]
    }

    /// Orders placed in the day (lab panels and imaging exams); each gets one result.
    pub fn orders(&self) -> usize {
        self.encounters
            .iter()
            .map(|e| e.labs.len() + usize::from(e.imaging.is_some()))
            .sum()
    }
}

const FAMILY: &[&str] = &[
    "Rivera",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Johansson",
    "Moreau",
    "Silva",
    "O'Neil",
    "Abara",
    "Lindqvist",
    "Petrov",
    "Castillo",
    "Mensah",
];
const GIVEN_F: &[&str] = &[
    "Ada", "Mira", "Sofia", "Amara", "Lena", "Yuki", "Ines", "Grace",
];
const GIVEN_M: &[&str] = &[
    "Ben", "Kofi", "Luis", "Omar", "Jonas", "Ravi", "Theo", "Marek",
];
const STREETS: &[&str] = &[
    "Maple Ave",
    "Oak St",
    "Mill & Pond Rd",
    "Harbor Way",
    "Cedar Ln",
    "Elm Ct",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Springfield", "IL", "62701"),
    ("Riverton", "WY", "82501"),
    ("Fairview", "TN", "37062"),
    ("Salem", "OR", "97301"),
];
const PAYERS: &[(&str, &str)] = &[
    ("PAYER01", "Acme Health Plan"),
    ("PAYER02", "Blue Valley Mutual"),
    ("PAYER03", "State Medicaid Demo"),
];
const DOCTORS: &[(&str, &str, &str)] = &[
    ("1234567893", "House", "Greg"),
    ("1245319599", "Grey", "Meredith"),
    ("1679576722", "Carter", "John"),
    ("1003000126", "Quinn", "Michaela"),
];
const DIAGNOSES: &[(&str, &str)] = &[
    ("J189", "Pneumonia, unspecified organism"),
    ("I10", "Essential (primary) hypertension"),
    ("E119", "Type 2 diabetes mellitus without complications"),
    ("R079", "Chest pain, unspecified"),
    (
        "S52501A",
        "Fracture of lower end of right radius, initial encounter",
    ),
    ("N390", "Urinary tract infection, site not specified"),
];
const OFFICE_VISITS: &[&str] = &["99213", "99214"];
const ED_VISITS: &[&str] = &["99284", "99285"];
const WARDS: &[&str] = &["MED", "SURG", "CARD", "ORTHO"];

/// (code, name, tests: (loinc, name, unit, low, high, typical, spread in tenths))
type Panel = (
    &'static str,
    &'static str,
    i64,
    &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i64,
        i64,
    )],
);
const PANELS: &[Panel] = &[
    (
        "80048",
        "Basic metabolic panel",
        8500,
        &[
            ("2345-7", "Glucose", "mg/dL", "70", "99", 900, 500),
            ("2823-3", "Potassium", "mmol/L", "3.5", "5.1", 42, 14),
            ("2951-2", "Sodium", "mmol/L", "135", "145", 1400, 80),
            ("2160-0", "Creatinine", "mg/dL", "0.6", "1.3", 10, 6),
        ],
    ),
    (
        "85025",
        "CBC with differential",
        4200,
        &[
            ("6690-2", "Leukocytes", "10*3/uL", "4.5", "11.0", 78, 50),
            ("718-7", "Hemoglobin", "g/dL", "12.0", "17.5", 140, 35),
            ("777-3", "Platelets", "10*3/uL", "150", "400", 2600, 1500),
        ],
    ),
    (
        "80061",
        "Lipid panel",
        6100,
        &[
            ("2093-3", "Cholesterol", "mg/dL", "0", "200", 1900, 500),
            ("2571-8", "Triglyceride", "mg/dL", "0", "150", 1400, 700),
            ("2085-9", "HDL Cholesterol", "mg/dL", "40", "200", 500, 150),
        ],
    ),
];
/// (code, name, modality, body part, instances per series, charge). Real CT and MR series
/// hold hundreds of images; a dozen keeps the simulated PACS inbox small.
type Exam = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [usize],
    i64,
);
const EXAMS: &[Exam] = &[
    ("71046", "XR chest 2 views", "CR", "CHEST", &[1, 1], 12000),
    (
        "74177",
        "CT abdomen and pelvis with contrast",
        "CT",
        "ABDOMEN",
        &[12, 12, 2],
        95000,
    ),
    (
        "70551",
        "MRI brain without contrast",
        "MR",
        "HEAD",
        &[8, 8, 6],
        140000,
    ),
    ("76700", "US abdomen complete", "US", "ABDOMEN", &[6], 30000),
];
const IMPRESSIONS: &[&str] = &[
    "No acute findings.",
    "Findings consistent with pneumonia; follow-up in 6 weeks.",
    "Small effusion, R > L; correlate clinically.",
    "Degenerative changes | no fracture.",
];

/// Formats `minutes` after midnight of [`DAY`] as `YYYYMMDDHHMM` (past midnight rolls
/// to the next days, which this simulation never needs beyond 23:59 + 3 days).
fn at(minutes: usize) -> String {
    let day = 11 + minutes / (24 * 60);
    let m = minutes % (24 * 60);
    format!("202403{day:02}{:02}{:02}", m / 60, m % 60)
}

/// A value for a test: typical ± spread tenths, formatted with the range's decimals.
fn measure(
    rng: &mut Rng,
    low: &str,
    high: &str,
    typical: i64,
    spread: i64,
) -> (String, &'static str) {
    let tenths = typical - spread + rng.below((2 * spread + 1) as usize) as i64;
    let decimals = usize::from(low.contains('.') || high.contains('.'));
    let value = if decimals == 1 {
        format!("{}.{}", tenths / 10, tenths % 10)
    } else {
        format!("{}", tenths / 10)
    };
    let v = tenths as f64 / 10.0;
    let (lo, hi): (f64, f64) = (low.parse().unwrap_or(0.0), high.parse().unwrap_or(0.0));
    let flag = if v < lo * 0.7 {
        "LL"
    } else if v < lo {
        "L"
    } else if v > hi * 1.5 {
        "HH"
    } else if v > hi {
        "H"
    } else {
        "N"
    };
    (value, flag)
}

/// Generates the day for `patients` patients from `seed`.
pub fn generate(seed: u64, patients: usize) -> Day {
    let mut rng = Rng::new(seed);
    let doctors: Vec<Doctor> = DOCTORS
        .iter()
        .map(|(npi, f, g)| Doctor {
            npi: npi.to_string(),
            family: f.to_string(),
            given: g.to_string(),
        })
        .collect();
    let mut day = Day {
        seed,
        patients: Vec::with_capacity(patients),
        encounters: Vec::with_capacity(patients),
        doctors: doctors.clone(),
    };
    for i in 0..patients {
        let sex = if rng.chance(50) { "F" } else { "M" };
        let given = rng.pick(if sex == "F" { GIVEN_F } else { GIVEN_M });
        let (city, state, zip) = *rng.pick(CITIES);
        let (payer_id, payer_name) = *rng.pick(PAYERS);
        let phone = format!("(555)010-{:04}", rng.below(10_000));
        let new_phone = rng
            .chance(40)
            .then(|| format!("(555)020-{:04}", rng.below(10_000)));
        day.patients.push(Patient {
            mrn: format!("MRN{:07}", 100_000 + i),
            family: rng.pick(FAMILY).to_string(),
            given: given.to_string(),
            birth_date: format!(
                "{}{:02}{:02}",
                1935 + rng.below(85),
                1 + rng.below(12),
                1 + rng.below(28)
            ),
            sex,
            street: format!("{} {}", 1 + rng.below(9999), rng.pick(STREETS)),
            city: city.into(),
            state: state.into(),
            zip: zip.into(),
            phone,
            new_phone,
            coverage: Coverage {
                payer_id: payer_id.into(),
                payer_name: payer_name.into(),
                member_id: format!("M{:09}", 200_000_000 + rng.below(100_000_000)),
                group: format!("G{:05}", rng.below(100_000)),
                inactive: rng.chance(4),
            },
        });
        let class = match rng.below(100) {
            0..=29 => Class::Inpatient,
            30..=84 => Class::Outpatient,
            _ => Class::Emergency,
        };
        let admit_min = 6 * 60 + rng.below(14 * 60);
        let stay_min = match class {
            Class::Inpatient => (1 + rng.below(3)) * 24 * 60 + rng.below(300),
            _ => 60 + rng.below(300),
        };
        let ward = match class {
            Class::Inpatient => *rng.pick(WARDS),
            Class::Outpatient => "CLINIC",
            Class::Emergency => "ED",
        };
        let location = format!("{ward}^{}^{}", 100 + rng.below(300), rng.pick(&["A", "B"]));
        let transfer_to = (class == Class::Inpatient && rng.chance(35))
            .then(|| format!("{}^{}^A", rng.pick(WARDS), 100 + rng.below(300)));
        let mut diagnoses = vec![*rng.pick(DIAGNOSES)];
        if rng.chance(40) {
            let second = *rng.pick(DIAGNOSES);
            if second != diagnoses[0] {
                diagnoses.push(second);
            }
        }
        let mut labs = Vec::new();
        let n_labs = match rng.below(10) {
            0 | 1 => 0,
            2..=7 => 1,
            _ => 2,
        };
        for k in 0..n_labs {
            let (code, name, charge_cents, tests) = PANELS[(i + k) % PANELS.len()];
            let tests = tests
                .iter()
                .map(|&(loinc, name, unit, low, high, typical, spread)| {
                    let (value, flag) = measure(&mut rng, low, high, typical, spread);
                    LabTest {
                        loinc,
                        name,
                        unit,
                        low,
                        high,
                        value,
                        flag,
                    }
                })
                .collect();
            labs.push(LabOrder {
                placer: format!("LAB{:06}{k}", i),
                code,
                name,
                ordered: at(admit_min + 20 + 10 * k),
                tests,
                charge_cents,
            });
        }
        let imaging = rng.chance(35).then(|| {
            let (code, name, modality, body_part, series, charge_cents) = *rng.pick(EXAMS);
            ImagingOrder {
                placer: format!("IMG{i:06}"),
                accession: format!("ACC{i:06}"),
                code,
                name,
                modality,
                body_part,
                ordered: at(admit_min + 45),
                study_uid: format!("2.25.{}{:06}", 1_000_000 + seed % 1_000_000, i),
                series: series.to_vec(),
                impression: rng.pick(IMPRESSIONS).to_string(),
                charge_cents,
            }
        });
        let mut charges = match class {
            Class::Inpatient => vec![
                Charge {
                    code: "99223",
                    revenue: "0450",
                    units: 1,
                    cents: 32000,
                },
                Charge {
                    code: "99231",
                    revenue: "0120",
                    units: (stay_min / (24 * 60)).max(1) as u32,
                    cents: 180000 * (stay_min / (24 * 60)).max(1) as i64,
                },
            ],
            Class::Outpatient => vec![Charge {
                code: OFFICE_VISITS[rng.below(2)],
                revenue: "0510",
                units: 1,
                cents: 15000 + 2500 * rng.below(4) as i64,
            }],
            Class::Emergency => vec![Charge {
                code: ED_VISITS[rng.below(2)],
                revenue: "0450",
                units: 1,
                cents: 65000 + 5000 * rng.below(5) as i64,
            }],
        };
        charges.retain(|c| c.cents > 0);
        day.encounters.push(Encounter {
            patient: i,
            visit: format!("V{i:07}"),
            class,
            location,
            transfer_to,
            attending: rng.pick(&doctors).clone(),
            admit: at(admit_min),
            discharge: at(admit_min + stay_min),
            diagnoses,
            labs,
            imaging,
            charges,
        });
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_day_other_seed_other_day() {
        assert_eq!(generate(7, 50), generate(7, 50));
        assert_ne!(generate(7, 50), generate(8, 50));
    }

    #[test]
    fn identifiers_are_unique() {
        let day = generate(1, 500);
        let mut ids = std::collections::HashSet::new();
        for e in &day.encounters {
            assert!(ids.insert(e.visit.clone()));
            for l in &e.labs {
                assert!(ids.insert(l.placer.clone()));
            }
            if let Some(im) = &e.imaging {
                assert!(ids.insert(im.accession.clone()));
                assert!(ids.insert(im.study_uid.clone()));
            }
        }
        assert!(day.encounters.iter().any(|e| e.imaging.is_some()));
        assert!(day.encounters.iter().any(|e| e.transfer_to.is_some()));
        assert!(day
            .encounters
            .iter()
            .flat_map(|e| &e.labs)
            .flat_map(|l| &l.tests)
            .any(|t| t.flag != "N"));
    }
}
