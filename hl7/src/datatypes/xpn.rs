//! XPN — extended person name (HL7 v2.5.1 ch. 2A.88).

use super::{datatype, text_accessors, Cwe};

datatype!(
    /// XPN — extended person name (PID-5 patient name, NK1-2, …).
    ///
    /// XPN.1 is an FN (family name) whose subcomponents are surname, own surname
    /// prefix, own surname, surname prefix from partner, surname from partner.
    /// [`family_name`](Xpn::family_name) is FN.1, the surname.
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Family Name (FN) | [`family_name`](Xpn::family_name) (FN.1), [`own_surname_prefix`](Xpn::own_surname_prefix) (FN.2), [`own_surname`](Xpn::own_surname) (FN.3), [`surname_prefix_from_partner`](Xpn::surname_prefix_from_partner) (FN.4), [`surname_from_partner`](Xpn::surname_from_partner) (FN.5) |
    /// | 2 | Given Name (ST) | [`given_name`](Xpn::given_name) |
    /// | 3 | Second and Further Given Names or Initials (ST) | [`middle_name`](Xpn::middle_name) |
    /// | 4 | Suffix (ST), e.g. `JR` | [`suffix`](Xpn::suffix) |
    /// | 5 | Prefix (ST), e.g. `DR` | [`prefix`](Xpn::prefix) |
    /// | 6 | Degree (IS, deprecated) | [`degree`](Xpn::degree) |
    /// | 7 | Name Type Code (ID, table 0200) | [`name_type_code`](Xpn::name_type_code) |
    /// | 8 | Name Representation Code (ID, table 4000) | [`name_representation_code`](Xpn::name_representation_code) |
    /// | 9 | Name Context (CE) | [`name_context`](Xpn::name_context) |
    /// | 10 | Name Validity Range (DR, deprecated) | `part(10)` |
    /// | 11 | Name Assembly Order (ID, table 0444) | [`name_assembly_order`](Xpn::name_assembly_order) |
    /// | 12 | Effective Date (TS) | [`effective_date`](Xpn::effective_date) |
    /// | 13 | Expiration Date (TS) | [`expiration_date`](Xpn::expiration_date) |
    /// | 14 | Professional Suffix (ST) | [`professional_suffix`](Xpn::professional_suffix) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Xpn, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||Everyman&van&Everyman^Adam^A^III^Dr^MD^L")?;
    /// let name: Xpn = msg.get_as(&"PID-5".parse()?).ok_or("no PID-5")?;
    /// assert_eq!(name.family_name().as_deref(), Some("Everyman"));
    /// assert_eq!(name.own_surname_prefix().as_deref(), Some("van"));
    /// assert_eq!(name.given_name().as_deref(), Some("Adam"));
    /// assert_eq!(name.middle_name().as_deref(), Some("A"));
    /// assert_eq!(name.suffix().as_deref(), Some("III"));
    /// assert_eq!(name.prefix().as_deref(), Some("Dr"));
    /// assert_eq!(name.degree().as_deref(), Some("MD"));
    /// assert_eq!(name.name_type_code().as_deref(), Some("L"));
    /// // Debug shows structure only.
    /// assert!(!format!("{name:?}").contains("Adam"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Xpn,
    "XPN",
    [
        "family_name",
        "given_name",
        "middle_name",
        "suffix",
        "prefix",
        "degree",
        "name_type_code",
        "name_representation_code",
        "name_context",
        "name_validity_range",
        "name_assembly_order",
        "effective_date",
        "expiration_date",
        "professional_suffix",
    ]
);

impl<'m> Xpn<'m> {
    text_accessors! {
        /// XPN.1.1 (FN.1) surname.
        family_name => 1;
        /// XPN.1.2 (FN.2) own surname prefix (`van`, `de`).
        own_surname_prefix => 1 & 2;
        /// XPN.1.3 (FN.3) own surname.
        own_surname => 1 & 3;
        /// XPN.1.4 (FN.4) surname prefix from partner/spouse.
        surname_prefix_from_partner => 1 & 4;
        /// XPN.1.5 (FN.5) surname from partner/spouse.
        surname_from_partner => 1 & 5;
        /// XPN.2 given name.
        given_name => 2;
        /// XPN.3 second and further given names or initials thereof.
        middle_name => 3;
        /// XPN.4 suffix (`JR`, `III`).
        suffix => 4;
        /// XPN.5 prefix (`DR`).
        prefix => 5;
        /// XPN.6 degree (`MD`; deprecated in favour of XPN.14).
        degree => 6;
        /// XPN.7 name type code (`L` legal, `D` display, `A` alias, …; table 0200).
        name_type_code => 7;
        /// XPN.8 name representation code (`A` alphabetic, `I` ideographic, `P` phonetic).
        name_representation_code => 8;
        /// XPN.11 name assembly order (table 0444).
        name_assembly_order => 11;
        /// XPN.12.1 effective date (DTM text).
        effective_date => 12;
        /// XPN.13.1 expiration date (DTM text).
        expiration_date => 13;
        /// XPN.14 professional suffix (`MD`, `RN`).
        professional_suffix => 14;
    }

