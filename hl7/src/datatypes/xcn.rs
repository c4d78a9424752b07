//! XCN — extended composite ID number and name for persons (HL7 v2.5.1 ch. 2A.86).

use super::{datatype, text_accessors, Cwe, Hd};

datatype!(
    /// XCN — extended composite ID number and name for persons: a clinician (PV1-7
    /// attending doctor, OBR-16 ordering provider, …) with an identifier and a name.
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | ID Number (ST) | [`id`](Xcn::id) |
    /// | 2 | Family Name (FN) | [`family_name`](Xcn::family_name) (FN.1 surname), [`own_surname_prefix`](Xcn::own_surname_prefix) (FN.2) |
    /// | 3 | Given Name (ST) | [`given_name`](Xcn::given_name) |
    /// | 4 | Second and Further Given Names or Initials (ST) | [`middle_name`](Xcn::middle_name) |
    /// | 5 | Suffix (ST) | [`suffix`](Xcn::suffix) |
    /// | 6 | Prefix (ST) | [`prefix`](Xcn::prefix) |
    /// | 7 | Degree (IS, deprecated) | [`degree`](Xcn::degree) |
    /// | 8 | Source Table (IS) | [`source_table`](Xcn::source_table) |
    /// | 9 | Assigning Authority (HD) | [`assigning_authority`](Xcn::assigning_authority) |
    /// | 10 | Name Type Code (ID, table 0200) | [`name_type_code`](Xcn::name_type_code) |
    /// | 11 | Identifier Check Digit (ST) | [`check_digit`](Xcn::check_digit) |
    /// | 12 | Check Digit Scheme (ID, table 0061) | [`check_digit_scheme`](Xcn::check_digit_scheme) |
    /// | 13 | Identifier Type Code (ID, table 0203) | [`identifier_type_code`](Xcn::identifier_type_code) |
    /// | 14 | Assigning Facility (HD) | [`assigning_facility`](Xcn::assigning_facility) |
    /// | 15 | Name Representation Code (ID) | [`name_representation_code`](Xcn::name_representation_code) |
    /// | 16 | Name Context (CE) | [`name_context`](Xcn::name_context) |
    /// | 17 | Name Validity Range (DR, deprecated) | `part(17)` |
    /// | 18 | Name Assembly Order (ID) | [`name_assembly_order`](Xcn::name_assembly_order) |
    /// | 19 | Effective Date (TS) | [`effective_date`](Xcn::effective_date) |
    /// | 20 | Expiration Date (TS) | [`expiration_date`](Xcn::expiration_date) |
    /// | 21 | Professional Suffix (ST) | [`professional_suffix`](Xcn::professional_suffix) |
    /// | 22 | Assigning Jurisdiction (CWE) | [`assigning_jurisdiction`](Xcn::assigning_jurisdiction) |
    /// | 23 | Assigning Agency or Department (CWE) | [`assigning_agency`](Xcn::assigning_agency) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Xcn, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPV1|1|I|||||1234^Welby^Marcus^W^^Dr^^^NPI&2.16.840.1.113883.4.6&ISO^L^^^NPI")?;
    /// let doctor: Xcn = msg.get_as(&"PV1-7".parse()?).ok_or("no PV1-7")?;
    /// assert_eq!(doctor.id().as_deref(), Some("1234"));
    /// assert_eq!(doctor.family_name().as_deref(), Some("Welby"));
    /// assert_eq!(doctor.given_name().as_deref(), Some("Marcus"));
    /// assert_eq!(doctor.prefix().as_deref(), Some("Dr"));
    /// let npi = doctor.assigning_authority().ok_or("no XCN.9")?;
    /// assert_eq!(npi.universal_id().as_deref(), Some("2.16.840.1.113883.4.6"));
    /// assert_eq!(doctor.identifier_type_code().as_deref(), Some("NPI"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Xcn,
    "XCN",
    [
        "id",
        "family_name",
        "given_name",
        "middle_name",
        "suffix",
        "prefix",
        "degree",
        "source_table",
        "assigning_authority",
        "name_type_code",
        "check_digit",
        "check_digit_scheme",
        "identifier_type_code",
        "assigning_facility",
        "name_representation_code",
        "name_context",
        "name_validity_range",
        "name_assembly_order",
        "effective_date",
        "expiration_date",
        "professional_suffix",
        "assigning_jurisdiction",
        "assigning_agency",
    ]
);

impl<'m> Xcn<'m> {
    text_accessors! {
        /// XCN.1 ID number.
        id => 1;
        /// XCN.2.1 (FN.1) surname.
        family_name => 2;
        /// XCN.2.2 (FN.2) own surname prefix.
        own_surname_prefix => 2 & 2;
        /// XCN.3 given name.
        given_name => 3;
        /// XCN.4 second and further given names or initials thereof.
        middle_name => 4;
        /// XCN.5 suffix.
        suffix => 5;
        /// XCN.6 prefix.
        prefix => 6;
        /// XCN.7 degree (deprecated in favour of XCN.21).
        degree => 7;
        /// XCN.8 source table.
        source_table => 8;
        /// XCN.10 name type code (table 0200).
        name_type_code => 10;
        /// XCN.11 identifier check digit.
        check_digit => 11;
        /// XCN.12 check digit scheme (table 0061).
        check_digit_scheme => 12;
        /// XCN.13 identifier type code (`NPI`, `DN`, `PRN`, …; table 0203).
        identifier_type_code => 13;
        /// XCN.15 name representation code.
        name_representation_code => 15;
        /// XCN.18 name assembly order.
        name_assembly_order => 18;
        /// XCN.19.1 effective date (DTM text).
        effective_date => 19;
        /// XCN.20.1 expiration date (DTM text).
        expiration_date => 20;
        /// XCN.21 professional suffix.
        professional_suffix => 21;
    }

