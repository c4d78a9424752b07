//! Routing: each matcher, combinators, first-match and fan-out, unrouted messages.

use carewire_hl7::Message;
use carewire_mapping::route::{Matcher, RouteError, RouteMode, Router, Routing, Test};

const ADT: &[u8] =
    b"MSH|^~\\&|EMR^1.2.3^ISO|HOSP|ENGINE|HUB|20240101120000||ADT^A01^ADT_A01|C1|P|2.5.1\r\
PID|1||123^^^HOSP^MR\r\
PV1|1|I|ICU^101^A\r";

const ORU: &[u8] = b"MSH|^~\\&|LIS|MAINLAB|EMR|HOSP|20240101120000||ORU^R01^ORU_R01|C2|P|2.5.1\r\
PID|1||123^^^HOSP^MR\r\
OBR|1||F1|GLU^Glucose^L\r\
OBX|1|NM|GLU^Glucose^L||5.4|mmol/L\r";

const ESCAPED: &[u8] = b"MSH|^~\\&|A\\T\\B|F||||20240101||ORM^O01|C3|P|2.5.1\r";

fn parse(b: &[u8]) -> Message<'_> {
    match Message::parse(b) {
        Ok(m) => m,
        Err(e) => panic!("synthetic message must parse: {e}"),
    }
}

#[test]
fn each_header_matcher() {
    let adt = parse(ADT);
    let oru = parse(ORU);
    let cases: Vec<(Matcher, bool, bool)> = vec![
        (Matcher::message_type(Test::equals("ADT")), true, false),
        (Matcher::trigger(Test::equals("R01")), false, true),
        (Matcher::structure(Test::prefix("ADT_")), true, false),
        (
            Matcher::sending_application(Test::equals("EMR")),
            true,
            false,
        ),
        (Matcher::sending_facility(Test::glob("*LAB")), false, true),
        (
            Matcher::receiving_application(Test::one_of(&["ENGINE", "X"])),
            true,
            false,
        ),
        (
            Matcher::receiving_facility(Test::equals("HOSP")),
            false,
            true,
        ),
        (Matcher::Always, true, true),
    ];
    for (i, (m, a, o)) in cases.iter().enumerate() {
        assert_eq!(m.matches(&adt), *a, "case {i} on ADT");
        assert_eq!(m.matches(&oru), *o, "case {i} on ORU");
    }
}

#[test]
fn path_matchers_and_tests() -> Result<(), carewire_hl7::Error> {
    let adt = parse(ADT);
    let oru = parse(ORU);
    assert!(Matcher::path("PV1-3.2", Test::equals("101"))?.matches(&adt));
    assert!(!Matcher::path("PV1-3.2", Test::equals("10"))?.matches(&adt));
    assert!(Matcher::path("PV1-3.1", Test::prefix("IC"))?.matches(&adt));
    assert!(Matcher::path("OBX-3.1", Test::one_of(&["NA", "GLU"]))?.matches(&oru));
    assert!(Matcher::path("OBX-5", Test::glob("5.?"))?.matches(&oru));
    assert!(!Matcher::path("OBX-5", Test::glob("6*"))?.matches(&oru));
    assert!(Matcher::path("OBX-6", Test::Present)?.matches(&oru));
    // Absent segment or field: no test passes, not even a glob "*".
    assert!(!Matcher::path("OBX-5", Test::glob("*"))?.matches(&adt));
    assert!(!Matcher::path("PV1-44", Test::Present)?.matches(&adt));
    // Empty values are present but not Present.
    assert!(Matcher::path("PID-2", Test::equals(""))?.matches(&adt));
    assert!(!Matcher::path("PID-2", Test::Present)?.matches(&adt));
    // A bad path is an error at construction, not at routing time.
    assert!(Matcher::path("P-1", Test::Present).is_err());
    Ok(())
}

#[test]
fn values_are_compared_decoded() {
    let m = parse(ESCAPED);
    assert!(Matcher::sending_application(Test::equals("A&B")).matches(&m));
    assert!(!Matcher::sending_application(Test::equals("A\\T\\B")).matches(&m));
}

