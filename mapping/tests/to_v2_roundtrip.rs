//! v2 → FHIR → v2 keeps every mapped field (property test).
//!
//! The generator writes ADT^A01/A08, ORU^R01, ORM^O01 and OML^O21 messages whose fields are exactly the
//! ones `v2::to_fhir` reads (its SPECS tables), with random values in the canonical
//! form of each normalisation the reverse mapping documents (coding-system names
//! `LN`/`SCT`/`HL7nnnn`, set ids from 1, PID identifiers in PID-3, ORC copying OBR-2/3/16,
//! numbers in shortest form, times with seconds). Both messages are re-parsed with
//! carewire-hl7 and compared segment by segment and field by field (raw, escaped text),
//! so any lost or moved component fails. The forward report of the generated message,
//! the reverse report and the forward report of the round-tripped message are all
//! empty.

use carewire_hl7::{Message, MessageBuilder};
use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
use carewire_mapping::v2::to_fhir;
use proptest::prelude::*;

/// A segment: id and (path suffix, text) pairs, e.g. ("5[2].1", "Doe").
type Seg = (&'static str, Vec<(String, String)>);

fn tok() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9]{0,7}"
}

/// Text with delimiters and the escape character inside (never at the ends).
fn txt() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => tok(),
        1 => "[A-Za-z][A-Za-z0-9 |^&~\\\\]{0,10}[A-Za-z0-9]",
    ]
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..2030, 1u32..13, 1u32..29, 0u8..3).prop_map(|(y, m, d, p)| match p {
        0 => format!("{y:04}"),
        1 => format!("{y:04}{m:02}"),
        _ => format!("{y:04}{m:02}{d:02}"),
    })
}

/// A DTM with seconds and an offset (FHIR instant/dateTime shape).
fn dtm_time() -> impl Strategy<Value = String> {
    (
        1900u32..2030,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
        prop::option::of("[0-9]{0,3}[1-9]"),
        prop::sample::select(&["+0000", "+0100", "-0500", "+0530", "-1000"][..]),
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, off)| {
            let f = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{f}{off}")
        })
}

fn dtm() -> impl Strategy<Value = String> {
    prop_oneof![date(), dtm_time()]
}

fn number() -> impl Strategy<Value = String> {
    (any::<bool>(), 0u32..10_000, prop::option::of("[0-9]?[1-9]")).prop_map(|(neg, i, f)| {
        let mut s = i.to_string();
        if let Some(f) = f {
            s.push('.');
            s.push_str(&f);
        }
        if neg && s != "0" {
            s.insert(0, '-');
        }
        s
    })
}

fn unsigned() -> impl Strategy<Value = String> {
    number().prop_map(|n| n.trim_start_matches('-').to_string())
}

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

/// Puts `(component, text)` pairs under field prefix `p` (`5` or `5[2]`).
fn comps(p: &str, parts: Vec<(usize, Option<String>)>) -> Vec<(String, String)> {
    parts
        .into_iter()
        .filter_map(|(c, t)| t.filter(|t| !t.is_empty()).map(|t| (format!("{p}.{c}"), t)))
        .collect()
}

fn fld(p: usize, r: usize) -> String {
    if r > 1 {
        format!("{p}[{r}]")
    } else {
        p.to_string()
    }
}

const SYSTEMS: &[&str] = &["LN", "SCT", "I10", "UCUM", "RXN", "HL70396"];

/// A CWE: code^display^system[^alt^altdisplay^altsystem][^^^text]; `table` is the
/// primary system when given (fields read as two concepts in one FHIR array need it).
fn cwe(table: Option<&'static str>) -> impl Strategy<Value = Vec<(usize, Option<String>)>> {
    (
        tok(),
        opt(txt()),
        prop::sample::select(SYSTEMS),
        opt((tok(), opt(txt()), prop::sample::select(SYSTEMS))),
        opt(txt()),
    )
        .prop_map(move |(code, disp, sys, alt, text)| {
            let mut v = vec![
                (1, Some(code)),
                (2, disp),
                (3, Some(table.unwrap_or(sys).to_string())),
            ];
            if let Some((c, d, s)) = alt {
                v.extend([(4, Some(c)), (5, d), (6, Some(s.to_string()))]);
            }
            v.push((9, text));
            v
        })
}

fn hd_sub() -> impl Strategy<Value = Vec<(usize, Option<String>)>> {
    // HD inside a component: namespace & oid & ISO
    prop_oneof![
        tok().prop_map(|ns| vec![(1, Some(ns))]),
        (opt(tok()), "[1-9](\\.[0-9]{1,3}){1,4}").prop_map(|(ns, oid)| vec![
            (1, ns),
            (2, Some(oid)),
            (3, Some("ISO".into()))
        ]),
    ]
}

fn sub_in(p: &str, c: usize, subs: Vec<(usize, Option<String>)>) -> Vec<(String, String)> {
    subs.into_iter()
        .filter_map(|(s, t)| t.map(|t| (format!("{p}.{c}.{s}"), t)))
        .collect()
}

fn cx(p: String) -> impl Strategy<Value = Vec<(String, String)>> {
    (
        tok(),
        opt(hd_sub()),
        opt(prop::sample::select(&["MR", "PI", "AN", "PT", "VN"][..])),
        opt(dtm()),
        opt(dtm()),
    )
        .prop_map(move |(v, hd, ty, from, to)| {
            let mut out = comps(
                &p,
                vec![
                    (1, Some(v)),
                    (5, ty.map(str::to_string)),
                    (7, from),
                    (8, to),
                ],
            );
            if let Some(hd) = hd {
                out.extend(sub_in(&p, 4, hd));
            }
            out
        })
}

