//! Tags and value representations (PS3.5 §6.2, §7.1).

use std::fmt;

/// A data element tag: group and element number, `(gggg,eeee)`.
///
/// Ordered as the standard orders data elements in a data set (group, then element).
///
/// # Examples
/// ```
/// use carewire_dicom_lite::Tag;
/// let tag = Tag::new(0x0010, 0x0010);
/// assert_eq!(tag.to_string(), "(0010,0010)");
/// assert_eq!(tag.keyword(), Some("PatientName"));
/// assert_eq!(Tag::from_keyword("PatientID"), Some(Tag::new(0x0010, 0x0020)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tag(pub u32);

impl Tag {
    /// Item (FFFE,E000).
    pub const ITEM: Tag = Tag(0xFFFE_E000);
    /// Item Delimitation Item (FFFE,E00D).
    pub const ITEM_DELIMITATION: Tag = Tag(0xFFFE_E00D);
    /// Sequence Delimitation Item (FFFE,E0DD).
    pub const SEQUENCE_DELIMITATION: Tag = Tag(0xFFFE_E0DD);
    /// Pixel Data (7FE0,0010).
    pub const PIXEL_DATA: Tag = Tag(0x7FE0_0010);
    /// Float Pixel Data (7FE0,0008).
    pub const FLOAT_PIXEL_DATA: Tag = Tag(0x7FE0_0008);
    /// Double Float Pixel Data (7FE0,0009).
    pub const DOUBLE_FLOAT_PIXEL_DATA: Tag = Tag(0x7FE0_0009);
    /// Specific Character Set (0008,0005).
    pub const SPECIFIC_CHARACTER_SET: Tag = Tag(0x0008_0005);
    /// Transfer Syntax UID (0002,0010).
    pub const TRANSFER_SYNTAX_UID: Tag = Tag(0x0002_0010);
    /// File Meta Information Group Length (0002,0000).
    pub const FILE_META_GROUP_LENGTH: Tag = Tag(0x0002_0000);

    /// A tag from its group and element numbers.
    pub const fn new(group: u16, element: u16) -> Tag {
        Tag(((group as u32) << 16) | element as u32)
    }

    /// The group number.
    pub const fn group(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// The element number.
    pub const fn element(self) -> u16 {
        self.0 as u16
    }

    /// True for a private tag (odd group, other than 0001, 0003, 0005, 0007 and FFFF,
    /// which PS3.5 §7.8.1 says shall not be used).
    pub const fn is_private(self) -> bool {
        let g = self.group();
        g % 2 == 1 && g > 0x0007 && g != 0xFFFF
    }

    /// True for a private creator data element `(gggg,0010-00FF)` in a private group.
    pub const fn is_private_creator(self) -> bool {
        let e = self.element();
        self.is_private() && e >= 0x0010 && e <= 0x00FF
    }

    /// True for a group length element `(gggg,0000)`.
    pub const fn is_group_length(self) -> bool {
        self.element() == 0
    }

    /// True for the item and delimitation tags of group FFFE.
    pub const fn is_delimiter_group(self) -> bool {
        self.group() == 0xFFFE
    }

    /// The keyword from the built-in dictionary (`PatientName`), if the tag is in it.
    pub fn keyword(self) -> Option<&'static str> {
        crate::dict::by_tag(self).map(|e| e.keyword)
    }

    /// The tag named by a dictionary keyword (`"PatientName"` → (0010,0010)).
    pub fn from_keyword(keyword: &str) -> Option<Tag> {
        crate::dict::by_keyword(keyword).map(|e| Tag(e.tag))
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:04X},{:04X})", self.group(), self.element())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag{self}")
    }
}

impl std::str::FromStr for Tag {
    type Err = crate::Error;

