//! CX — extended composite ID with check digit (HL7 v2.5.1 ch. 2A.14).

use super::{datatype, text_accessors, Cwe, Hd};

datatype!(
    /// CX — extended composite ID with check digit: a patient identifier (PID-3), an
    /// account or visit number, with the authority that assigned it.
    ///
    /// CX.4 and CX.6 are HDs carried as *subcomponents*
    /// (`12345^^^MRN&1.2.3&ISO^MR`); [`assigning_authority`](Cx::assigning_authority)
    /// and [`assigning_facility`](Cx::assigning_facility) split them.
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | ID Number (ST) | [`id`](Cx::id) |
    /// | 2 | Check Digit (ST) | [`check_digit`](Cx::check_digit) |
    /// | 3 | Check Digit Scheme (ID, table 0061) | [`check_digit_scheme`](Cx::check_digit_scheme) |
    /// | 4 | Assigning Authority (HD) | [`assigning_authority`](Cx::assigning_authority) |
    /// | 5 | Identifier Type Code (ID, table 0203) | [`identifier_type_code`](Cx::identifier_type_code) |
    /// | 6 | Assigning Facility (HD) | [`assigning_facility`](Cx::assigning_facility) |
    /// | 7 | Effective Date (DT) | [`effective_date`](Cx::effective_date) |
    /// | 8 | Expiration Date (DT) | [`expiration_date`](Cx::expiration_date) |
    /// | 9 | Assigning Jurisdiction (CWE) | [`assigning_jurisdiction`](Cx::assigning_jurisdiction) |
    /// | 10 | Assigning Agency or Department (CWE) | [`assigning_agency`](Cx::assigning_agency) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Cx, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||12345^^^MRN&1.2.3&ISO^MR~999-99-9999^^^SSA^SS")?;
    /// let pid3 = msg.find(b"PID", 1).and_then(|s| s.field(3)).ok_or("no PID-3")?;
    /// let mrn = pid3
    ///     .repetitions_as::<Cx>()
    ///     .find(|cx| cx.identifier_type_code().as_deref() == Some("MR"))
    ///     .ok_or("no MRN")?;
    /// assert_eq!(mrn.id().as_deref(), Some("12345"));
    /// let authority = mrn.assigning_authority().ok_or("no CX.4")?;
    /// assert_eq!(authority.namespace_id().as_deref(), Some("MRN"));
    /// assert_eq!(authority.universal_id().as_deref(), Some("1.2.3"));
    /// assert_eq!(authority.universal_id_type().as_deref(), Some("ISO"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Cx,
    "CX",
    [
        "id",
        "check_digit",
        "check_digit_scheme",
        "assigning_authority",
        "identifier_type_code",
        "assigning_facility",
        "effective_date",
        "expiration_date",
        "assigning_jurisdiction",
        "assigning_agency",
    ]
);

impl<'m> Cx<'m> {
    text_accessors! {
        /// CX.1 ID number.
        id => 1;
        /// CX.2 identifier check digit.
        check_digit => 2;
        /// CX.3 check digit scheme (`M10`, `M11`, `ISO`, …; table 0061).
        check_digit_scheme => 3;
        /// CX.5 identifier type code (`MR`, `SS`, `PI`, `AN`, …; table 0203).
        identifier_type_code => 5;
        /// CX.7 effective date (DT text, e.g. `20240101`).
        effective_date => 7;
        /// CX.8 expiration date (DT text).
        expiration_date => 8;
    }