fn xpn(p: String) -> impl Strategy<Value = Vec<(String, String)>> {
    (
        txt(),
        opt((tok(), opt(tok()))),
        opt((tok(), opt(tok()))),
        opt(tok()),
        opt(prop::sample::select(
            &["L", "D", "M", "N", "MSK", "TEMP", "BAD"][..],
        )),
    )
        .prop_map(move |(fam, given, suffix, prefix, ty)| {
            let (g1, g2) = given.map_or((None, None), |(a, b)| (Some(a), b));
            let (s1, s2) = suffix.map_or((None, None), |(a, b)| (Some(a), b));
            comps(
                &p,
                vec![
                    (1, Some(fam)),
                    (2, g1),
                    (3, g2),
                    (4, s1),
                    (5, prefix),
                    (6, s2),
                    (7, ty.map(str::to_string)),
                ],
            )
        })
}

fn xad(p: String) -> impl Strategy<Value = Vec<(String, String)>> {
    (
        opt((txt(), opt(txt()))),
        txt(),
        opt(tok()),
        opt("[0-9]{5}"),
        opt("[A-Z]{3}"),
        opt(prop::sample::select(
            &["H", "B", "C", "BA", "BI", "M", "SH"][..],
        )),
        opt(tok()),
    )
        .prop_map(move |(lines, city, state, zip, country, ty, district)| {
            let (l1, l2) = lines.map_or((None, None), |(a, b)| (Some(a), b));
            comps(
                &p,
                vec![
                    (1, l1),
                    (2, l2),
                    (3, Some(city)),
                    (4, state),
                    (5, zip),
                    (6, country),
                    (7, ty.map(str::to_string)),
                    (9, district),
                ],
            )
        })
}

/// XTN in the forms the reverse mapping writes: `use` is PRN (home fields) or WPN.
fn xtn(p: String, use_: &'static str) -> impl Strategy<Value = Vec<(String, String)>> {
    let equip: &'static [&'static str] = &["PH", "FX", "BP"];
    prop_oneof![
        (
            prop::sample::select(equip),
            opt("[1-9][0-9]{0,2}"),
            "[1-9][0-9]{2}",
            "[0-9]{7}",
            opt("[0-9]{1,4}")
        )
            .prop_map({
                let p = p.clone();
                move |(eq, cc, area, local, ext)| {
                    comps(
                        &p,
                        vec![
                            (2, Some(use_.into())),
                            (3, Some(eq.into())),
                            (5, cc),
                            (6, Some(area)),
                            (7, Some(local)),
                            (8, ext),
                        ],
                    )
                }
            }),
        "[a-z]{1,8}@[a-z]{1,8}\\.org".prop_map({
            let p = p.clone();
            move |mail| {
                comps(
                    &p,
                    vec![
                        (2, Some(use_.into())),
                        (3, Some("Internet".into())),
                        (4, Some(mail)),
                    ],
                )
            }
        }),
        "[0-9]{3}-[0-9]{4}".prop_map({
            let p = p.clone();
            move |t| {
                comps(
                    &p,
                    vec![(1, Some(t)), (2, Some(use_.into())), (3, Some("PH".into()))],
                )
            }
        }),
    ]
}

/// XCN with a unique id (`@` is replaced by a counter when the message is rendered).
fn xcn(p: String) -> impl Strategy<Value = Vec<(String, String)>> {
    (
        opt(txt()),
        opt((tok(), opt(tok()))),
        opt(tok()),
        opt(tok()),
        opt(hd_sub()),
        opt(prop::sample::select(&["NPI", "PRN", "EI"][..])),
    )
        .prop_map(move |(fam, given, suf, pre, hd, ty)| {
            let (g1, g2) = given.map_or((None, None), |(a, b)| (Some(a), b));
            let mut out = comps(
                &p,
                vec![
                    (1, Some("@".into())),
                    (2, fam),
                    (3, g1),
                    (4, g2),
                    (5, suf),
                    (6, pre),
                    (13, ty.map(str::to_string)),
                ],
            );
            if let Some(hd) = hd {
                out.extend(sub_in(&p, 9, hd));
            }
            out
        })
}

fn reps<S: Strategy<Value = Vec<(String, String)>> + 'static>(
    f: usize,
    n: std::ops::Range<usize>,
    mk: impl Fn(String) -> S + Clone + 'static,
) -> impl Strategy<Value = Vec<(String, String)>> {
    n.prop_flat_map(move |k| {
        (1..=k)
            .map(|r| mk(fld(f, r)).boxed())
            .collect::<Vec<_>>()
            .prop_map(|v: Vec<Vec<(String, String)>>| v.concat())
    })
}

fn one(
    f: usize,
    s: impl Strategy<Value = Vec<(usize, Option<String>)>>,
) -> impl Strategy<Value = Vec<(String, String)>> {
    s.prop_map(move |v| comps(&f.to_string(), v))
}

fn whole(
    f: usize,
    s: impl Strategy<Value = String>,
) -> impl Strategy<Value = Vec<(String, String)>> {
    s.prop_map(move |t| vec![(f.to_string(), t)])
}

fn maybe(
    s: impl Strategy<Value = Vec<(String, String)>>,
) -> impl Strategy<Value = Vec<(String, String)>> {
    opt(s).prop_map(Option::unwrap_or_default)
}

