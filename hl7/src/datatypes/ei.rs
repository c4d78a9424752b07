//! EI — entity identifier (HL7 v2.5.1 ch. 2A.27).

use super::{datatype, text_accessors, Hd};

datatype!(
    /// EI — entity identifier: a placer/filler order number, a specimen id, … with the
    /// authority that assigned it (EI.2-4 form an HD, flattened into components).
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Entity Identifier (ST) | [`entity_id`](Ei::entity_id) |
    /// | 2 | Namespace ID (IS) | [`namespace_id`](Ei::namespace_id) |
    /// | 3 | Universal ID (ST) | [`universal_id`](Ei::universal_id) |
    /// | 4 | Universal ID Type (ID) | [`universal_id_type`](Ei::universal_id_type) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Ei, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rORC|NW|ORD-1^PLACER^1.2.3^ISO")?;
    /// let placer: Ei = msg.find(b"ORC", 1).and_then(|s| s.field_as(2)).ok_or("no ORC-2")?;
    /// assert_eq!(placer.entity_id().as_deref(), Some("ORD-1"));
    /// assert_eq!(placer.namespace_id().as_deref(), Some("PLACER"));
    /// let authority = placer.assigning_authority().ok_or("no authority")?;
    /// assert_eq!(authority.universal_id().as_deref(), Some("1.2.3"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Ei,
    "EI",
    ["entity_id", "namespace_id", "universal_id", "universal_id_type"]
);

impl<'m> Ei<'m> {
    text_accessors! {
        /// EI.1 entity identifier.
        entity_id => 1;
        /// EI.2 namespace ID of the assigning authority.
        namespace_id => 2;
        /// EI.3 universal ID of the assigning authority.
        universal_id => 3;
        /// EI.4 universal ID type (HL7 table 0301).
        universal_id_type => 4;
    }

    /// EI.2-4 viewed as an [`Hd`]; `None` when all three are absent, empty or null.
    pub fn assigning_authority(&self) -> Option<Hd<'m>> {
        self.parts.run(2, 3).map(Hd::from_parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn spec_example_and_authority() {
        let b = with_segment("OBR|1|ORD-1^PLACER^1.2.3^ISO|F\\S\\9^LAB||");
        let msg = parse(&b);
        let obr = msg.find(b"OBR", 1).expect("obr");
        let placer: Ei = obr.field_as(2).expect("obr-2");
        assert_eq!(placer.entity_id().as_deref(), Some("ORD-1"));
        assert_eq!(placer.namespace_id().as_deref(), Some("PLACER"));
        assert_eq!(placer.universal_id().as_deref(), Some("1.2.3"));
        assert_eq!(placer.universal_id_type().as_deref(), Some("ISO"));
        let hd = placer.assigning_authority().expect("hd");
        assert_eq!(hd.namespace_id().as_deref(), Some("PLACER"));
        assert_eq!(hd.universal_id_type().as_deref(), Some("ISO"));
        assert_eq!(hd.part_text(4), None);
        assert_eq!(
            format!("{hd:?}"),
            "Hd { present: [namespace_id, universal_id, universal_id_type] }"
        );

        // Escaped component separator stays inside the entity id.
        let filler: Ei = obr.field_as(3).expect("obr-3");
        assert_eq!(filler.entity_id().as_deref(), Some("F^9"));
        let hd = filler.assigning_authority().expect("hd");
        assert_eq!(hd.namespace_id().as_deref(), Some("LAB"));
        assert_eq!(hd.universal_id(), None);

        let empty: Ei = obr.field_as(4).expect("obr-4");
        assert!(empty.is_empty());
        assert_eq!(empty.entity_id(), None);
        assert!(empty.assigning_authority().is_none());
    }

    #[test]
    fn as_subcomponents() {
        // EIP.1 (ORC-8 parent) carries EI as subcomponents.
        let b = with_segment("ORC|NW|||||||P-1&PLACER&1.2.3&ISO^F-1&FILLER");
        let msg = parse(&b);
        let comp = msg
            .find(b"ORC", 1)
            .and_then(|s| s.field(8))
            .and_then(|f| f.component(1))
            .expect("orc-8.1");
        let ei = Ei::from_component(comp);
        assert_eq!(ei.entity_id().as_deref(), Some("P-1"));
        let hd = ei.assigning_authority().expect("hd");
        assert_eq!(hd.universal_id().as_deref(), Some("1.2.3"));
        assert_eq!(hd.universal_id_type().as_deref(), Some("ISO"));
    }
}