    /// CX.4 assigning authority, an [`Hd`] split on subcomponents.
    pub fn assigning_authority(&self) -> Option<Hd<'m>> {
        self.parts.nested(4).map(Hd::from_parts)
    }

    /// CX.6 assigning facility, an [`Hd`] split on subcomponents.
    pub fn assigning_facility(&self) -> Option<Hd<'m>> {
        self.parts.nested(6).map(Hd::from_parts)
    }

    /// CX.9 assigning jurisdiction, a [`Cwe`] split on subcomponents.
    pub fn assigning_jurisdiction(&self) -> Option<Cwe<'m>> {
        self.parts.nested(9).map(Cwe::from_parts)
    }

    /// CX.10 assigning agency or department, a [`Cwe`] split on subcomponents.
    pub fn assigning_agency(&self) -> Option<Cwe<'m>> {
        self.parts.nested(10).map(Cwe::from_parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn hd_subcomponents_in_cx4() {
        let b = with_segment("PID|1||12345^^^MRN&1.2.3&ISO^MR");
        let msg = parse(&b);
        let cx: Cx = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(3))
            .expect("pid-3");
        assert_eq!(cx.id().as_deref(), Some("12345"));
        assert_eq!(cx.check_digit(), None);
        assert_eq!(cx.check_digit_scheme(), None);
        assert_eq!(cx.identifier_type_code().as_deref(), Some("MR"));
        let hd = cx.assigning_authority().expect("cx.4");
        assert_eq!(hd.namespace_id().as_deref(), Some("MRN"));
        assert_eq!(hd.universal_id().as_deref(), Some("1.2.3"));
        assert_eq!(hd.universal_id_type().as_deref(), Some("ISO"));
        assert!(cx.assigning_facility().is_none());
        assert_eq!(
            format!("{cx:?}"),
            "Cx { present: [id, assigning_authority, identifier_type_code] }"
        );
    }

    #[test]
    fn all_components_with_check_digit_and_escapes() {
        let b = with_segment(
            "PID|1||4\\T\\2^7^M10^A\\S\\B&&ISO^PI^FAC&2.16.840&ISO^20240101^20341231^\
             USA&United States&HL70399^DEP",
        );
        let msg = parse(&b);
        let cx: Cx = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(3))
            .expect("pid-3");
        assert_eq!(cx.id().as_deref(), Some("4&2"));
        assert_eq!(cx.check_digit().as_deref(), Some("7"));
        assert_eq!(cx.check_digit_scheme().as_deref(), Some("M10"));
        let auth = cx.assigning_authority().expect("cx.4");
        assert_eq!(auth.namespace_id().as_deref(), Some("A^B"));
        assert_eq!(auth.universal_id(), None); // empty subcomponent
        assert_eq!(auth.universal_id_type().as_deref(), Some("ISO"));
        assert_eq!(cx.identifier_type_code().as_deref(), Some("PI"));
        let fac = cx.assigning_facility().expect("cx.6");
        assert_eq!(fac.universal_id().as_deref(), Some("2.16.840"));
        assert_eq!(cx.effective_date().as_deref(), Some("20240101"));
        assert_eq!(cx.expiration_date().as_deref(), Some("20341231"));
        let j = cx.assigning_jurisdiction().expect("cx.9");
        assert_eq!(j.identifier().as_deref(), Some("USA"));
        assert_eq!(j.text().as_deref(), Some("United States"));
        assert_eq!(j.coding_system().as_deref(), Some("HL70399"));
        let a = cx.assigning_agency().expect("cx.10");
        assert_eq!(a.identifier().as_deref(), Some("DEP"));
        assert_eq!(a.text(), None);
    }

    #[test]
    fn empty_vs_absent_authority() {
        let b = with_segment("PID|1||1^^^^MR~2^^^\"\"~3^^^&&");
        let msg = parse(&b);
        let f = msg.find(b"PID", 1).and_then(|s| s.field(3)).expect("pid-3");
        let cxs: Vec<Cx> = f.repetitions_as().collect();
        assert_eq!(cxs.len(), 3);
        // Empty component.
        assert!(cxs[0].assigning_authority().is_none());
        assert!(cxs[0].part(4).is_some_and(|v| v.is_empty()));
        // HL7 null.
        assert!(cxs[1].assigning_authority().is_none());
        assert!(cxs[1].part(4).is_some_and(|v| v.is_null()));
        // Present but every subcomponent empty: an HD with nothing in it.
        let hd = cxs[2].assigning_authority().expect("present");
        assert!(hd.is_empty());
        assert_eq!(hd.namespace_id(), None);
        // Absent (beyond the last component).
        assert!(cxs[0].assigning_facility().is_none());
        assert_eq!(cxs[0].part(6), None);
    }
}
