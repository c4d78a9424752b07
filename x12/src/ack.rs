//! The TA1 interchange acknowledgment: built from an interchange's envelope findings, or
//! read from an inbound TA1 segment.

use std::fmt;

use crate::finding::{AckCode, Finding};
use crate::view::{Interchange, Segment};

/// TA104, the interchange acknowledgment code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Ta1Status {
    /// `A`: accepted with no errors.
    Accepted,
    /// `E`: accepted, errors noted (control numbers or the group count disagree).
    AcceptedWithErrors,
    /// `R`: rejected because of errors.
    Rejected,
}

impl Ta1Status {
    /// The code as written in TA104.
    pub fn code(&self) -> &'static str {
        match self {
            Ta1Status::Accepted => "A",
            Ta1Status::AcceptedWithErrors => "E",
            Ta1Status::Rejected => "R",
        }
    }
}

/// The content of a TA1 segment answering one interchange.
///
/// `Debug` shows status and note code, never the control number, date or time.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ta1 {
    /// TA101: the interchange control number (ISA13) being acknowledged.
    pub control_number: String,
    /// TA102: the interchange date (ISA09).
    pub date: String,
    /// TA103: the interchange time (ISA10).
    pub time: String,
    /// TA104.
    pub status: Ta1Status,
    /// TA105: the interchange note code (`000` when there is nothing to note).
    pub note: String,
}

impl Ta1 {
    /// The TA1 for an interchange: `A`/`000` without TA1 findings; otherwise the first
    /// finding's note code, with `E` when every TA1 finding only notes a disagreement
    /// the receiver can work around (note 001: IEA02 differs from ISA13, the header's
    /// number is used; 021: IEA01 differs from the group count) and `R` otherwise.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::{Document, Ta1, Ta1Status};
    /// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
    /// *240101*1200*^*00501*000000042*0*T*:~IEA*0*000000043~";
    /// let doc = Document::parse(input)?;
    /// let ta1 = Ta1::for_interchange(&doc.interchange(0).ok_or("no interchange")?);
    /// assert_eq!((ta1.status, ta1.note.as_str()), (Ta1Status::AcceptedWithErrors, "001"));
    /// assert_eq!(ta1.control_number, "000000042");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_interchange(ich: &Interchange<'_>) -> Ta1 {
        let field = |n: usize| {
            ich.isa()
                .map(|s| String::from_utf8_lossy(s.raw_element(n)).into_owned())
                .unwrap_or_default()
        };
        let notes: Vec<&'static str> = ich
            .findings()
            .filter_map(|f: &Finding| match f.ack_code() {
                AckCode::Ta1Note(n) => Some(n),
                _ => None,
            })
            .collect();
        let (status, note) = match notes.first() {
            None => (Ta1Status::Accepted, "000"),
            Some(&first) if notes.iter().all(|n| matches!(*n, "001" | "021")) => {
                (Ta1Status::AcceptedWithErrors, first)
            }
            Some(&first) => (Ta1Status::Rejected, first),
        };
        Ta1 {
            control_number: field(13),
            date: field(9),
            time: field(10),
            status,
            note: note.to_string(),
        }
    }

    /// Reads an inbound TA1 segment; `None` when `seg` is not a TA1 or TA104 is not
    /// `A`, `E` or `R`.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::{Document, Ta1, Ta1Status};
    /// let input = b"ISA*00*          *00*          *ZZ*RECEIVER       *ZZ*SENDER         \
    /// *240101*1201*^*00501*000000001*0*P*:~TA1*000000042*240101*1200*R*006~IEA*0*000000001~";
    /// let doc = Document::parse(input)?;
    /// let ta1 = doc.segments().find_map(|s| Ta1::from_segment(&s)).ok_or("no TA1")?;
    /// assert_eq!((ta1.status, ta1.note.as_str()), (Ta1Status::Rejected, "006"));
    /// assert_eq!(ta1.control_number, "000000042");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_segment(seg: &Segment<'_>) -> Option<Ta1> {
        if seg.id() != b"TA1" {
            return None;
        }
        let text = |n: usize| String::from_utf8_lossy(seg.raw_element(n)).into_owned();
        let status = match seg.raw_element(4) {
            b"A" => Ta1Status::Accepted,
            b"E" => Ta1Status::AcceptedWithErrors,
            b"R" => Ta1Status::Rejected,
            _ => return None,
        };
        Some(Ta1 {
            control_number: text(1),
            date: text(2),
            time: text(3),
            status,
            note: text(5),
        })
    }
}

impl fmt::Debug for Ta1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ta1")
            .field("status", &self.status)
            .field("note", &self.note)
            .finish_non_exhaustive()
    }
}