    /// XPN.9 name context, a CE split on subcomponents.
    pub fn name_context(&self) -> Option<Cwe<'m>> {
        self.parts.nested(9).map(Cwe::from_parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    fn pid5(b: &[u8]) -> Vec<(Option<String>, Option<String>)> {
        let msg = parse(b);
        let f = msg.find(b"PID", 1).and_then(|s| s.field(5)).expect("pid-5");
        f.repetitions_as::<Xpn>()
            .map(|x| {
                (
                    x.family_name().map(|c| c.into_owned()),
                    x.given_name().map(|c| c.into_owned()),
                )
            })
            .collect()
    }

    #[test]
    fn spec_example() {
        // HL7 v2.5.1 2A.88 example: |Smith&St^John^J^III^DR^PHD^L|
        let b = with_segment("PID|1||7||Smith&St^John^J^III^DR^PHD^L^A^^^G^20200101^20301231^MD");
        let msg = parse(&b);
        let x: Xpn = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(5))
            .expect("pid-5");
        assert_eq!(x.family_name().as_deref(), Some("Smith"));
        assert_eq!(x.own_surname_prefix().as_deref(), Some("St"));
        assert_eq!(x.own_surname(), None);
        assert_eq!(x.surname_prefix_from_partner(), None);
        assert_eq!(x.surname_from_partner(), None);
        assert_eq!(x.given_name().as_deref(), Some("John"));
        assert_eq!(x.middle_name().as_deref(), Some("J"));
        assert_eq!(x.suffix().as_deref(), Some("III"));
        assert_eq!(x.prefix().as_deref(), Some("DR"));
        assert_eq!(x.degree().as_deref(), Some("PHD"));
        assert_eq!(x.name_type_code().as_deref(), Some("L"));
        assert_eq!(x.name_representation_code().as_deref(), Some("A"));
        assert!(x.name_context().is_none());
        assert_eq!(x.name_assembly_order().as_deref(), Some("G"));
        assert_eq!(x.effective_date().as_deref(), Some("20200101"));
        assert_eq!(x.expiration_date().as_deref(), Some("20301231"));
        assert_eq!(x.professional_suffix().as_deref(), Some("MD"));
        let dbg = format!("{x:?}");
        assert!(!dbg.contains("Smith") && !dbg.contains("John"), "{dbg}");
        assert!(dbg.starts_with("Xpn { present: [family_name, given_name, middle_name"));
    }

    #[test]
    fn repetitions_escapes_and_borrowing() {
        let b = with_segment("PID|1||7||O\\S\\Brien^Mary~Smith\\T\\Jones^^^^^^M~^Baby");
        assert_eq!(
            pid5(&b),
            [
                (Some("O^Brien".into()), Some("Mary".into())),
                (Some("Smith&Jones".into()), None),
                (None, Some("Baby".into())),
            ]
        );
        let msg = parse(&b);
        let x: Xpn = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(5))
            .expect("pid-5");
        assert!(matches!(x.family_name(), Some(std::borrow::Cow::Owned(_))));
        assert!(matches!(
            x.given_name(),
            Some(std::borrow::Cow::Borrowed("Mary"))
        ));
    }

    #[test]
    fn empty_null_and_absent() {
        let b = with_segment("PID|1||7||\"\"^^\"\"|Doe");
        let msg = parse(&b);
        let pid = msg.find(b"PID", 1).expect("pid");
        let x: Xpn = pid.field_as(5).expect("pid-5");
        assert_eq!(x.family_name(), None); // null
        assert_eq!(x.given_name(), None); // empty
        assert_eq!(x.middle_name(), None); // null
        assert_eq!(x.suffix(), None); // absent
        assert!(x.part(1).is_some_and(|v| v.is_null()));
        assert!(x.part(2).is_some_and(|v| v.is_empty()));
        assert!(x.part(4).is_none());
        assert!(x.is_empty());
        assert!(!x.is_null());
        // A bare value is component 1 (HL7 truncation: the other components are absent).
        let maiden: Xpn = pid.field_as(6).expect("pid-6");
        assert_eq!(maiden.family_name().as_deref(), Some("Doe"));
        assert_eq!(maiden.given_name(), None);
        assert!(pid.field_as::<Xpn>(7).is_none());
    }

    #[test]
    fn name_context_ce() {
        let b = with_segment("PID|1||7||Doe^J^^^^^L^^CTX&Context&L");
        let msg = parse(&b);
        let x: Xpn = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(5))
            .expect("pid-5");
        let c = x.name_context().expect("xpn.9");
        assert_eq!(c.identifier().as_deref(), Some("CTX"));
        assert_eq!(c.text().as_deref(), Some("Context"));
        assert_eq!(c.coding_system().as_deref(), Some("L"));
    }
}
