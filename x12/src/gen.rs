//! Deterministic generators of large, realistic 837P and 835 interchanges for tests,
//! examples and benchmarks. Not part of the stable API.
//!
//! The same `(claims, seed)` always gives the same bytes; envelope counts and control
//! numbers are consistent, so the output parses with no finding.

/// A small deterministic PRNG (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
}

const LAST: &[&str] = &[
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "MÜLLER",
];
const FIRST: &[&str] = &[
    "JOHN", "MARY", "ROBERT", "PATRICIA", "MICHAEL", "LINDA", "JOSÉ",
];
const CPT: &[&str] = &[
    "99213", "99214", "36415", "80053", "85025", "93000", "71046",
];
const ICD: &[&str] = &["J209", "R05", "E119", "I10", "M545", "Z0000", "K219"];

/// Segment builder that counts segments for SE01.
struct Out {
    buf: Vec<u8>,
    in_set: usize,
}

impl Out {
    fn seg(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"~\n");
        self.in_set += 1;
    }
}

fn money(cents: u32) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn header(out: &mut Out, version: &str, gs01: &str) {
    out.seg(
        "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       \
         *240101*1200*^*00501*000000001*0*T*:",
    );
    out.seg(&format!(
        "GS*{gs01}*SUBMITTER*RECEIVER*20240101*1200*1*X*{version}"
    ));
}

fn trailer(out: &mut Out, sets: usize) {
    out.seg(&format!("GE*{sets}*1"));
    out.seg("IEA*1*000000001");
}

/// An 837P (005010X222A1) interchange holding `claims` claims, 1–4 service lines each,
/// split into transaction sets of at most 5,000 claims.
pub fn professional_837(claims: usize, seed: u64) -> Vec<u8> {
    let mut r = Lcg(seed ^ 0x837);
    let mut out = Out {
        buf: Vec::with_capacity(claims.saturating_mul(900) + 1024),
        in_set: 0,
    };
    header(&mut out, "005010X222A1", "HC");
    let mut sets = 0;
    let mut done = 0;
    while done < claims || sets == 0 {
        sets += 1;
        let n = (claims - done).min(5_000);
        out.in_set = 0;
        let st = format!("{sets:04}");
        out.seg(&format!("ST*837*{st}*005010X222A1"));
        out.seg("BHT*0019*00*0123*20240101*1200*CH");
        out.seg("NM1*41*2*SUBMITTER CLINIC*****46*TGJ23");
        out.seg("PER*IC*JERRY*TE*3055552222");
        out.seg("NM1*40*2*PAYER INC*****46*66783JJT");
        out.seg("HL*1**20*1");
        out.seg("NM1*85*2*BEN KILDARE SERVICE*****XX*9876543210");
        out.seg("N3*234 SEAWAY ST");
        out.seg("N4*MIAMI*FL*33111");
        out.seg("REF*EI*587654321");
        let mut hl = 1;
        for c in 0..n {
            hl += 1;
            let last = LAST[r.below(LAST.len() as u32) as usize];
            let first = FIRST[r.below(FIRST.len() as u32) as usize];
            out.seg(&format!("HL*{hl}*1*22*0"));
            out.seg("SBR*P*18*******CI");
            out.seg(&format!(
                "NM1*IL*1*{last}*{first}*T***MI*{:09}",
                r.below(1_000_000_000)
            ));
            out.seg(&format!("N3*{} MAIN ST", r.below(9_999) + 1));
            out.seg("N4*KEY WEST*FL*33040");
            out.seg(&format!(
                "DMG*D8*19{:02}{:02}{:02}*{}",
                r.below(90) + 10,
                r.below(12) + 1,
                r.below(28) + 1,
                if r.below(2) == 0 { "F" } else { "M" }
            ));
            out.seg("NM1*PR*2*PAYER INC*****PI*999996666");
            let lines = r.below(4) + 1;
            let charges: Vec<u32> = (0..lines).map(|_| r.below(50_000) + 500).collect();
            let total: u32 = charges.iter().sum();
            out.seg(&format!(
                "CLM*{:08}*{}***11:B:1*Y*A*Y*Y",
                done + c,
                money(total)
            ));
            out.seg(&format!(
                "HI*ABK:{}*ABF:{}",
                ICD[r.below(ICD.len() as u32) as usize],
                ICD[r.below(ICD.len() as u32) as usize]
            ));
            out.seg("NM1*82*1*KILDARE*BEN****XX*1234567893");
            for (i, ch) in charges.iter().enumerate() {
                out.seg(&format!("LX*{}", i + 1));
                out.seg(&format!(
                    "SV1*HC:{}:25*{}*UN*1***1",
                    CPT[r.below(CPT.len() as u32) as usize],
                    money(*ch)
                ));
                out.seg(&format!("DTP*472*D8*202401{:02}", r.below(28) + 1));
            }
        }
        done += n;
        let count = out.in_set + 1;
        out.seg(&format!("SE*{count}*{st}"));
    }
    trailer(&mut out, sets);
    out.buf
}