/// Placer and filler numbers (unique `@` with namespace and universal id), written
/// alike into ORC and OBR (ORC-2/3 = OBR-2/3).
fn order_ids(
    orc: &mut Vec<(String, String)>,
    obr: &mut Vec<(String, String)>,
    ids: [Option<Vec<(String, String)>>; 2],
) {
    for id in ids.into_iter().flatten() {
        orc.extend(id.iter().cloned());
        obr.extend(id);
    }
}

/// One requester in ORC-12 and OBR-16 (the forward mapping keeps one); a unique `@`
/// becomes `REQ{i}`.
fn requester(
    orc: &mut Vec<(String, String)>,
    obr: &mut Vec<(String, String)>,
    req: Option<Vec<(String, String)>>,
    i: usize,
) {
    if let Some(mut r) = req {
        for (_, t) in r.iter_mut().filter(|(_, t)| t == "@") {
            *t = format!("REQ{i}");
        }
        orc.extend(
            r.iter()
                .map(|(p, t)| (p.replacen("16", "12", 1), t.clone())),
        );
        obr.extend(r);
    }
}

fn seg(id: &'static str, parts: Vec<Vec<(String, String)>>) -> Seg {
    (id, parts.concat())
}

fn hd_field(f: usize, name: &'static str) -> impl Strategy<Value = Vec<(String, String)>> {
    opt("[1-9](\\.[0-9]{1,3}){1,4}").prop_map(move |oid| {
        let mut v = vec![(format!("{f}.1"), name.to_string())];
        if let Some(o) = oid {
            // A universal id names one organization: two fields holding the same OID
            // with different namespaces would be contradictory input (the mapping keeps
            // one Organization per OID), so each field gets its own final arc.
            v.push((format!("{f}.2"), format!("{o}.{f}0")));
            v.push((format!("{f}.3"), "ISO".into()));
        }
        v
    })
}

fn msh(trigger: &'static str) -> impl Strategy<Value = Seg> {
    (
        hd_field(3, "SNDAPP"),
        hd_field(4, "SNDFAC"),
        hd_field(5, "RCVAPP"),
        hd_field(6, "RCVFAC"),
        dtm_time(),
        "[A-Z0-9]{1,12}",
        prop::sample::select(&["P", "T", "D"][..]),
    )
        .prop_map(move |(a, b, c, d, ts, ctl, pid)| {
            let (code, structure) = match trigger {
                "R01" => ("ORU", "ORU_R01"),
                "O01" => ("ORM", "ORM_O01"),
                "O21" => ("OML", "OML_O21"),
                _ => ("ADT", "ADT_A01"),
            };
            seg(
                "MSH",
                vec![
                    a,
                    b,
                    c,
                    d,
                    vec![
                        ("7".into(), ts),
                        ("9.1".into(), code.into()),
                        ("9.2".into(), trigger.into()),
                        ("9.3".into(), structure.into()),
                        ("10".into(), ctl),
                        ("11".into(), pid.into()),
                        ("12".into(), "2.5.1".into()),
                    ],
                ],
            )
        })
}

fn evn(trigger: &'static str) -> impl Strategy<Value = Seg> {
    (
        dtm_time(),
        maybe(one(4, cwe(Some("HL70062")))),
        maybe(xcn("5".into())),
        maybe(whole(6, dtm())),
    )
        .prop_map(move |(rec, reason, op, occ)| {
            seg(
                "EVN",
                vec![
                    vec![("1".into(), trigger.into()), ("2".into(), rec)],
                    reason,
                    op,
                    occ,
                ],
            )
        })
}

fn pid() -> impl Strategy<Value = Seg> {
    let a = (
        reps(3, 1..4, cx),
        reps(5, 1..3, xpn),
        maybe(
            whole(6, txt())
                .prop_map(|v| v.into_iter().map(|(_, t)| ("6.1".to_string(), t)).collect()),
        ),
        maybe(whole(7, dtm())),
        maybe(whole(
            8,
            prop::sample::select(&["F", "M", "U", "O"][..]).prop_map(str::to_string),
        )),
        reps(11, 0..3, xad),
    );
    let b = (
        reps(13, 0..3, |p| {
            prop_oneof![
                xtn(p.clone(), "PRN"),
                ("[1-9][0-9]{2}", "[0-9]{7}").prop_map(move |(a, l)| comps(
                    &p,
                    vec![
                        (2, Some("PRS".into())),
                        (3, Some("CP".into())),
                        (6, Some(a)),
                        (7, Some(l))
                    ]
                )),
            ]
        }),
        reps(14, 0..3, |p| xtn(p, "WPN")),
        maybe(one(15, cwe(None))),
        maybe(one(16, cwe(Some("HL70002")))),
        maybe(one(17, cwe(Some("HL70006")))),
        maybe(whole(19, "[0-9]{3}-[0-9]{2}-[0-9]{4}")),
    );
    let c = (
        (
            reps(10, 0..3, |p| {
                race(
                    p,
                    &[
                        "1002-5", "2028-9", "2054-5", "2076-8", "2106-3", "2029-7", "UNK",
                    ],
                )
            }),
            reps(22, 0..2, |p| {
                race(p, &["2135-2", "2186-5", "2148-5", "ASKU"])
            }),
            maybe(cx("18".into())),
        ),
        maybe(whole(23, txt())),
        prop_oneof![
            Just(vec![]),
            (1u8..10).prop_map(|n| vec![("24".into(), "Y".into()), ("25".into(), n.to_string())]),
            prop::sample::select(&["Y", "N"][..]).prop_map(|y| vec![("24".into(), y.into())]),
        ],
        prop_oneof![
            Just(vec![]),
            dtm().prop_map(|d| vec![("29".into(), d), ("30".into(), "Y".into())]),
            prop::sample::select(&["Y", "N"][..]).prop_map(|y| vec![("30".into(), y.into())]),
        ],
    );
    (a, b, c).prop_map(|(a, b, c)| {
        let (race, ethnicity, account) = c.0;
        let c = (c.1, c.2, c.3);
        seg(
            "PID",
            vec![
                race,
                ethnicity,
                account,
                vec![("1".into(), "1".into())],
                a.0,
                a.1,
                a.2,
                a.3,
                a.4,
                a.5,
                b.0,
                b.1,
                b.2,
                b.3,
                b.4,
                b.5,
                c.0,
                c.1,
                c.2,
            ],
        )
    })
}