    /// Parses `(gggg,eeee)`, `gggg,eeee`, `ggggeeee` (hexadecimal) or a dictionary
    /// keyword such as `PatientID`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidTag`](crate::ErrorKind::InvalidTag), with the byte offset in
    /// the text where it stopped making sense.
    ///
    /// # Examples
    /// ```
    /// use carewire_dicom_lite::Tag;
    /// assert_eq!("(0010,0020)".parse::<Tag>()?, Tag::new(0x0010, 0x0020));
    /// assert_eq!("7fe00010".parse::<Tag>()?, Tag::PIXEL_DATA);
    /// assert_eq!("StudyInstanceUID".parse::<Tag>()?, Tag::new(0x0020, 0x000D));
    /// assert!("(0010,00G0)".parse::<Tag>().is_err());
    /// # Ok::<(), carewire_dicom_lite::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Tag, crate::Error> {
        let bad = |at: usize| crate::Error::new(crate::ErrorKind::InvalidTag, at);
        let t = s.trim();
        if t.starts_with(|c: char| c.is_ascii_alphabetic())
            && !t.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Tag::from_keyword(t).ok_or_else(|| bad(0));
        }
        let inner = t.strip_prefix('(').unwrap_or(t);
        let inner = match inner.strip_suffix(')') {
            Some(x) => x,
            None if t.starts_with('(') => return Err(bad(t.len())),
            None => inner,
        };
        let hex: String = match inner.split_once(',') {
            Some((g, e)) if g.trim().len() == 4 && e.trim().len() == 4 => {
                format!("{}{}", g.trim(), e.trim())
            }
            Some(_) => return Err(bad(0)),
            None => inner.to_owned(),
        };
        if hex.len() != 8 {
            return Err(bad(0));
        }
        if let Some(i) = hex.find(|c: char| !c.is_ascii_hexdigit()) {
            return Err(bad(i));
        }
        u32::from_str_radix(&hex, 16).map(Tag).map_err(|_| bad(0))
    }
}

impl From<(u16, u16)> for Tag {
    fn from((g, e): (u16, u16)) -> Tag {
        Tag::new(g, e)
    }
}

