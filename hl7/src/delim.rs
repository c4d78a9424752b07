//! The delimiters a message declares in MSH-1 and MSH-2 (HL7 v2.x ch. 2.5.4).

use std::fmt;

use crate::error::{Error, ErrorKind, Result};

/// Field, component, repetition, escape, subcomponent and (v2.7+) truncation characters.
///
/// Delimiters a message does not declare (an MSH-2 shorter than four characters) are
/// unavailable: accessors return `None`, and nothing is split on them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    pub(crate) field: u8,
    // An undeclared delimiter is stored as the field separator, which can never occur
    // inside a field, so splitting on it is a no-op without a branch.
    pub(crate) component: u8,
    pub(crate) repetition: u8,
    pub(crate) escape: u8,
    pub(crate) subcomponent: u8,
    pub(crate) truncation: u8,
}

impl Default for Delimiters {
    /// `|^~\&` — the delimiters recommended by the standard.
    fn default() -> Self {
        Delimiters {
            field: b'|',
            component: b'^',
            repetition: b'~',
            escape: b'\\',
            subcomponent: b'&',
            truncation: b'|',
        }
    }
}

impl Delimiters {
    /// Builds delimiters from a field separator and the MSH-2 encoding characters
    /// (component, repetition, escape, subcomponent, and optionally truncation).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDelimiters`] when a character is CR, LF, alphanumeric, or used twice.
    ///
    /// # Examples
    /// ```
    /// let d = carewire_hl7::Delimiters::new(b'|', b"^~\\&#")?;
    /// assert_eq!(d.truncation(), Some(b'#'));
    /// # Ok::<(), carewire_hl7::Error>(())
    /// ```
    pub fn new(field: u8, encoding: &[u8]) -> Result<Delimiters> {
        let mut all = [field; 6];
        for (i, &b) in encoding.iter().take(5).enumerate() {
            all[i + 1] = b;
        }
        let used = 1 + encoding.len().min(5);
        for (i, &b) in all[..used].iter().enumerate() {
            if b == b'\r' || b == b'\n' || b.is_ascii_alphanumeric() || b == b' ' {
                return Err(Error::new(ErrorKind::InvalidDelimiters, 3 + i));
            }
            if all[..i].contains(&b) {
                return Err(Error::new(ErrorKind::InvalidDelimiters, 3 + i));
            }
        }
        Ok(Delimiters {
            field: all[0],
            component: all[1],
            repetition: all[2],
            escape: all[3],
            subcomponent: all[4],
            truncation: all[5],
        })
    }

    /// Delimiters that split nothing and decode nothing (used for MSH-1 and MSH-2).
    pub(crate) fn opaque(field: u8) -> Delimiters {
        Delimiters {
            field,
            component: field,
            repetition: field,
            escape: field,
            subcomponent: field,
            truncation: field,
        }
    }

    fn declared(&self, b: u8) -> Option<u8> {
        (b != self.field).then_some(b)
    }

    /// The field separator (MSH-1).
    pub fn field(&self) -> u8 {
        self.field
    }

    /// The component separator (1st MSH-2 character).
    pub fn component(&self) -> Option<u8> {
        self.declared(self.component)
    }

    /// The repetition separator (2nd MSH-2 character).
    pub fn repetition(&self) -> Option<u8> {
        self.declared(self.repetition)
    }

    /// The escape character (3rd MSH-2 character).
    pub fn escape(&self) -> Option<u8> {
        self.declared(self.escape)
    }

    /// The subcomponent separator (4th MSH-2 character).
    pub fn subcomponent(&self) -> Option<u8> {
        self.declared(self.subcomponent)
    }

    /// The truncation character (5th MSH-2 character, HL7 v2.7+).
    pub fn truncation(&self) -> Option<u8> {
        self.declared(self.truncation)
    }

    /// The MSH-2 encoding characters as they would be written.
    pub fn encoding_characters(&self) -> Vec<u8> {
        [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
            self.truncation,
        ]
        .iter()
        .copied()
        .take_while(|&b| b != self.field)
        .collect()
    }

    /// True when `b` is any declared delimiter (field, component, repetition, escape,
    /// subcomponent or truncation).
    pub fn is_delimiter(&self, b: u8) -> bool {
        b == self.field
            || b == self.component
            || b == self.repetition
            || b == self.escape
            || b == self.subcomponent
            || b == self.truncation
    }
}

impl fmt::Debug for Delimiters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        s.push(self.field as char);
        for b in self.encoding_characters() {
            s.push(b as char);
        }
        write!(f, "Delimiters({s:?})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_delimiters() {
        let d = Delimiters::default();
        assert_eq!(d.encoding_characters(), b"^~\\&");
        assert_eq!(d.truncation(), None);
        assert_eq!(Delimiters::new(b'|', b"^~\\&").ok(), Some(d));
    }

    #[test]
    fn rejects_repeated_and_alphanumeric() {
        assert_eq!(
            Delimiters::new(b'|', b"0000").map_err(|e| e.kind()),
            Err(ErrorKind::InvalidDelimiters)
        );
        assert!(Delimiters::new(b'|', b"^^~\\").is_err());
        assert!(Delimiters::new(b'\r', b"^~\\&").is_err());
    }

    #[test]
    fn short_encoding_characters_leave_delimiters_unavailable() -> Result<()> {
        let d = Delimiters::new(b'|', b"^")?;
        assert_eq!(d.component(), Some(b'^'));
        assert_eq!(d.repetition(), None);
        assert_eq!(d.escape(), None);
        Ok(())
    }
}