    /// XCN.9 assigning authority, an [`Hd`] split on subcomponents.
    pub fn assigning_authority(&self) -> Option<Hd<'m>> {
        self.parts.nested(9).map(Hd::from_parts)
    }

    /// XCN.14 assigning facility, an [`Hd`] split on subcomponents.
    pub fn assigning_facility(&self) -> Option<Hd<'m>> {
        self.parts.nested(14).map(Hd::from_parts)
    }

    /// XCN.16 name context, a CE split on subcomponents.
    pub fn name_context(&self) -> Option<Cwe<'m>> {
        self.parts.nested(16).map(Cwe::from_parts)
    }

    /// XCN.22 assigning jurisdiction, a [`Cwe`] split on subcomponents.
    pub fn assigning_jurisdiction(&self) -> Option<Cwe<'m>> {
        self.parts.nested(22).map(Cwe::from_parts)
    }

    /// XCN.23 assigning agency or department, a [`Cwe`] split on subcomponents.
    pub fn assigning_agency(&self) -> Option<Cwe<'m>> {
        self.parts.nested(23).map(Cwe::from_parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn spec_example_all_components() {
        let b = with_segment(
            "OBR|1|||||||||||||||1234567^Smith&van^John^J^III^DR^PHD^ADT01^\
             NPI&2.16.840.1.113883.4.6&ISO^L^4^M10^NPI^FAC&1.2&ISO^A^CTX&Ctx&L^^G^\
             20200101^20301231^MD^USA&US&HL70399^AG&Agency&L",
        );
        let msg = parse(&b);
        let x: Xcn = msg
            .find(b"OBR", 1)
            .and_then(|s| s.field_as(16))
            .expect("obr-16");
        assert_eq!(x.id().as_deref(), Some("1234567"));
        assert_eq!(x.family_name().as_deref(), Some("Smith"));
        assert_eq!(x.own_surname_prefix().as_deref(), Some("van"));
        assert_eq!(x.given_name().as_deref(), Some("John"));
        assert_eq!(x.middle_name().as_deref(), Some("J"));
        assert_eq!(x.suffix().as_deref(), Some("III"));
        assert_eq!(x.prefix().as_deref(), Some("DR"));
        assert_eq!(x.degree().as_deref(), Some("PHD"));
        assert_eq!(x.source_table().as_deref(), Some("ADT01"));
        let a = x.assigning_authority().expect("xcn.9");
        assert_eq!(a.namespace_id().as_deref(), Some("NPI"));
        assert_eq!(a.universal_id_type().as_deref(), Some("ISO"));
        assert_eq!(x.name_type_code().as_deref(), Some("L"));
        assert_eq!(x.check_digit().as_deref(), Some("4"));
        assert_eq!(x.check_digit_scheme().as_deref(), Some("M10"));
        assert_eq!(x.identifier_type_code().as_deref(), Some("NPI"));
        let f = x.assigning_facility().expect("xcn.14");
        assert_eq!(f.universal_id().as_deref(), Some("1.2"));
        assert_eq!(x.name_representation_code().as_deref(), Some("A"));
        assert_eq!(
            x.name_context().and_then(|c| c.text()).as_deref(),
            Some("Ctx")
        );
        assert_eq!(x.part(17).map(|v| v.is_empty()), Some(true));
        assert_eq!(x.name_assembly_order().as_deref(), Some("G"));
        assert_eq!(x.effective_date().as_deref(), Some("20200101"));
        assert_eq!(x.expiration_date().as_deref(), Some("20301231"));
        assert_eq!(x.professional_suffix().as_deref(), Some("MD"));
        assert_eq!(
            x.assigning_jurisdiction()
                .and_then(|c| c.identifier())
                .as_deref(),
            Some("USA")
        );
        assert_eq!(
            x.assigning_agency()
                .and_then(|c| c.coding_system())
                .as_deref(),
            Some("L")
        );
        let dbg = format!("{x:?}");
        assert!(!dbg.contains("Smith") && !dbg.contains("1234567"), "{dbg}");
    }

    #[test]
    fn id_only_name_only_and_escapes() {
        let b = with_segment("PV1|1|I|||||1234|^O\\S\\Neil^Pat~5678");
        let msg = parse(&b);
        let pv1 = msg.find(b"PV1", 1).expect("pv1");
        let x: Xcn = pv1.field_as(7).expect("pv1-7");
        assert_eq!(x.id().as_deref(), Some("1234"));
        assert_eq!(x.family_name(), None);
        assert!(x.assigning_authority().is_none());
        assert_eq!(format!("{x:?}"), "Xcn { present: [id] }");
        let f = pv1.field(8).expect("pv1-8");
        let all: Vec<Xcn> = f.repetitions_as().collect();
        assert_eq!(all[0].id(), None);
        assert_eq!(all[0].family_name().as_deref(), Some("O^Neil"));
        assert_eq!(all[0].given_name().as_deref(), Some("Pat"));
        assert_eq!(all[1].id().as_deref(), Some("5678"));
    }
}