macro_rules! vrs {
    ($($name:ident $code:literal $doc:literal,)*) => {
        /// A value representation (PS3.5 §6.2): the type of a data element's value.
        ///
        /// # Examples
        /// ```
        /// use carewire_dicom_lite::Vr;
        /// assert_eq!(Vr::from_bytes(*b"PN"), Some(Vr::Pn));
        /// assert_eq!(Vr::Pn.as_str(), "PN");
        /// assert!(Vr::Ob.has_long_header());
        /// ```
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[non_exhaustive]
        pub enum Vr {
            $(#[doc = $doc] $name,)*
        }

        impl Vr {
            /// The VR named by its two-letter code, `None` for an unknown code.
            #[inline]
            pub fn from_bytes(code: [u8; 2]) -> Option<Vr> {
                /// Every VR, in declaration order.
                const ALL: &[Vr] = &[$(Vr::$name,)*];
                /// (first letter - 'A') * 26 + (second - 'A') -> the VR (one load: the
                /// reader looks up every explicit VR with it).
                const TABLE: [Option<Vr>; 26 * 26] = {
                    let codes: &[&[u8; 2]] = &[$($code,)*];
                    let mut t = [None; 26 * 26];
                    let mut i = 0;
                    while i < codes.len() {
                        let c = codes[i];
                        t[(c[0] - b'A') as usize * 26 + (c[1] - b'A') as usize] = Some(ALL[i]);
                        i += 1;
                    }
                    t
                };
                let a = code[0].wrapping_sub(b'A') as usize;
                let b = code[1].wrapping_sub(b'A') as usize;
                if a >= 26 || b >= 26 {
                    return None;
                }
                TABLE.get(a * 26 + b).copied().flatten()
            }

            /// The two-letter code as bytes.
            pub fn to_bytes(self) -> [u8; 2] {
                match self {
                    $(Vr::$name => *$code,)*
                }
            }
        }
    };
}

vrs! {
    Ae b"AE" "Application Entity",
    As b"AS" "Age String",
    At b"AT" "Attribute Tag",
    Cs b"CS" "Code String",
    Da b"DA" "Date",
    Ds b"DS" "Decimal String",
    Dt b"DT" "Date Time",
    Fd b"FD" "Floating Point Double",
    Fl b"FL" "Floating Point Single",
    Is b"IS" "Integer String",
    Lo b"LO" "Long String",
    Lt b"LT" "Long Text",
    Ob b"OB" "Other Byte",
    Od b"OD" "Other Double",
    Of b"OF" "Other Float",
    Ol b"OL" "Other Long",
    Ov b"OV" "Other 64-bit Very Long",
    Ow b"OW" "Other Word",
    Pn b"PN" "Person Name",
    Sh b"SH" "Short String",
    Sl b"SL" "Signed Long",
    Sq b"SQ" "Sequence of Items",
    Ss b"SS" "Signed Short",
    St b"ST" "Short Text",
    Sv b"SV" "Signed 64-bit Very Long",
    Tm b"TM" "Time",
    Uc b"UC" "Unlimited Characters",
    Ui b"UI" "Unique Identifier (UID)",
    Ul b"UL" "Unsigned Long",
    Un b"UN" "Unknown",
    Ur b"UR" "Universal Resource Identifier or Locator",
    Us b"US" "Unsigned Short",
    Ut b"UT" "Unlimited Text",
    Uv b"UV" "Unsigned 64-bit Very Long",
}

impl Vr {
    /// The two-letter code (`"PN"`).
    pub fn as_str(self) -> &'static str {
        VR_CODES
            .iter()
            .find(|(vr, _)| *vr == self)
            .map_or("UN", |(_, s)| *s)
    }

    /// True when explicit-VR encoding uses the 12-byte header with a 32-bit length
    /// (PS3.5 §7.1.2, Table 7.1-1).
    pub fn has_long_header(self) -> bool {
        matches!(
            self,
            Vr::Ob
                | Vr::Od
                | Vr::Of
                | Vr::Ol
                | Vr::Ov
                | Vr::Ow
                | Vr::Sq
                | Vr::Uc
                | Vr::Un
                | Vr::Ur
                | Vr::Ut
                | Vr::Uv
        )
    }

    /// True for the character-string VRs (their values are text, padded with a space,
    /// except UI which is padded with NUL).
    pub fn is_string(self) -> bool {
        matches!(
            self,
            Vr::Ae
                | Vr::As
                | Vr::Cs
                | Vr::Da
                | Vr::Ds
                | Vr::Dt
                | Vr::Is
                | Vr::Lo
                | Vr::Lt
                | Vr::Pn
                | Vr::Sh
                | Vr::St
                | Vr::Tm
                | Vr::Uc
                | Vr::Ui
                | Vr::Ur
                | Vr::Ut
        )
    }

    /// True for string VRs whose text is affected by Specific Character Set (0008,0005)
    /// (PS3.5 §6.1.2.3): SH, LO, UC, ST, LT, UT and PN.
    pub fn uses_character_set(self) -> bool {
        matches!(
            self,
            Vr::Sh | Vr::Lo | Vr::Uc | Vr::St | Vr::Lt | Vr::Ut | Vr::Pn
        )
    }

    /// True for string VRs that may hold several values separated by `\` (all string VRs
    /// except LT, ST, UT and UR, PS3.5 §6.4).
    pub fn is_multi_valued_string(self) -> bool {
        self.is_string() && !matches!(self, Vr::Lt | Vr::St | Vr::Ut | Vr::Ur)
    }

    /// The byte that pads a value to even length: NUL for UI and the binary VRs, space
    /// for the other string VRs (PS3.5 §6.2).
    pub fn padding(self) -> u8 {
        if self.is_string() && self != Vr::Ui {
            b' '
        } else {
            0
        }
    }

    /// The size of one binary value (2 for US, 8 for FD …), `None` for other VRs.
    pub fn binary_width(self) -> Option<usize> {
        match self {
            Vr::Us | Vr::Ss | Vr::Ow => Some(2),
            Vr::Ul | Vr::Sl | Vr::Fl | Vr::Of | Vr::Ol | Vr::At => Some(4),
            Vr::Fd | Vr::Od | Vr::Sv | Vr::Uv | Vr::Ov => Some(8),
            _ => None,
        }
    }
}