/// A race / ethnicity CWE: CDC code (or a null flavor), display, `CDCREC`/`NULLFL`.
fn race(p: String, codes: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::sample::select(codes),
        opt("[A-Za-z][A-Za-z ]{0,10}[a-z]"),
    )
        .prop_map(move |(c, d)| {
            let sys = if c.contains('-') { "CDCREC" } else { "NULLFL" };
            comps(
                &p,
                vec![(1, Some(c.to_string())), (2, d), (3, Some(sys.into()))],
            )
        })
}

fn pd1() -> impl Strategy<Value = Option<Seg>> {
    opt(reps(4, 1..3, xcn).prop_map(|v| seg("PD1", vec![v])))
}

fn nk1() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        reps(2, 1..3, xpn),
        maybe(one(3, cwe(Some("HL70063")))),
        reps(4, 0..2, xad),
        reps(5, 0..2, |p| xtn(p, "PRN")),
        reps(6, 0..2, |p| xtn(p, "WPN")),
        maybe(one(7, cwe(Some("HL70131")))),
        maybe(whole(8, dtm())),
        maybe(whole(9, dtm())),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| [a, b, c, d, e, f, g, h].concat())
}

/// PL; PV1-3 and PV1-6 get different parts (`3…`/`6…`): the forward mapping keys a
/// Location on PL.1-4/7/8, so two locations with the same parts are one resource.
fn pl(f: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    let t = move || "[A-Z0-9]{1,4}".prop_map(move |s| format!("{f}{s}"));
    (
        prop_oneof![
            (opt(t()), t(), opt((t(), opt(t())))).prop_map(|(fac, poc, rb)| {
                let (room, bed) = rb.map_or((None, None), |(r, b)| (Some(r), b));
                (fac, Some(poc), room, bed)
            }),
            t().prop_map(|fac| (Some(fac), None, None, None)),
        ],
        opt(txt()),
    )
        .prop_map(move |((fac, poc, room, bed), desc)| {
            let p = f.to_string();
            let mut v = comps(&p, vec![(1, poc), (2, room), (3, bed), (9, desc)]);
            if let Some(fac) = fac {
                v.push((format!("{f}.4.1"), fac));
            }
            v
        })
}

fn pv1() -> impl Strategy<Value = (Seg, Option<Seg>)> {
    let a = (
        prop::sample::select(&["E", "I", "O", "P", "R", "B", "C", "N", "U"][..]),
        maybe(pl(3)),
        maybe(one(4, cwe(Some("HL70007")))),
        maybe(pl(6)),
        reps(7, 0..3, xcn),
        reps(8, 0..2, xcn),
        reps(9, 0..2, xcn),
    );
    let b = (
        maybe(one(10, cwe(Some("HL70069")))),
        maybe(one(14, cwe(Some("HL70023")))),
        reps(17, 0..2, xcn),
        maybe(one(18, cwe(Some("HL70018")))),
        maybe(cx("19".into())),
        maybe(one(36, cwe(Some("HL70112")))),
        maybe(whole(44, dtm())),
        maybe(whole(45, dtm())),
    );
    let pv2 = opt(one(3, cwe(None)).prop_map(|v| seg("PV2", vec![v])));
    (a, b, pv2).prop_map(|(a, b, pv2)| {
        (
            seg(
                "PV1",
                vec![
                    vec![("1".into(), "1".into()), ("2".into(), a.0.into())],
                    a.1,
                    a.2,
                    a.3,
                    a.4,
                    a.5,
                    a.6,
                    b.0,
                    b.1,
                    b.2,
                    b.3,
                    b.4,
                    b.5,
                    b.6,
                    b.7,
                ],
            ),
            pv2,
        )
    })
}

fn unit() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::sample::select(&["mg/dL", "g/L", "mmol/L", "%", "10*3/uL"][..]),
        opt("[a-z]{2,6} [a-z]{2,4}"),
    )
        .prop_map(|(c, t)| {
            comps(
                "6",
                vec![(1, Some(c.into())), (2, t), (3, Some("UCUM".into()))],
            )
        })
}

