//! CWE — coded with exceptions (HL7 v2.5.1 ch. 2A.13); also reads CE and CNE.

use super::{datatype, text_accessors};

datatype!(
    /// CWE — coded with exceptions: a code, its text and coding system, an alternate
    /// coding, and the original text. Also reads CE (components 1-6) and CNE (same
    /// layout as CWE).
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Identifier (ST) | [`identifier`](Cwe::identifier) |
    /// | 2 | Text (ST) | [`text`](Cwe::text) |
    /// | 3 | Name of Coding System (ID, table 0396) | [`coding_system`](Cwe::coding_system) |
    /// | 4 | Alternate Identifier (ST) | [`alternate_identifier`](Cwe::alternate_identifier) |
    /// | 5 | Alternate Text (ST) | [`alternate_text`](Cwe::alternate_text) |
    /// | 6 | Name of Alternate Coding System (ID) | [`alternate_coding_system`](Cwe::alternate_coding_system) |
    /// | 7 | Coding System Version ID (ST) | [`coding_system_version`](Cwe::coding_system_version) |
    /// | 8 | Alternate Coding System Version ID (ST) | [`alternate_coding_system_version`](Cwe::alternate_coding_system_version) |
    /// | 9 | Original Text (ST) | [`original_text`](Cwe::original_text) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Cwe, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rOBX|1|NM|8867-4^Heart rate^LN^HR^Pulse^L|1|72")?;
    /// let code: Cwe = msg.find(b"OBX", 1).and_then(|s| s.field_as(3)).ok_or("no OBX-3")?;
    /// assert_eq!(code.identifier().as_deref(), Some("8867-4"));
    /// assert_eq!(code.text().as_deref(), Some("Heart rate"));
    /// assert_eq!(code.coding_system().as_deref(), Some("LN"));
    /// assert_eq!(code.alternate_identifier().as_deref(), Some("HR"));
    /// assert_eq!(code.original_text(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Cwe,
    "CWE",
    [
        "identifier",
        "text",
        "coding_system",
        "alternate_identifier",
        "alternate_text",
        "alternate_coding_system",
        "coding_system_version",
        "alternate_coding_system_version",
        "original_text",
    ]
);

impl<'m> Cwe<'m> {
    text_accessors! {
        /// CWE.1 identifier (the code).
        identifier => 1;
        /// CWE.2 text (the code's display name).
        text => 2;
        /// CWE.3 name of coding system (`LN`, `SCT`, `I10`, `HL7nnnn`, …; table 0396).
        coding_system => 3;
        /// CWE.4 alternate identifier.
        alternate_identifier => 4;
        /// CWE.5 alternate text.
        alternate_text => 5;
        /// CWE.6 name of alternate coding system.
        alternate_coding_system => 6;
        /// CWE.7 coding system version ID.
        coding_system_version => 7;
        /// CWE.8 alternate coding system version ID.
        alternate_coding_system_version => 8;
        /// CWE.9 original text (what the user saw or typed, before coding).
        original_text => 9;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn spec_example_all_components() {
        let b = with_segment(
            "OBX|1|CWE|8867-4^Heart rate^LN^HR^Pulse^L^2.68^1^heart beat|1|\
             F-11380^CREATININE 1:1 DILUTION^SCT",
        );
        let msg = parse(&b);
        let obx = msg.find(b"OBX", 1).expect("obx");
        let c: Cwe = obx.field_as(3).expect("obx-3");
        assert_eq!(c.identifier().as_deref(), Some("8867-4"));
        assert_eq!(c.text().as_deref(), Some("Heart rate"));
        assert_eq!(c.coding_system().as_deref(), Some("LN"));
        assert_eq!(c.alternate_identifier().as_deref(), Some("HR"));
        assert_eq!(c.alternate_text().as_deref(), Some("Pulse"));
        assert_eq!(c.alternate_coding_system().as_deref(), Some("L"));
        assert_eq!(c.coding_system_version().as_deref(), Some("2.68"));
        assert_eq!(c.alternate_coding_system_version().as_deref(), Some("1"));
        assert_eq!(c.original_text().as_deref(), Some("heart beat"));
        assert!(!format!("{c:?}").contains("Heart"));

        // CE: only six components.
        let ce: Cwe = obx.field_as(5).expect("obx-5");
        assert_eq!(ce.identifier().as_deref(), Some("F-11380"));
        assert_eq!(ce.text().as_deref(), Some("CREATININE 1:1 DILUTION"));
        assert_eq!(ce.coding_system().as_deref(), Some("SCT"));
        assert_eq!(ce.alternate_identifier(), None);
        assert_eq!(ce.original_text(), None);
    }

    #[test]
    fn escapes_and_original_text_only() {
        let b =
            with_segment("DG1|1||^^^^^^^^Chest pain \\T\\ SOB\\F\\fever|A\\E\\B^Text \\S\\ more^L");
        let msg = parse(&b);
        let dg1 = msg.find(b"DG1", 1).expect("dg1");
        let c: Cwe = dg1.field_as(3).expect("dg1-3");
        assert_eq!(c.identifier(), None);
        assert_eq!(c.original_text().as_deref(), Some("Chest pain & SOB|fever"));
        assert_eq!(format!("{c:?}"), "Cwe { present: [original_text] }");
        let c: Cwe = dg1.field_as(4).expect("dg1-4");
        assert_eq!(c.identifier().as_deref(), Some("A\\B"));
        assert_eq!(c.text().as_deref(), Some("Text ^ more"));
        // Decoding allocated only where escapes were present.
        assert!(matches!(
            c.coding_system(),
            Some(std::borrow::Cow::Borrowed("L"))
        ));
    }

    #[test]
    fn null_identifier_is_none_but_visible_in_value() {
        let b = with_segment("AL1|1||\"\"^^L");
        let msg = parse(&b);
        let c: Cwe = msg
            .find(b"AL1", 1)
            .and_then(|s| s.field_as(3))
            .expect("al1-3");
        assert_eq!(c.identifier(), None);
        assert!(c.part(1).is_some_and(|v| v.is_null()));
        assert!(!c.is_null()); // only component 1 is null, not the whole value
        assert_eq!(
            format!("{c:?}"),
            "Cwe { present: [identifier(null), coding_system] }"
        );
    }
}
