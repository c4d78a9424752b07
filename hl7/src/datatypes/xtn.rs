//! XTN — extended telecommunication number (HL7 v2.5.1 ch. 2A.89).

use super::{datatype, text_accessors};

datatype!(
    /// XTN — extended telecommunication number: a phone number, fax, pager or e-mail
    /// address (PID-13 home, PID-14 business, …).
    ///
    /// In v2.5.1 XTN.1 (the unstructured `[NNN] [(999)]999-9999 [X99999] [B99999] [C any
    /// text]` form) is deprecated in favour of the structured components 5-8, but many
    /// senders still fill only XTN.1.
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Telephone Number (ST, deprecated) | [`telephone_number`](Xtn::telephone_number) |
    /// | 2 | Telecommunication Use Code (ID, table 0201) | [`use_code`](Xtn::use_code) |
    /// | 3 | Telecommunication Equipment Type (ID, table 0202) | [`equipment_type`](Xtn::equipment_type) |
    /// | 4 | Email Address (ST) | [`email`](Xtn::email) |
    /// | 5 | Country Code (NM) | [`country_code`](Xtn::country_code) |
    /// | 6 | Area/City Code (NM) | [`area_code`](Xtn::area_code) |
    /// | 7 | Local Number (NM) | [`local_number`](Xtn::local_number) |
    /// | 8 | Extension (NM) | [`extension`](Xtn::extension) |
    /// | 9 | Any Text (ST) | [`any_text`](Xtn::any_text) |
    /// | 10 | Extension Prefix (ST) | [`extension_prefix`](Xtn::extension_prefix) |
    /// | 11 | Speed Dial Code (ST) | [`speed_dial_code`](Xtn::speed_dial_code) |
    /// | 12 | Unformatted Telephone Number (ST) | [`unformatted_telephone_number`](Xtn::unformatted_telephone_number) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Xtn, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||Doe^Jane||||||||(555)555-0100^PRN^PH^^1^555^5550100^12~^NET^Internet^jane@example.org")?;
    /// let pid13 = msg.find(b"PID", 1).and_then(|s| s.field(13)).ok_or("no PID-13")?;
    /// let mut numbers = pid13.repetitions_as::<Xtn>();
    /// let phone = numbers.next().ok_or("no phone")?;
    /// assert_eq!(phone.use_code().as_deref(), Some("PRN"));
    /// assert_eq!(phone.area_code().as_deref(), Some("555"));
    /// assert_eq!(phone.local_number().as_deref(), Some("5550100"));
    /// assert_eq!(phone.extension().as_deref(), Some("12"));
    /// let email = numbers.next().ok_or("no email")?;
    /// assert_eq!(email.equipment_type().as_deref(), Some("Internet"));
    /// assert_eq!(email.email().as_deref(), Some("jane@example.org"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Xtn,
    "XTN",
    [
        "telephone_number",
        "use_code",
        "equipment_type",
        "email",
        "country_code",
        "area_code",
        "local_number",
        "extension",
        "any_text",
        "extension_prefix",
        "speed_dial_code",
        "unformatted_telephone_number",
    ]
);

impl<'m> Xtn<'m> {
    text_accessors! {
        /// XTN.1 telephone number in the unstructured form (deprecated since v2.3, still common).
        telephone_number => 1;
        /// XTN.2 telecommunication use code (`PRN` primary residence, `WPN` work, `NET`
        /// network address, …; table 0201).
        use_code => 2;
        /// XTN.3 telecommunication equipment type (`PH`, `FX`, `CP`, `Internet`, …;
        /// table 0202).
        equipment_type => 3;
        /// XTN.4 e-mail address.
        email => 4;
        /// XTN.5 country code.
        country_code => 5;
        /// XTN.6 area/city code.
        area_code => 6;
        /// XTN.7 local number.
        local_number => 7;
        /// XTN.8 extension.
        extension => 8;
        /// XTN.9 any text.
        any_text => 9;
        /// XTN.10 extension prefix.
        extension_prefix => 10;
        /// XTN.11 speed dial code.
        speed_dial_code => 11;
        /// XTN.12 unformatted telephone number.
        unformatted_telephone_number => 12;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn spec_examples() {
        let b = with_segment(
            "PID|1||7||Doe||||||||\
             (415)555-3210^ORN^FX^^1^415^5553210^99^after 5pm^X^7^+14155553210\
             ~^NET^Internet^smith\\T\\co@example.org\
             ~(555)555-0100X12",
        );
        let msg = parse(&b);
        let f = msg
            .find(b"PID", 1)
            .and_then(|s| s.field(13))
            .expect("pid-13");
        let all: Vec<Xtn> = f.repetitions_as().collect();
        assert_eq!(all.len(), 3);
        let fax = all[0];
        assert_eq!(fax.telephone_number().as_deref(), Some("(415)555-3210"));
        assert_eq!(fax.use_code().as_deref(), Some("ORN"));
        assert_eq!(fax.equipment_type().as_deref(), Some("FX"));
        assert_eq!(fax.email(), None);
        assert_eq!(fax.country_code().as_deref(), Some("1"));
        assert_eq!(fax.area_code().as_deref(), Some("415"));
        assert_eq!(fax.local_number().as_deref(), Some("5553210"));
        assert_eq!(fax.extension().as_deref(), Some("99"));
        assert_eq!(fax.any_text().as_deref(), Some("after 5pm"));
        assert_eq!(fax.extension_prefix().as_deref(), Some("X"));
        assert_eq!(fax.speed_dial_code().as_deref(), Some("7"));
        assert_eq!(
            fax.unformatted_telephone_number().as_deref(),
            Some("+14155553210")
        );

        let net = all[1];
        assert_eq!(net.email().as_deref(), Some("smith&co@example.org"));
        assert_eq!(net.telephone_number(), None);
        assert_eq!(
            format!("{net:?}"),
            "Xtn { present: [use_code, equipment_type, email] }"
        );

        let old = all[2];
        assert_eq!(old.telephone_number().as_deref(), Some("(555)555-0100X12"));
        assert_eq!(old.use_code(), None);
        assert!(!format!("{old:?}").contains("555"));
    }

    #[test]
    fn empty_repetition() {
        let b = with_segment("PID|1||7||Doe||||||||~^PRN");
        let msg = parse(&b);
        let f = msg
            .find(b"PID", 1)
            .and_then(|s| s.field(13))
            .expect("pid-13");
        let all: Vec<Xtn> = f.repetitions_as().collect();
        assert!(all[0].is_empty());
        assert_eq!(all[0].telephone_number(), None);
        assert!(!all[1].is_empty());
        assert_eq!(all[1].use_code().as_deref(), Some("PRN"));
    }
}