/// OBX-2, OBX-5 (and OBX-6 for quantities).
fn value() -> impl Strategy<Value = Vec<(String, String)>> {
    let w = |ty: &str, v: Vec<(String, String)>| {
        let mut out = vec![("2".to_string(), ty.to_string())];
        out.extend(v);
        out
    };
    prop_oneof![
        (number(), maybe(unit()))
            .prop_map(move |(n, u)| [w("NM", vec![("5".into(), n)]), u].concat()),
        (
            prop::sample::select(&["<", ">", "<=", ">="][..]),
            number(),
            maybe(unit())
        )
            .prop_map(move |(c, n, u)| [
                w("SN", vec![("5.1".into(), c.into()), ("5.2".into(), n)]),
                u
            ]
            .concat()),
        (number(), number(), maybe(unit())).prop_map(move |(a, b, u)| [
            w(
                "SN",
                vec![
                    ("5.2".into(), a),
                    ("5.3".into(), "-".into()),
                    ("5.4".into(), b)
                ]
            ),
            u
        ]
        .concat()),
        (number(), number()).prop_map(move |(a, b)| w(
            "SN",
            vec![
                ("5.2".into(), a),
                ("5.3".into(), ":".into()),
                ("5.4".into(), b)
            ]
        )),
        txt().prop_map(move |t| w("ST", vec![("5".into(), t)])),
        prop::collection::vec(txt(), 2..4).prop_map(move |ls| w(
            "TX",
            ls.into_iter()
                .enumerate()
                .map(|(i, l)| (fld(5, i + 1), l))
                .collect()
        )),
        cwe(None).prop_map(move |c| w("CWE", comps("5", c))),
        date().prop_map(move |d| w("DT", vec![("5".into(), d)])),
        dtm_time().prop_map(move |d| w("DTM", vec![("5".into(), d)])),
        (0u32..24, 0u32..60, 0u32..60, opt("[0-9]{0,3}[1-9]")).prop_map(move |(h, m, s, f)| {
            let f = f.map(|f| format!(".{f}")).unwrap_or_default();
            w("TM", vec![("5".into(), format!("{h:02}{m:02}{s:02}{f}"))])
        }),
        (opt(dtm()), opt(dtm()))
            .prop_filter("a start or an end", |(a, b)| a.is_some() || b.is_some())
            .prop_map(move |(a, b)| w(
                "DR",
                [
                    a.map(|a| ("5.1".to_string(), a)),
                    b.map(|b| ("5.2".to_string(), b))
                ]
                .into_iter()
                .flatten()
                .collect()
            )),
        Just(vec![]),
    ]
}

fn nte() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(txt(), 1..3)
}

fn nte_seg(n: usize, lines: Vec<String>) -> Seg {
    let mut v = vec![("1".to_string(), n.to_string())];
    for (i, l) in lines.into_iter().enumerate() {
        v.push((fld(3, i + 1), l));
    }
    ("NTE", v)
}

/// OBX fields except set id and OBX-14; the notes.
/// OBX fields (without set id and OBX-14), OBX-14, the notes' lines.
type Obx = (Vec<(String, String)>, Option<String>, Vec<Vec<String>>);

fn obx() -> impl Strategy<Value = Obx> {
    (
        one(3, cwe(None)),
        value(),
        maybe(whole(
            7,
            prop_oneof![
                (unsigned(), unsigned()).prop_map(|(a, b)| format!("{a}-{b}")),
                "[<>]=?[1-9][0-9]{0,2}",
                "[a-z]{3,9}",
            ],
        )),
        reps(8, 0..3, |p| {
            prop::sample::select(&["H", "L", "N", "A", "HH", "LL", "POS", "NEG"][..])
                .prop_map(move |c| vec![(p.clone(), c.to_string())])
        }),
        maybe(whole(
            11,
            prop::sample::select(&["A", "C", "D", "F", "P", "X", "R"][..]).prop_map(str::to_string),
        )),
        opt(dtm()),
        reps(16, 0..3, xcn),
        maybe(one(17, cwe(None))),
        (
            // OBX-23 performing organization (unique id) with an OBX-24 address.
            maybe((txt(), maybe(xad("24".into()))).prop_map(|(n, a)| {
                [comps("23", vec![(1, Some(n)), (10, Some("@".into()))]), a].concat()
            })),
            // OBX-15 producer: a CLIA id and a name.
            maybe(opt(txt()).prop_map(|n| {
                comps(
                    "15",
                    vec![(1, Some("@".into())), (2, n), (3, Some("CLIA".into()))],
                )
            })),
            maybe(whole(19, dtm())),
        ),
        prop::collection::vec(nte(), 0..2),
    )
        .prop_map(
            |(code, val, range, flags, st, eff, perf, method, (org, producer, analysis), notes)| {
                (
                    [
                        code, val, range, flags, st, perf, method, org, producer, analysis,
                    ]
                    .concat(),
                    eff,
                    notes,
                )
            },
        )
}

fn push_obx(
    segs: &mut Vec<Seg>,
    set: usize,
    (fields, eff, notes): Obx,
    group_time: Option<&String>,
) {
    let mut v = vec![("1".to_string(), set.to_string())];
    v.extend(fields);
    if let Some(e) = eff.filter(|e| Some(e) != group_time) {
        v.push(("14".into(), e));
    }
    segs.push(("OBX", v));
    for (i, n) in notes.into_iter().enumerate() {
        segs.push(nte_seg(i + 1, n));
    }
}

fn al1_segs() -> impl Strategy<Value = Vec<Seg>> {
    let al1 = (
        prop::sample::select(&["DA", "FA", "EA"][..]),
        one(3, cwe(None)),
        prop::sample::select(&["SV", "MO", "U"][..]),
        reps(5, 0..3, |p| tok().prop_map(move |t| vec![(p.clone(), t)])),
        maybe(whole(6, date())),
    );
    prop::collection::vec(al1, 0..3).prop_map(|al1s| {
        let mut segs = Vec::new();
        for (i, (cat, code, sev, react, onset)) in al1s.into_iter().enumerate() {
            segs.push(seg(
                "AL1",
                vec![
                    vec![
                        ("1".into(), (i + 1).to_string()),
                        ("2.1".into(), cat.into()),
                        ("4.1".into(), sev.into()),
                    ],
                    code,
                    react,
                    onset,
                ],
            ));
        }
        segs
    })
}

