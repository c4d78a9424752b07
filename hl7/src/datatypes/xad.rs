//! XAD — extended address (HL7 v2.5.1 ch. 2A.85).

use super::{datatype, text_accessors};

datatype!(
    /// XAD — extended address (PID-11 patient address, NK1-4, …).
    ///
    /// XAD.1 is an SAD (street address) whose subcomponents are street or mailing
    /// address, street name, dwelling number. [`street`](Xad::street) is SAD.1.
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Street Address (SAD) | [`street`](Xad::street) (SAD.1), [`street_name`](Xad::street_name) (SAD.2), [`dwelling_number`](Xad::dwelling_number) (SAD.3) |
    /// | 2 | Other Designation (ST), e.g. apartment | [`other_designation`](Xad::other_designation) |
    /// | 3 | City (ST) | [`city`](Xad::city) |
    /// | 4 | State or Province (ST) | [`state`](Xad::state) |
    /// | 5 | Zip or Postal Code (ST) | [`zip`](Xad::zip) |
    /// | 6 | Country (ID, ISO 3166) | [`country`](Xad::country) |
    /// | 7 | Address Type (ID, table 0190) | [`address_type`](Xad::address_type) |
    /// | 8 | Other Geographic Designation (ST) | [`other_geographic_designation`](Xad::other_geographic_designation) |
    /// | 9 | County/Parish Code (IS) | [`county`](Xad::county) |
    /// | 10 | Census Tract (IS) | [`census_tract`](Xad::census_tract) |
    /// | 11 | Address Representation Code (ID) | [`address_representation_code`](Xad::address_representation_code) |
    /// | 12 | Address Validity Range (DR, deprecated) | `part(12)` |
    /// | 13 | Effective Date (TS) | [`effective_date`](Xad::effective_date) |
    /// | 14 | Expiration Date (TS) | [`expiration_date`](Xad::expiration_date) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Xad, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||Doe^Jane||||||123 Main St^Apt 4^Springfield^IL^62701^USA^H^^017")?;
    /// let home: Xad = msg.get_as(&"PID-11".parse()?).ok_or("no PID-11")?;
    /// assert_eq!(home.street().as_deref(), Some("123 Main St"));
    /// assert_eq!(home.other_designation().as_deref(), Some("Apt 4"));
    /// assert_eq!(home.city().as_deref(), Some("Springfield"));
    /// assert_eq!(home.state().as_deref(), Some("IL"));
    /// assert_eq!(home.zip().as_deref(), Some("62701"));
    /// assert_eq!(home.country().as_deref(), Some("USA"));
    /// assert_eq!(home.address_type().as_deref(), Some("H"));
    /// assert_eq!(home.county().as_deref(), Some("017"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Xad,
    "XAD",
    [
        "street",
        "other_designation",
        "city",
        "state",
        "zip",
        "country",
        "address_type",
        "other_geographic_designation",
        "county",
        "census_tract",
        "address_representation_code",
        "address_validity_range",
        "effective_date",
        "expiration_date",
    ]
);

impl<'m> Xad<'m> {
    text_accessors! {
        /// XAD.1.1 (SAD.1) street or mailing address.
        street => 1;
        /// XAD.1.2 (SAD.2) street name.
        street_name => 1 & 2;
        /// XAD.1.3 (SAD.3) dwelling number.
        dwelling_number => 1 & 3;
        /// XAD.2 other designation (apartment, suite, …).
        other_designation => 2;
        /// XAD.3 city.
        city => 3;
        /// XAD.4 state or province.
        state => 4;
        /// XAD.5 zip or postal code.
        zip => 5;
        /// XAD.6 country (ISO 3166, e.g. `USA`).
        country => 6;
        /// XAD.7 address type (`H` home, `M` mailing, `B` business, …; table 0190).
        address_type => 7;
        /// XAD.8 other geographic designation.
        other_geographic_designation => 8;
        /// XAD.9 county/parish code.
        county => 9;
        /// XAD.10 census tract.
        census_tract => 10;
        /// XAD.11 address representation code.
        address_representation_code => 11;
        /// XAD.13.1 effective date (DTM text).
        effective_date => 13;
        /// XAD.14.1 expiration date (DTM text).
        expiration_date => 14;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn spec_example_with_sad_and_escapes() {
        // HL7 v2.5.1 2A.85 example: |1234 Easy St.^Ste. 123^San Francisco^CA^95123^USA^B^^SF^|
        let b = with_segment(
            "PID|1||7||Doe||||||1234 Easy St.&Easy St.&1234^Ste. 123^San Francisco^CA^95123^USA^B^^SF^^A^^20200101^20301231\
             ~P.O. Box 7 \\T\\ Co^^Fargo^ND^58102^^M",
        );
        let msg = parse(&b);
        let f = msg
            .find(b"PID", 1)
            .and_then(|s| s.field(11))
            .expect("pid-11");
        let all: Vec<Xad> = f.repetitions_as().collect();
        let x = all[0];
        assert_eq!(x.street().as_deref(), Some("1234 Easy St."));
        assert_eq!(x.street_name().as_deref(), Some("Easy St."));
        assert_eq!(x.dwelling_number().as_deref(), Some("1234"));
        assert_eq!(x.other_designation().as_deref(), Some("Ste. 123"));
        assert_eq!(x.city().as_deref(), Some("San Francisco"));
        assert_eq!(x.state().as_deref(), Some("CA"));
        assert_eq!(x.zip().as_deref(), Some("95123"));
        assert_eq!(x.country().as_deref(), Some("USA"));
        assert_eq!(x.address_type().as_deref(), Some("B"));
        assert_eq!(x.other_geographic_designation(), None);
        assert_eq!(x.county().as_deref(), Some("SF"));
        assert_eq!(x.census_tract(), None);
        assert_eq!(x.address_representation_code().as_deref(), Some("A"));
        assert_eq!(x.effective_date().as_deref(), Some("20200101"));
        assert_eq!(x.expiration_date().as_deref(), Some("20301231"));

        let po = all[1];
        assert_eq!(po.street().as_deref(), Some("P.O. Box 7 & Co"));
        assert_eq!(po.street_name(), None);
        assert_eq!(po.other_designation(), None);
        assert_eq!(po.address_type().as_deref(), Some("M"));
        assert_eq!(po.county(), None);
        assert_eq!(
            format!("{po:?}"),
            "Xad { present: [street, city, state, zip, address_type] }"
        );
    }

    #[test]
    fn empty_and_null_components() {
        let b = with_segment("PID|1||7||Doe||||||^^\"\"^^^^H");
        let msg = parse(&b);
        let x: Xad = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(11))
            .expect("pid-11");
        assert_eq!(x.street(), None);
        assert_eq!(x.city(), None);
        assert!(x.part(3).is_some_and(|v| v.is_null()));
        assert_eq!(x.address_type().as_deref(), Some("H"));
        assert!(!x.is_empty());
        assert_eq!(
            format!("{x:?}"),
            "Xad { present: [city(null), address_type] }"
        );
    }
}
