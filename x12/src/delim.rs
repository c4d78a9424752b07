//! Delimiters and their detection from the fixed-width ISA segment.

use crate::error::{Error, ErrorKind, Result};

/// The four delimiters of one interchange.
///
/// Read from its ISA segment: the element separator is byte 4 (`ISA*`), the repetition
/// separator is ISA11 (in 00401 envelopes ISA11 is the standards identifier `U` and there
/// is no repetition separator), the component separator is ISA16 and the segment
/// terminator is the byte after ISA16.
///
/// # Examples
/// ```
/// use carewire_x12::Delimiters;
/// let d = Delimiters::new(b'*', b':', Some(b'^'), b'~')?;
/// assert_eq!(d.element(), b'*');
/// assert_eq!(d.repetition(), Some(b'^'));
/// assert_eq!(Delimiters::default(), d);
/// # Ok::<(), carewire_x12::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delimiters {
    element: u8,
    component: u8,
    repetition: Option<u8>,
    segment: u8,
}

impl Default for Delimiters {
    /// `*`, `:`, `^`, `~`: the set the HIPAA implementation guides use in their examples.
    fn default() -> Self {
        Delimiters {
            element: b'*',
            component: b':',
            repetition: Some(b'^'),
            segment: b'~',
        }
    }
}

/// Can `b` serve as a delimiter? Letters, digits and space are data in every X12
/// character set, so they never can.
fn usable(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || b == b' ')
}

impl Delimiters {
    /// A delimiter set.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDelimiters`] when a delimiter is a letter, digit or space, when
    /// two are the same, or when the element or component separator is CR or LF (only
    /// the segment terminator may be a line break).
    pub fn new(
        element: u8,
        component: u8,
        repetition: Option<u8>,
        segment: u8,
    ) -> Result<Delimiters> {
        let bad = |o| Err(Error::new(ErrorKind::InvalidDelimiters, o));
        let line = |b: u8| b == b'\r' || b == b'\n';
        if !usable(element) || line(element) {
            return bad(0);
        }
        if !usable(component) || line(component) || component == element {
            return bad(1);
        }
        if let Some(r) = repetition {
            if !usable(r) || line(r) || r == element || r == component || r == segment {
                return bad(2);
            }
        }
        if !usable(segment) || segment == element || segment == component {
            return bad(3);
        }
        Ok(Delimiters {
            element,
            component,
            repetition,
            segment,
        })
    }

    /// The element separator (the fourth byte of the ISA).
    pub fn element(&self) -> u8 {
        self.element
    }

    /// The component (sub-element) separator, ISA16.
    pub fn component(&self) -> u8 {
        self.component
    }

    /// The repetition separator, ISA11 (none in 00401 envelopes, where ISA11 is `U`).
    pub fn repetition(&self) -> Option<u8> {
        self.repetition
    }

    /// The segment terminator, the byte after ISA16.
    pub fn segment(&self) -> u8 {
        self.segment
    }

    /// Is `b` one of the four delimiters?
    pub fn is_delimiter(&self, b: u8) -> bool {
        b == self.element || b == self.component || b == self.segment || Some(b) == self.repetition
    }
}

/// Fixed widths of ISA01..ISA16 (X12.5 interchange control structure).
pub(crate) const ISA_WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/// Length of a standard ISA up to and including ISA16 (the terminator follows).
pub(crate) const ISA_LEN: usize = 106;

/// How far from its start an ISA (terminator included) is looked for.
pub(crate) const ISA_WINDOW: usize = 4 * ISA_LEN;

/// What reading an ISA found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IsaScan {
    pub(crate) delims: Delimiters,
    /// Starts of ISA01..ISA16 (absolute offsets).
    pub(crate) starts: [usize; 16],
    /// One past ISA16: the end of the segment's content.
    pub(crate) end: usize,
    /// Position of the segment terminator.
    pub(crate) terminator: usize,
    /// The element widths differ from the standard ones.
    pub(crate) nonstandard: bool,
}

/// Reads the ISA starting at `pos` (which holds `ISA`).
///
/// Delimiters are found by counting element separators, which agrees with the fixed
/// offsets on every well-formed ISA and still works on one with a short or long
/// element (reported through `nonstandard`).
pub(crate) fn read_isa(input: &[u8], pos: usize) -> Result<IsaScan> {
    // A real ISA is 106 bytes; allow generous slack for padding mistakes but never look
    // past this window (the streaming reader buffers exactly this much to decide).
    let input = input
        .get(..input.len().min(pos + ISA_WINDOW))
        .unwrap_or(input);
    let truncated = || Error::new(ErrorKind::TruncatedIsa, input.len());
    let element = *input.get(pos + 3).ok_or_else(truncated)?;
    if !usable(element) || element == b'\r' || element == b'\n' {
        return Err(Error::new(ErrorKind::InvalidDelimiters, pos + 3));
    }
    let window_end = input.len();
    let mut starts = [0usize; 16];
    starts[0] = pos + 4;
    for k in 1..16 {
        let from = starts[k - 1];
        let hay = input.get(from..window_end).unwrap_or(&[]);
        match memchr::memchr(element, hay) {
            Some(i) => starts[k] = from + i + 1,
            None => return Err(truncated()),
        }
    }
    let mut nonstandard = false;
    let mut expect = pos + 4;
    for (k, &w) in ISA_WIDTHS.iter().enumerate() {
        if starts[k] != expect {
            nonstandard = true;
        }
        expect += w + 1;
    }
    let c16 = starts[15];
    let component = *input.get(c16).ok_or_else(truncated)?;
    let mut terminator = c16 + 1;
    // A space between ISA16 and the terminator: space is never a delimiter, so skip it.
    while input.get(terminator) == Some(&b' ') {
        terminator += 1;
    }
    let segment = *input.get(terminator).ok_or_else(truncated)?;
    if !usable(component) || component == element || component == b'\r' || component == b'\n' {
        return Err(Error::new(ErrorKind::InvalidDelimiters, c16));
    }
    if !usable(segment) || segment == element || segment == component {
        return Err(Error::new(ErrorKind::InvalidDelimiters, terminator));
    }
    // ISA11: the repetition separator from 00402 on; a letter (`U`) in 00401 means none.
    let repetition = match (starts[10], starts[11]) {
        (s, n) if n == s + 2 => input
            .get(s)
            .copied()
            .filter(|&b| usable(b) && b != segment && b != component && b != b'\r' && b != b'\n'),
        _ => None,
    };
    let delims = Delimiters::new(element, component, repetition, segment)
        .map_err(|e| Error::new(ErrorKind::InvalidDelimiters, pos + e.offset()))?;
    Ok(IsaScan {
        delims,
        starts,
        end: c16 + 1,
        terminator,
        nonstandard,
    })
}