fn in1_segs() -> impl Strategy<Value = Vec<Seg>> {
    let in1 = (
        tok(),
        opt("[1-9](\\.[0-9]{1,3}){1,4}"),
        txt(),
        opt((tok(), opt(txt()))),
        opt(date()),
        opt(date()),
        opt(prop::sample::select(
            &["SEL", "SPO", "CHD", "DOM", "EME"][..],
        )),
        opt(tok()),
    );
    prop::collection::vec(in1, 0..3).prop_map(|in1s| {
        let mut segs = Vec::new();
        for (i, (plan, oid, payor, group, from, to, rel, policy)) in in1s.into_iter().enumerate() {
            let mut v = vec![
                ("1".to_string(), (i + 1).to_string()),
                ("2.1".into(), plan),
                ("4.1".into(), payor),
            ];
            if let Some(oid) = oid {
                v.push(("3.1".into(), "@".into()));
                v.push(("3.4.2".into(), oid));
                v.push(("3.4.3".into(), "ISO".into()));
            }
            if let Some((g, name)) = group {
                v.push(("8".into(), g));
                if let Some(n) = name {
                    v.push(("9.1".into(), n));
                }
            }
            v.extend(from.map(|d| ("12".to_string(), d)));
            v.extend(to.map(|d| ("13".to_string(), d)));
            v.extend(rel.map(|r| ("17.1".to_string(), r.to_string())));
            v.extend(policy.map(|p| ("36".to_string(), p)));
            segs.push(("IN1", v));
        }
        segs
    })
}

fn adt(trigger: &'static str) -> impl Strategy<Value = Vec<Seg>> {
    let head = (msh(trigger), evn(trigger), pid(), pd1());
    let mid = (
        prop::collection::vec(nk1(), 0..3),
        opt(pv1()),
        prop::collection::vec(obx(), 0..3),
    );
    let dg1 = (
        one(3, cwe(Some("I10"))),
        maybe(whole(5, dtm())),
        maybe(one(6, cwe(Some("HL70052")))),
    );
    let pr1 = (
        one(3, cwe(None)),
        maybe(whole(5, dtm())),
        reps(12, 0..3, xcn),
    );
    let tail = (
        al1_segs(),
        prop::collection::vec(dg1, 0..3),
        prop::collection::vec(pr1, 0..3),
        in1_segs(),
    );
    (head, mid, tail).prop_map(
        |((msh, evn, pid, pd1), (nk1s, pv1, obxs), (al1s, dg1s, pr1s, in1s))| {
            let mut segs = vec![msh, evn, pid];
            segs.extend(pd1);
            for (i, n) in nk1s.into_iter().enumerate() {
                segs.push(seg("NK1", vec![vec![("1".into(), (i + 1).to_string())], n]));
            }
            if let Some((pv1, pv2)) = pv1 {
                segs.push(pv1);
                segs.extend(pv2);
            }
            for (i, o) in obxs.into_iter().enumerate() {
                push_obx(&mut segs, i + 1, o, None);
            }
            segs.extend(al1s);
            for (i, (code, onset, ty)) in dg1s.into_iter().enumerate() {
                segs.push(seg(
                    "DG1",
                    vec![vec![("1".into(), (i + 1).to_string())], code, onset, ty],
                ));
            }
            for (i, (code, when, perf)) in pr1s.into_iter().enumerate() {
                segs.push(seg(
                    "PR1",
                    vec![vec![("1".into(), (i + 1).to_string())], code, when, perf],
                ));
            }
            segs.extend(in1s);
            segs
        },
    )
}

fn oru() -> impl Strategy<Value = Vec<Seg>> {
    let group = (
        (
            opt(ei("2".into())),
            ei("3".into()),
            opt(prop::sample::select(&["IP", "CA", "CM", "ER", "HD"][..])),
        ),
        one(4, cwe(None)),
        opt(dtm()),
        opt(xcn("16".into())),
        opt(dtm_time()),
        opt(prop::sample::select(&["O", "P", "C", "R", "F", "X"][..])),
        opt(dtm()),
        prop::collection::vec(nte(), 0..2),
        prop::collection::vec(obx(), 1..4),
    );
    (
        msh("R01"),
        pid(),
        pd1(),
        opt(pv1()),
        prop::collection::vec(group, 1..4),
    )
        .prop_map(|(msh, pid, pd1, pv1, groups)| {
            let mut segs = vec![msh, pid];
            segs.extend(pd1);
            if let Some((pv1, pv2)) = pv1 {
                segs.push(pv1);
                segs.extend(pv2);
            }
            for (i, g) in groups.into_iter().enumerate() {
                let (
                    (placer, filler, ostatus),
                    code,
                    eff,
                    req,
                    issued,
                    status,
                    authored,
                    notes,
                    obxs,
                ) = g;
                let mut orc = vec![("1".to_string(), "RE".to_string())];
                orc.extend(ostatus.map(|s| ("5".to_string(), s.to_string())));
                let mut obr = vec![("1".to_string(), (i + 1).to_string())];
                // Unique placer/filler numbers (`@`) with namespace and universal id.
                order_ids(&mut orc, &mut obr, [placer, Some(filler)]);
                orc.extend(authored.map(|a| ("9".to_string(), a)));
                requester(&mut orc, &mut obr, req, i);
                obr.extend(code);
                obr.extend(eff.clone().map(|e| ("7".to_string(), e)));
                obr.extend(issued.map(|e| ("22".to_string(), e)));
                obr.extend(status.map(|s| ("25".to_string(), s.to_string())));
                segs.push(("ORC", orc));
                segs.push(("OBR", obr));
                for (k, n) in notes.into_iter().enumerate() {
                    segs.push(nte_seg(k + 1, n));
                }
                for (k, o) in obxs.into_iter().enumerate() {
                    push_obx(&mut segs, k + 1, o, eff.as_ref());
                }
            }
            segs
        })
}