/// An 835 (005010X221A1) interchange holding `claims` claim payments, 1–3 service lines
/// each with CAS adjustments, split into transaction sets of at most 5,000 claims.
pub fn remittance_835(claims: usize, seed: u64) -> Vec<u8> {
    let mut r = Lcg(seed ^ 0x835);
    let mut out = Out {
        buf: Vec::with_capacity(claims.saturating_mul(700) + 1024),
        in_set: 0,
    };
    header(&mut out, "005010X221A1", "HP");
    let mut sets = 0;
    let mut done = 0;
    while done < claims || sets == 0 {
        sets += 1;
        let n = (claims - done).min(5_000);
        out.in_set = 0;
        let st = format!("{sets:04}");
        // Claims first (into their own buffer): BPR02 is the sum of their payments.
        let mut body = Out {
            buf: Vec::with_capacity(n.saturating_mul(700)),
            in_set: 0,
        };
        let mut paid_total: u64 = 0;
        for c in 0..n {
            let last = LAST[r.below(LAST.len() as u32) as usize];
            let first = FIRST[r.below(FIRST.len() as u32) as usize];
            let lines = r.below(3) + 1;
            let charges: Vec<u32> = (0..lines).map(|_| r.below(50_000) + 500).collect();
            let adj: Vec<u32> = charges.iter().map(|c| c / 5).collect();
            let total: u32 = charges.iter().sum();
            let paid: u32 = total - adj.iter().sum::<u32>();
            paid_total += u64::from(paid);
            body.seg(&format!(
                "CLP*{:08}*1*{}*{}**12*{:010}*11*1",
                done + c,
                money(total),
                money(paid),
                r.below(1_000_000_000)
            ));
            body.seg(&format!(
                "NM1*QC*1*{last}*{first}****MI*{:09}",
                r.below(1_000_000_000)
            ));
            body.seg("DTM*232*20240105");
            for (ch, a) in charges.iter().zip(&adj) {
                body.seg(&format!(
                    "SVC*HC:{}*{}*{}**1",
                    CPT[r.below(CPT.len() as u32) as usize],
                    money(*ch),
                    money(ch - a)
                ));
                body.seg("DTM*472*20240105");
                body.seg(&format!("CAS*CO*45*{}", money(*a)));
                body.seg("AMT*B6*0");
            }
        }
        out.seg(&format!("ST*835*{st}*005010X221A1"));
        out.seg(&format!(
            "BPR*I*{}.{:02}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20240101",
            paid_total / 100,
            paid_total % 100
        ));
        out.seg(&format!("TRN*1*{:010}*1512345678", sets));
        out.seg("DTM*405*20240101");
        out.seg("N1*PR*INSURANCE COMPANY");
        out.seg("N3*1 INSURANCE WAY");
        out.seg("N4*CENTERVILLE*PA*17111");
        out.seg("REF*2U*999");
        out.seg("PER*BL*TECHNICAL SUPPORT*TE*8005551212");
        out.seg("N1*PE*PROVIDER CLINIC*XX*1234567893");
        out.seg("REF*TJ*123456789");
        out.seg("LX*1");
        out.buf.extend_from_slice(&body.buf);
        out.in_set += body.in_set;
        done += n;
        let count = out.in_set + 1;
        out.seg(&format!("SE*{count}*{st}"));
    }
    trailer(&mut out, sets);
    out.buf
}

/// Concatenated 837P and 835 interchanges, repeated until the output is at least
/// `min_bytes` long (each interchange holds `claims_per_interchange` claims).
pub fn mixed(min_bytes: usize, claims_per_interchange: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(min_bytes + 1_000_000);
    let mut k = 0u64;
    while out.len() < min_bytes {
        out.extend(professional_837(
            claims_per_interchange,
            seed.wrapping_add(k),
        ));
        out.extend(remittance_835(claims_per_interchange, seed.wrapping_add(k)));
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_parse_clean_and_are_deterministic() {
        for input in [professional_837(120, 7), remittance_835(120, 7)] {
            let doc = crate::Document::parse(&input).expect("parses");
            assert!(doc.findings().is_empty(), "{:?}", doc.findings());
            assert!(doc.segment_count() > 1_000);
        }
        assert_eq!(professional_837(50, 1), professional_837(50, 1));
        assert_ne!(professional_837(50, 1), professional_837(50, 2));
        let big = professional_837(25_000, 3);
        assert!(big.len() >= 10_000_000, "{}", big.len());
        let doc = crate::Document::parse(&big).expect("parses");
        assert!(doc.findings().is_empty());
    }

    #[test]
    fn streaming_and_slice_scans_agree_on_generated_input() {
        // Generated data holds UTF-8 names (bytes >= 0x80) next to separators.
        let input = mixed(300_000, 300, 9);
        let doc = crate::Document::parse(&input).expect("parses");
        let streamed: Vec<_> = crate::SegmentReader::new(&input[..])
            .collect::<Result<_, _>>()
            .expect("streams");
        assert_eq!(streamed.len(), doc.segment_count());
        for (seg, got) in doc.segments().zip(&streamed) {
            assert_eq!(got.offset() as usize, seg.offset());
            assert_eq!(got.raw(), seg.raw());
            assert_eq!(got.element_count(), seg.element_count());
            for k in 0..=seg.element_count() {
                assert_eq!(got.raw_element(k), seg.raw_element(k));
            }
        }
    }
}