const VR_CODES: &[(Vr, &str)] = &[
    (Vr::Ae, "AE"),
    (Vr::As, "AS"),
    (Vr::At, "AT"),
    (Vr::Cs, "CS"),
    (Vr::Da, "DA"),
    (Vr::Ds, "DS"),
    (Vr::Dt, "DT"),
    (Vr::Fd, "FD"),
    (Vr::Fl, "FL"),
    (Vr::Is, "IS"),
    (Vr::Lo, "LO"),
    (Vr::Lt, "LT"),
    (Vr::Ob, "OB"),
    (Vr::Od, "OD"),
    (Vr::Of, "OF"),
    (Vr::Ol, "OL"),
    (Vr::Ov, "OV"),
    (Vr::Ow, "OW"),
    (Vr::Pn, "PN"),
    (Vr::Sh, "SH"),
    (Vr::Sl, "SL"),
    (Vr::Sq, "SQ"),
    (Vr::Ss, "SS"),
    (Vr::St, "ST"),
    (Vr::Sv, "SV"),
    (Vr::Tm, "TM"),
    (Vr::Uc, "UC"),
    (Vr::Ui, "UI"),
    (Vr::Ul, "UL"),
    (Vr::Un, "UN"),
    (Vr::Ur, "UR"),
    (Vr::Us, "US"),
    (Vr::Ut, "UT"),
    (Vr::Uv, "UV"),
];

impl fmt::Display for Vr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vr_code_round_trips_through_bytes_and_str() {
        for (vr, code) in VR_CODES {
            let bytes: [u8; 2] = [code.as_bytes()[0], code.as_bytes()[1]];
            assert_eq!(Vr::from_bytes(bytes), Some(*vr));
            assert_eq!(vr.to_bytes(), bytes);
            assert_eq!(vr.as_str(), *code);
        }
        assert_eq!(Vr::from_bytes(*b"  "), None);
        assert_eq!(Vr::from_bytes(*b"pn"), None);
        // Every other two-byte code is unknown.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let known = VR_CODES.iter().any(|(_, c)| c.as_bytes() == [a, b]);
                assert_eq!(Vr::from_bytes([a, b]).is_some(), known, "{a:02X}{b:02X}");
            }
        }
    }

    #[test]
    fn tag_display_is_group_comma_element_in_upper_hex() {
        assert_eq!(Tag::new(0x7FE0, 0x0010).to_string(), "(7FE0,0010)");
        assert_eq!(format!("{:?}", Tag::ITEM), "Tag(FFFE,E000)");
    }

    #[test]
    fn tags_parse_from_hex_forms_and_keywords() {
        for text in [
            "(0008,0050)",
            "0008,0050",
            "00080050",
            " AccessionNumber ",
            "(0008, 0050)",
        ] {
            assert_eq!(
                text.parse::<Tag>().ok(),
                Some(Tag::new(0x0008, 0x0050)),
                "{text}"
            );
        }
        for text in [
            "",
            "(0008,0050",
            "0008005",
            "000800500",
            "NoSuchKeyword",
            "(00G8,0050)",
            "0008;0050",
        ] {
            let err = text.parse::<Tag>().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidTag, "{text}");
        }
    }

    #[test]
    fn private_and_creator_tags_are_classified() {
        assert!(Tag::new(0x0029, 0x0010).is_private_creator());
        assert!(Tag::new(0x0029, 0x1010).is_private());
        assert!(!Tag::new(0x0029, 0x1010).is_private_creator());
        assert!(!Tag::new(0x0010, 0x0010).is_private());
        assert!(!Tag::new(0x0001, 0x0010).is_private());
        assert!(!Tag::ITEM.is_private());
    }
}