/// EI: a unique value (`@`), namespace, and sometimes an ISO universal id.
fn ei(p: String) -> impl Strategy<Value = Vec<(String, String)>> {
    (opt(tok()), opt("[1-9](\\.[0-9]{1,3}){1,3}")).prop_map(move |(ns, oid)| {
        // `p` is a field (`2`: components) or a component (`2.1`: subcomponents).
        let mut v = vec![(format!("{p}.1"), "@".to_string())];
        v.extend(ns.map(|n| (format!("{p}.2"), n)));
        if let Some(o) = oid {
            v.push((format!("{p}.3"), o));
            v.push((format!("{p}.4"), "ISO".into()));
        }
        v
    })
}

fn spm() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        ei("2.1".into()),
        opt(ei("2.2".into())),
        maybe(one(4, cwe(Some("HL70487")))),
        maybe(one(7, cwe(Some("HL70488")))),
        maybe(one(8, cwe(None))),
        reps(14, 0..3, |p| {
            txt().prop_map(move |t| vec![(format!("{p}.1"), t)])
        }),
        opt((dtm(), opt(dtm()))),
        maybe(whole(18, dtm())),
        maybe(whole(
            20,
            prop::sample::select(&["Y", "N"][..]).prop_map(str::to_string),
        )),
        reps(24, 0..3, |p| {
            cwe(Some("HL70493")).prop_map(move |c| comps(&p, c))
        }),
        maybe(one(27, cwe(None))),
    )
        .prop_map(
            |(pl, fi, ty, me, bs, notes, coll, rec, avail, conds, cont)| {
                let mut v = [
                    pl,
                    fi.unwrap_or_default(),
                    ty,
                    me,
                    bs,
                    notes,
                    rec,
                    avail,
                    conds,
                    cont,
                ]
                .concat();
                if let Some((a, b)) = coll {
                    v.push(("17.1".into(), a));
                    v.extend(b.map(|b| ("17.2".to_string(), b)));
                }
                v
            },
        )
}

fn orders(trigger: &'static str) -> impl Strategy<Value = Vec<Seg>> {
    let group = (
        (
            prop_oneof![
                prop::sample::select(&["", "CA", "CM", "ER", "HD"][..]).prop_map(|s| ("NW", s)),
                Just(("SC", "")),
            ],
            ei("2".into()),
            opt(ei("3".into())),
            opt(ei("4".into())),
            opt(dtm()),
            opt(xcn("16".into())),
            opt((
                opt(dtm()),
                opt(dtm()),
                opt(prop::sample::select(&["S", "A", "R"][..])),
            )),
        ),
        (
            one(4, cwe(None)),
            any::<bool>(),
            opt(tok()),
            reps(31, 0..3, |p| cwe(None).prop_map(move |c| comps(&p, c))),
            prop::collection::vec(nte(), 0..2),
            prop::collection::vec(
                (
                    one(3, cwe(Some("I10"))),
                    maybe(whole(5, dtm())),
                    maybe(one(6, cwe(Some("HL70052")))),
                ),
                0..3,
            ),
            prop::collection::vec(obx(), 0..3),
            prop::collection::vec(spm(), 0..3),
        ),
    );
    (
        msh(trigger),
        pid(),
        pd1(),
        opt(pv1()),
        in1_segs(),
        al1_segs(),
        prop::collection::vec(group, 1..4),
    )
        .prop_map(move |(msh, pid, pd1, pv1, in1s, al1s, groups)| {
            let mut segs = vec![msh, pid];
            segs.extend(pd1);
            if let Some((pv1, pv2)) = pv1 {
                segs.push(pv1);
                segs.extend(pv2);
            }
            segs.extend(in1s);
            segs.extend(al1s);
            for (i, (a, b)) in groups.into_iter().enumerate() {
                let ((control, status), placer, filler, group, authored, req, timing) = a;
                let (code, reflex, acsn, reasons, notes, dg1s, obxs, spms) = b;
                let mut orc = vec![("1".to_string(), control.to_string())];
                orc.extend((!status.is_empty()).then(|| ("5".to_string(), status.to_string())));
                let mut obr = vec![("1".to_string(), (i + 1).to_string())];
                order_ids(&mut orc, &mut obr, [Some(placer), filler]);
                orc.extend(group.unwrap_or_default());
                orc.extend(authored.map(|a| ("9".to_string(), a)));
                requester(&mut orc, &mut obr, req, i);
                obr.extend(code);
                if reflex {
                    obr.push(("11".into(), "G".into()));
                }
                obr.extend(acsn.map(|a| ("18".to_string(), a)));
                obr.extend(reasons);
                segs.push(("ORC", orc));
                if let Some((start, end, prio)) = timing {
                    let mut t = vec![("1".to_string(), "1".to_string())];
                    t.extend(start.map(|s| ("7".to_string(), s)));
                    t.extend(end.map(|s| ("8".to_string(), s)));
                    t.extend(prio.map(|p| ("9.1".to_string(), p.to_string())));
                    if t.len() > 1 {
                        segs.push(("TQ1", t));
                    }
                }
                segs.push(("OBR", obr));
                for (k, n) in notes.into_iter().enumerate() {
                    segs.push(nte_seg(k + 1, n));
                }
                for (k, (mut code, onset, ty)) in dg1s.into_iter().enumerate() {
                    // Unique codes: the forward mapping keys a Condition on code + set id.
                    for (p, t) in code.iter_mut() {
                        if p == "3.1" {
                            *t = "@".into();
                        }
                    }
                    segs.push(seg(
                        "DG1",
                        vec![vec![("1".into(), (k + 1).to_string())], code, onset, ty],
                    ));
                }
                for (k, o) in obxs.into_iter().enumerate() {
                    push_obx(&mut segs, k + 1, o, None);
                }
                if trigger == "O21" {
                    for (k, sp) in spms.into_iter().enumerate() {
                        segs.push(seg(
                            "SPM",
                            vec![vec![("1".into(), (k + 1).to_string())], sp],
                        ));
                    }
                }
            }
            segs
        })
}

