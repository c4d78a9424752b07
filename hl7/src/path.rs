//! Paths such as `PID-5.1`, `PID-3[2].1`, `OBX[3]-5` and `OBX[2]-5[1].1.1`.
//!
//! Grammar (every number 1-based):
//!
//! ```text
//! path      = segment [ "[" occurrence "]" ] ( "-" | "." ) field [ "[" repetition "]" ]
//!             [ "." component [ "." subcomponent ] ]
//! segment   = 3 letters or digits
//! ```
//!
//! `OBX[3]-5` is field 5 of the third OBX segment; `PID-3[2].1` is component 1 of the
//! second repetition of PID-3. Without `[n]` the segment occurrence is the first; without
//! `[n]` on the field a component or subcomponent is read from the first repetition, and a
//! bare field (`PID-3`) is the whole field with all its repetitions.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};

/// A path compiled once and reused for every message.
///
/// # Examples
/// ```
/// use carewire_hl7::Path;
/// let p: Path = "OBX[2]-5[1].1.1".parse()?;
/// assert_eq!((p.occurrence(), p.field(), p.repetition()), (2, 5, Some(1)));
/// assert_eq!(p.to_string(), "OBX[2]-5[1].1.1");
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Path {
    segment: [u8; 3],
    occurrence: u32,
    field: u32,
    repetition: Option<u32>,
    component: Option<u32>,
    subcomponent: Option<u32>,
}

impl Path {
    /// Parses a path.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPath`] with the offset of the first offending character.
    pub fn parse(text: &str) -> Result<Path> {
        let b = text.as_bytes();
        let bad = |at: usize| Error::new(ErrorKind::InvalidPath, at);
        if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_alphanumeric) {
            return Err(bad(0));
        }
        let mut segment = [0u8; 3];
        segment.copy_from_slice(&b[..3]);
        segment.make_ascii_uppercase();
        let mut pos = 3;
        let occurrence = match b.get(pos) {
            Some(b'[') => {
                let (n, p) = number(b, pos + 1)?;
                pos = expect(b, p, b']')?;
                n
            }
            _ => 1,
        };
        match b.get(pos) {
            Some(b'-' | b'.') => pos += 1,
            _ => return Err(bad(pos)),
        }
        let (field, p) = number(b, pos)?;
        pos = p;
        let repetition = match b.get(pos) {
            Some(b'[') => {
                let (n, p) = number(b, pos + 1)?;
                pos = expect(b, p, b']')?;
                Some(n)
            }
            _ => None,
        };
        let mut component = None;
        let mut subcomponent = None;
        if b.get(pos) == Some(&b'.') {
            let (n, p) = number(b, pos + 1)?;
            component = Some(n);
            pos = p;
            if b.get(pos) == Some(&b'.') {
                let (n, p) = number(b, pos + 1)?;
                subcomponent = Some(n);
                pos = p;
            }
        }
        if pos != b.len() {
            return Err(bad(pos));
        }
        Ok(Path {
            segment,
            occurrence,
            field,
            repetition,
            component,
            subcomponent,
        })
    }

    /// A path to field `field` of the first segment `segment`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPath`] when `segment` is not three letters/digits or `field` is 0.
    pub fn field_of(segment: &str, field: usize) -> Result<Path> {
        Path::parse(&format!("{segment}-{field}"))
    }

    /// The segment identifier (upper case).
    pub fn segment(&self) -> &[u8] {
        &self.segment
    }

    /// Which occurrence of the segment (1-based; 1 when not given).
    pub fn occurrence(&self) -> usize {
        self.occurrence as usize
    }

    /// The field number (1-based, HL7 numbering).
    pub fn field(&self) -> usize {
        self.field as usize
    }

    /// The repetition given in brackets, if any (1-based).
    pub fn repetition(&self) -> Option<usize> {
        self.repetition.map(|v| v as usize)
    }

    /// The component, if any (1-based).
    pub fn component(&self) -> Option<usize> {
        self.component.map(|v| v as usize)
    }

    /// The subcomponent, if any (1-based).
    pub fn subcomponent(&self) -> Option<usize> {
        self.subcomponent.map(|v| v as usize)
    }
}

fn number(b: &[u8], start: usize) -> Result<(u32, usize)> {
    let mut pos = start;
    let mut n: u32 = 0;
    while let Some(d) = b.get(pos).filter(|c| c.is_ascii_digit()) {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(d - b'0')))
            .filter(|&n| n <= 1_000_000)
            .ok_or_else(|| Error::new(ErrorKind::InvalidPath, start))?;
        pos += 1;
    }
    if pos == start || n == 0 {
        return Err(Error::new(ErrorKind::InvalidPath, start));
    }
    Ok((n, pos))
}

fn expect(b: &[u8], pos: usize, c: u8) -> Result<usize> {
    if b.get(pos) == Some(&c) {
        Ok(pos + 1)
    } else {
        Err(Error::new(ErrorKind::InvalidPath, pos))
    }
}

impl FromStr for Path {
    type Err = Error;
    fn from_str(s: &str) -> Result<Path> {
        Path::parse(s)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.segment).unwrap_or("???"))?;
        if self.occurrence != 1 {
            write!(f, "[{}]", self.occurrence)?;
        }
        write!(f, "-{}", self.field)?;
        if let Some(r) = self.repetition {
            write!(f, "[{r}]")?;
        }
        if let Some(c) = self.component {
            write!(f, ".{c}")?;
            if let Some(s) = self.subcomponent {
                write!(f, ".{s}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() -> Result<()> {
        let p = Path::parse("PID-5")?;
        assert_eq!(
            (p.segment(), p.occurrence(), p.field()),
            (&b"PID"[..], 1, 5)
        );
        assert_eq!(
            (p.repetition(), p.component(), p.subcomponent()),
            (None, None, None)
        );
        let p = Path::parse("PID-5.1.2")?;
        assert_eq!((p.component(), p.subcomponent()), (Some(1), Some(2)));
        let p = Path::parse("PID-3[2].1")?;
        assert_eq!((p.repetition(), p.component()), (Some(2), Some(1)));
        let p = Path::parse("OBX[3]-5")?;
        assert_eq!((p.occurrence(), p.field()), (3, 5));
        assert_eq!(
            Path::parse("PID[1]-3[2].1.1")?,
            Path::parse("PID-3[2].1.1")?
        );
        assert_eq!(Path::parse("msh.9.2")?, Path::parse("MSH-9.2")?);
        Ok(())
    }

    #[test]
    fn rejects() {
        for (bad, at) in [
            ("", 0),
            ("PI", 0),
            ("PID", 3),
            ("PID-0", 4),
            ("PID-5.", 6),
            ("PID-5[2", 7),
            ("PID-5x", 5),
            ("P!D-1", 0),
            ("PID-99999999999", 4),
        ] {
            let e = Path::parse(bad).err().map(|e| (e.kind(), e.offset()));
            assert_eq!(e.map(|e| e.0), Some(ErrorKind::InvalidPath), "{bad}");
            assert_eq!(e.map(|e| e.1), Some(at), "{bad}");
        }
    }

    #[test]
    fn display_round_trip() -> Result<()> {
        for s in ["PID-5", "OBX[2]-5[1].1.1", "MSH-9.2", "PID-3[2].1"] {
            assert_eq!(Path::parse(s)?.to_string(), s);
        }
        Ok(())
    }
}