#[test]
fn combinators() {
    let adt = parse(ADT);
    let adt_from_emr = Matcher::all(vec![
        Matcher::message_type(Test::equals("ADT")),
        Matcher::sending_application(Test::equals("EMR")),
    ]);
    assert!(adt_from_emr.matches(&adt));
    let either = Matcher::any(vec![
        Matcher::message_type(Test::equals("ORU")),
        Matcher::trigger(Test::equals("A01")),
    ]);
    assert!(either.matches(&adt));
    assert!(!Matcher::not(either.clone()).matches(&adt));
    assert!(Matcher::all(vec![]).matches(&adt));
    assert!(!Matcher::any(vec![]).matches(&adt));
    assert!(!Matcher::all(vec![either, Matcher::not(Matcher::Always)]).matches(&adt));
}

fn router(mode: RouteMode) -> Result<Router, RouteError> {
    let mut r = Router::new(mode);
    r.destination("adt")?
        .destination("lab")?
        .destination("icu")?
        .destination("audit")?;
    r.rule(Matcher::message_type(Test::equals("ADT")), &["adt"])?;
    r.rule(Matcher::message_type(Test::equals("ORU")), &["lab"])?;
    r.rule(
        Matcher::path("PV1-3.1", Test::equals("ICU")).map_err(|_| RouteError::NoDestination)?,
        &["icu", "adt"],
    )?;
    r.rule(
        Matcher::any(vec![
            Matcher::sending_facility(Test::equals("HOSP")),
            Matcher::receiving_facility(Test::equals("HOSP")),
        ]),
        &["audit"],
    )?;
    Ok(r)
}

#[test]
fn first_match_and_fan_out() -> Result<(), RouteError> {
    let adt = parse(ADT);
    let oru = parse(ORU);
    let first = router(RouteMode::FirstMatch)?;
    assert_eq!(first.route(&adt), Routing::Routed(vec!["adt"]));
    assert_eq!(first.route(&oru), Routing::Routed(vec!["lab"]));
    let fan = router(RouteMode::FanOut)?;
    // "adt" appears once although two rules name it.
    assert_eq!(
        fan.route(&adt),
        Routing::Routed(vec!["adt", "icu", "audit"])
    );
    assert_eq!(fan.route(&oru), Routing::Routed(vec!["lab", "audit"]));
    assert_eq!(fan.rule_count(), 4);
    assert_eq!(fan.destinations().count(), 4);
    Ok(())
}

#[test]
fn unmatched_message_is_unrouted() -> Result<(), RouteError> {
    let siu = parse(b"MSH|^~\\&|SCHED|CLINIC|X|Y|20240101||SIU^S12|C9|P|2.5.1\r");
    for mode in [RouteMode::FirstMatch, RouteMode::FanOut] {
        let r = router(mode)?;
        let routing = r.route(&siu);
        assert!(routing.is_unrouted());
        assert!(routing.destinations().is_empty());
    }
    Ok(())
}

#[test]
fn route_into_reuses_the_vector() -> Result<(), RouteError> {
    let fan = router(RouteMode::FanOut)?;
    let adt = parse(ADT);
    let oru = parse(ORU);
    let mut out = Vec::with_capacity(8);
    assert!(fan.route_into(&adt, &mut out));
    assert_eq!(out, ["adt", "icu", "audit"]);
    let cap = out.capacity();
    assert!(fan.route_into(&oru, &mut out));
    assert_eq!(out, ["lab", "audit"]);
    assert_eq!(out.capacity(), cap);
    Ok(())
}

#[test]
fn configuration_errors() {
    let mut r = Router::new(RouteMode::FanOut);
    assert!(r.destination("a").is_ok());
    assert_eq!(
        r.destination("a").err(),
        Some(RouteError::DuplicateDestination)
    );
    assert_eq!(
        r.rule(Matcher::Always, &["a", "b"]).err(),
        Some(RouteError::UnknownDestination { position: 1 })
    );
    assert_eq!(
        r.rule(Matcher::Always, &[]).err(),
        Some(RouteError::NoDestination)
    );
    let e = RouteError::UnknownDestination { position: 1 };
    assert_eq!(
        e.to_string(),
        "unknown destination at position 1 of the rule"
    );
}

#[test]
fn debug_does_not_show_test_text() {
    let m = Matcher::path("PID-5.1", Test::equals("Secretname")).ok();
    let dbg = format!("{m:?}");
    assert!(!dbg.contains("Secretname"));
    assert!(dbg.contains("PID-5.1"));
}
