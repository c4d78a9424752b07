//! HD — hierarchic designator (HL7 v2.5.1 ch. 2A.33).

use super::{datatype, text_accessors};

datatype!(
    /// HD — hierarchic designator: an assigning authority or facility, by local namespace
    /// id and/or a universal id (an OID, a DNS name, …).
    ///
    /// As a field (MSH-4) its parts are components; inside another type (CX.4, PL.4,
    /// XCN.9) they are subcomponents: build it with [`Hd::from_component`], or take it
    /// from the enclosing type ([`Cx::assigning_authority`](super::Cx::assigning_authority)).
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Namespace ID (IS) | [`namespace_id`](Hd::namespace_id) |
    /// | 2 | Universal ID (ST) | [`universal_id`](Hd::universal_id) |
    /// | 3 | Universal ID Type (ID, table 0301) | [`universal_id_type`](Hd::universal_id_type) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Hd, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|LAB|GOOD HEALTH^2.16.840.1.113883.19^ISO|A|B")?;
    /// let facility: Hd = msg.msh().field_as(4).ok_or("no MSH-4")?;
    /// assert_eq!(facility.namespace_id().as_deref(), Some("GOOD HEALTH"));
    /// assert_eq!(facility.universal_id().as_deref(), Some("2.16.840.1.113883.19"));
    /// assert_eq!(facility.universal_id_type().as_deref(), Some("ISO"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Hd,
    "HD",
    ["namespace_id", "universal_id", "universal_id_type"]
);

impl<'m> Hd<'m> {
    text_accessors! {
        /// HD.1 namespace ID (a locally defined name, IS).
        namespace_id => 1;
        /// HD.2 universal ID (e.g. an OID).
        universal_id => 2;
        /// HD.3 universal ID type (`ISO`, `DNS`, `UUID`, …; HL7 table 0301).
        universal_id_type => 3;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn as_field_components() {
        let b = with_segment("ZZZ|1|GOOD HEALTH^2.16.840.1.113883.19^ISO|^1.2.3^ISO|LOCAL");
        let msg = parse(&b);
        let z = msg.find(b"ZZZ", 1).expect("zzz");
        let hd: Hd = z.field_as(2).expect("field");
        assert_eq!(hd.namespace_id().as_deref(), Some("GOOD HEALTH"));
        assert_eq!(hd.universal_id().as_deref(), Some("2.16.840.1.113883.19"));
        assert_eq!(hd.universal_id_type().as_deref(), Some("ISO"));
        let hd: Hd = z.field_as(3).expect("field");
        assert_eq!(hd.namespace_id(), None);
        assert_eq!(hd.universal_id().as_deref(), Some("1.2.3"));
        let hd: Hd = z.field_as(4).expect("field");
        assert_eq!(hd.namespace_id().as_deref(), Some("LOCAL"));
        assert_eq!(hd.universal_id(), None);
        assert_eq!(hd.universal_id_type(), None);
        assert_eq!(format!("{hd:?}"), "Hd { present: [namespace_id] }");
    }

    #[test]
    fn as_subcomponents_with_escape() {
        // `\T\` is an escaped `&`: it must not split the subcomponent.
        let b = with_segment("PID|1||1^^^A\\T\\B&1.2.3&ISO");
        let msg = parse(&b);
        let comp = msg
            .find(b"PID", 1)
            .and_then(|s| s.field(3))
            .and_then(|f| f.component(4))
            .expect("pid-3.4");
        let hd = Hd::from_component(comp);
        assert_eq!(hd.namespace_id().as_deref(), Some("A&B"));
        assert_eq!(hd.universal_id().as_deref(), Some("1.2.3"));
        assert_eq!(hd.universal_id_type().as_deref(), Some("ISO"));
        assert_eq!(hd.part_text(4), None);
    }
}