/// Writes the segments with `MessageBuilder` (escaping every value); `@` values become
/// unique ids, and ORC/OBR pairs share theirs.
fn render(segs: &[Seg]) -> Vec<u8> {
    let mut b = MessageBuilder::new();
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    let mut next = 0;
    let mut orc_ids: Vec<String> = Vec::new();
    for (id, fields) in segs {
        let n = counts.entry(id).or_insert(0);
        *n += 1;
        let occ = *n;
        if fields.is_empty() {
            continue;
        }
        let mut k = 0;
        for (p, t) in fields {
            let t = if t == "@" {
                if *id == "OBR" && (p == "2.1" || p == "3.1") {
                    // Same number as the ORC just before.
                    let v = orc_ids.get(k).cloned().unwrap_or_default();
                    k += 1;
                    v
                } else {
                    next += 1;
                    let v = format!("U{next}");
                    if *id == "ORC" && (p == "2.1" || p == "3.1") {
                        if k == 0 {
                            orc_ids.clear();
                        }
                        orc_ids.push(v.clone());
                        k += 1;
                    }
                    v
                }
            } else {
                t.clone()
            };
            let path = if *id == "MSH" {
                format!("MSH-{p}")
            } else {
                format!("{id}[{occ}]-{p}")
            };
            b.set(&path, &t).expect("generated path and value");
        }
    }
    b.to_bytes()
}

fn fields_equal(a: &[u8], b: &[u8]) {
    let ma = Message::parse(a).expect("original parses");
    let mb = Message::parse(b).expect("round trip parses");
    let ids =
        |m: &Message<'_>| -> Vec<String> { m.segments().map(|s| s.id_str().to_string()).collect() };
    assert_eq!(ids(&ma), ids(&mb), "segment sequence");
    for (i, (sa, sb)) in ma.segments().zip(mb.segments()).enumerate() {
        let n = sa.field_count().max(sb.field_count());
        for f in 1..=n {
            let fa = sa.field(f).map(|x| x.raw()).unwrap_or(b"");
            let fb = sb.field(f).map(|x| x.raw()).unwrap_or(b"");
            assert_eq!(
                String::from_utf8_lossy(fa),
                String::from_utf8_lossy(fb),
                "segment {} ({}) field {f}",
                i + 1,
                sa.id_str()
            );
        }
    }
}

fn roundtrip(segs: &[Seg], target: Target) {
    let original = render(segs);
    let cfg = MapConfig::with_tz(TzPolicy::Error);
    let fwd = to_fhir(&original, &cfg).expect("forward");
    assert!(
        fwd.report.is_empty(),
        "generator left the forward spec:\n{}\n{}",
        fwd.report,
        String::from_utf8_lossy(&original).replace('\r', "\n")
    );
    let back = from_fhir(&fwd.json, target, &V2Config::default()).expect("reverse");
    assert!(back.report.is_empty(), "reverse report:\n{}", back.report);
    let again = to_fhir(&back.message, &cfg).expect("forward of the round trip");
    assert!(again.report.is_empty(), "{}", again.report);
    assert!(
        again.json == fwd.json,
        "the Bundle differs after the round trip"
    );
    fields_equal(&original, &back.message);
}

/// Runs `cases` generated messages through [`roundtrip`]. The strategies nest deeply,
/// so the runner gets a thread with a large stack (debug builds overflow 2 MiB).
fn check<S: Strategy<Value = Vec<Seg>> + 'static>(mk: fn() -> S, target: Target) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(96));
            let result = runner.run(&mk(), |segs| {
                roundtrip(&segs, target);
                Ok(())
            });
            if let Err(e) = result {
                panic!("{e}");
            }
        })
        .expect("spawn")
        .join()
        .expect("round trip holds");
}

#[test]
fn adt_a01_round_trips() {
    check(|| adt("A01"), Target::AdtA01);
}

#[test]
fn adt_a08_round_trips() {
    check(|| adt("A08"), Target::AdtA08);
}

#[test]
fn oru_r01_round_trips() {
    check(oru, Target::OruR01);
}

#[test]
fn orm_o01_round_trips() {
    check(|| orders("O01"), Target::OrmO01);
}

#[test]
fn oml_o21_round_trips() {
    check(|| orders("O21"), Target::OmlO21);
}
