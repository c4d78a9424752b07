//! Streaming units: one 837 claim (2300), one 835 claim payment (2100) or one 270/271
//! subscriber or dependent (2000C/2000D) at a time, each with its ancestor context,
//! read from any `BufRead` in memory that does not grow with the file.

use std::io::BufRead;
use std::sync::Arc;

use crate::config::ParseConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{self, ClaimKind, Eligibility, EligibilityKind, HealthCareClaim, Remittance};
use crate::stream::{SegmentBuf, SegmentReader};

/// What a [`Unit`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnitKind {
    /// An 837 2300 claim with its service lines (CLM up to the next CLM, HL or SE).
    Claim,
    /// An 835 2100 claim payment with its service lines (CLP up to the next CLP, LX,
    /// PLB or SE).
    ClaimPayment,
    /// The PLB provider adjustments that close an 835 transaction set.
    ProviderAdjustments,
    /// A 270/271 2000C subscriber up to its first dependent or the next subscriber.
    Subscriber,
    /// A 270/271 2000D dependent (its subscriber's segments are in the context).
    Dependent,
}

/// One unit and its context: the interchange, group and transaction set headers (ISA,
/// GS, ST and the set's header segments such as BHT, 1000A/B, BPR/TRN), then each
/// enclosing level (2000A billing provider, 2000B subscriber, 2000C patient; 835 LX;
/// 270/271 2000A–2000C), then the unit's own segments.
///
/// Context levels are shared (`Arc`) between the units that have them, so a unit costs
/// only its own segments.
#[derive(Clone, Debug)]
pub struct Unit {
    kind: UnitKind,
    /// Transaction set id (ST01) and implementation reference (ST03 or GS08).
    reference: Vec<u8>,
    interchange: usize,
    levels: Vec<Arc<Vec<SegmentBuf>>>,
    body: Arc<Vec<SegmentBuf>>,
}

impl Unit {
    /// What the unit holds.
    pub fn kind(&self) -> UnitKind {
        self.kind
    }

    /// 0-based position of the unit's interchange in the stream.
    pub fn interchange_position(&self) -> usize {
        self.interchange
    }

    /// The context segments in document order: ISA, GS, ST, the set's header, then
    /// each enclosing loop level.
    pub fn context(&self) -> impl Iterator<Item = &SegmentBuf> + '_ {
        self.levels.iter().flat_map(|l| l.iter())
    }

    /// The unit's own segments (starting with CLM, CLP, PLB or HL).
    pub fn body(&self) -> &[SegmentBuf] {
        &self.body
    }

    /// Context then body: the segments a model of this unit is built from.
    pub fn segments(&self) -> impl Iterator<Item = &SegmentBuf> + '_ {
        self.context().chain(self.body.iter())
    }

    fn header(&self, id: &[u8]) -> Option<&SegmentBuf> {
        self.levels.first()?.iter().find(|s| s.id() == id)
    }

    /// ISA13 of the enclosing interchange.
    pub fn interchange_control_number(&self) -> &[u8] {
        self.header(b"ISA").map_or(&[][..], |s| s.raw_element(13))
    }

    /// GS06 of the enclosing functional group.
    pub fn group_control_number(&self) -> &[u8] {
        self.header(b"GS").map_or(&[][..], |s| s.raw_element(6))
    }

    /// ST02 of the enclosing transaction set.
    pub fn set_control_number(&self) -> &[u8] {
        self.header(b"ST").map_or(&[][..], |s| s.raw_element(2))
    }

    /// The model of an 837 unit: the set's header, the one billing provider, subscriber
    /// (and patient) of the claim, and the claim. `None` for other kinds.
    pub fn claim(&self) -> Option<HealthCareClaim<'_>> {
        (self.kind == UnitKind::Claim).then(|| {
            model::claim::build(self.segments(), ClaimKind::from_reference(&self.reference))
        })
    }

    /// The model of an 835 unit: BPR/TRN, payer and payee, and the one claim payment
    /// (or, for [`UnitKind::ProviderAdjustments`], the PLBs). `None` for other kinds.
    pub fn remittance(&self) -> Option<Remittance<'_>> {
        matches!(
            self.kind,
            UnitKind::ClaimPayment | UnitKind::ProviderAdjustments
        )
        .then(|| model::remittance::build(self.segments()))
    }

    /// The model of a 270/271 unit: source, receiver and the one subscriber (with the
    /// one dependent for [`UnitKind::Dependent`]). `None` for other kinds.
    pub fn eligibility(&self) -> Option<Eligibility<'_>> {
        if !matches!(self.kind, UnitKind::Subscriber | UnitKind::Dependent) {
            return None;
        }
        let kind = if self.reference.starts_with(b"270") {
            EligibilityKind::Inquiry
        } else {
            EligibilityKind::Response
        };
        Some(model::eligibility::build(self.segments(), kind))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Outside a transaction set, or in a set without units (999, 834…).
    None,
    Claims,
    Remittance,
    Eligibility,
}

/// Reads [`Unit`]s from a `BufRead`, across interchanges, groups and sets of any kind
/// (sets without units, such as a 999, are skipped).
///
/// Memory is the current unit, its context and one segment: it does not grow with
/// the file. A unit longer than `max_segments` (from [`ParseConfig`], default 4,000,000)
/// segments is an error ([`ErrorKind::TooManySegments`]).
///
/// # Examples
/// ```
/// use carewire_x12::{gen, Decimal, UnitKind, UnitReader};
/// let input = gen::professional_837(10, 1);
/// let mut total = Decimal::ZERO;
/// for unit in UnitReader::new(&input[..]) {
///     let unit = unit?;
///     assert_eq!(unit.kind(), UnitKind::Claim);
///     let model = unit.claim().ok_or("not a claim")?;
///     let claim = model.claims().next().ok_or("no claim")?;
///     total = total.checked_add(claim.charge.ok_or("no CLM02")?)?;
///     assert_eq!(model.billing_providers[0].provider.as_ref().ok_or("no 2010AA")?.loop_id, "2010AA");
/// }
/// assert!(total > Decimal::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct UnitReader<R> {
    reader: SegmentReader<R>,
    max_segments: usize,
    isa: Option<SegmentBuf>,
    gs: Option<SegmentBuf>,
    interchange: usize,
    mode: Mode,
    reference: Vec<u8>,
    /// levels[0] is the set's header; then one entry per enclosing loop level, with its
    /// depth code.
    levels: Vec<(u8, Arc<Vec<SegmentBuf>>)>,
    body: Option<(UnitKind, Vec<SegmentBuf>)>,
    done: bool,
}

impl<R: BufRead> UnitReader<R> {
    /// A reader with the default configuration.
    pub fn new(reader: R) -> UnitReader<R> {
        UnitReader::with_config(reader, ParseConfig::default())
    }

    /// A reader with the given configuration (`max_segment_len` bounds a segment,
    /// `max_segments` a unit).
    pub fn with_config(reader: R, config: ParseConfig) -> UnitReader<R> {
        let max_segments = config.max_segments;
        UnitReader {
            reader: SegmentReader::with_config(reader, config),
            max_segments,
            isa: None,
            gs: None,
            interchange: 0,
            mode: Mode::None,
            reference: Vec::new(),
            levels: Vec::new(),
            body: None,
            done: false,
        }
    }

    /// The segment reader underneath (offsets, delimiters, buffer capacity).
    pub fn segment_reader(&self) -> &SegmentReader<R> {
        &self.reader
    }

    fn take_unit(&mut self) -> Option<Unit> {
        let (kind, body) = self.body.take()?;
        let body = Arc::new(body);
        let unit = Unit {
            kind,
            reference: self.reference.clone(),
            interchange: self.interchange.saturating_sub(1),
            levels: self.levels.iter().map(|(_, l)| Arc::clone(l)).collect(),
            body: Arc::clone(&body),
        };
        // A 270/271 subscriber is the context of its dependents.
        if kind == UnitKind::Subscriber {
            self.levels.retain(|(d, _)| *d < 3);
            self.levels.push((3, body));
        }
        Some(unit)
    }

    /// Opens a context level at `depth` (dropping deeper ones).
    fn level(&mut self, depth: u8, seg: SegmentBuf) {
        self.levels.retain(|(d, _)| *d < depth);
        self.levels.push((depth, Arc::new(vec![seg])));
    }

    fn push_context(&mut self, seg: SegmentBuf) {
        if let Some((_, l)) = self.levels.last_mut() {
            Arc::make_mut(l).push(seg);
        }
    }

    fn start(&mut self, kind: UnitKind, seg: SegmentBuf) {
        self.body = Some((kind, vec![seg]));
    }

    /// Handles one segment; returns the unit it closed, if any.
    fn feed(&mut self, seg: SegmentBuf) -> Result<Option<Unit>> {
        let id = seg.id();
        match id {
            b"ISA" if seg.is_interchange_header() => {
                let unit = self.take_unit();
                self.interchange += 1;
                self.isa = Some(seg);
                self.gs = None;
                self.mode = Mode::None;
                self.levels.clear();
                return Ok(unit);
            }
            b"GS" => {
                let unit = self.take_unit();
                self.gs = Some(seg);
                self.mode = Mode::None;
                return Ok(unit);
            }
            b"ST" => {
                let unit = self.take_unit();
                let st01 = seg.raw_element(1);
                let mut reference = st01.to_vec();
                reference.push(b' ');
                match seg.raw_element(3) {
                    b"" => {
                        let gs08 = self.gs.as_ref().map_or(&[][..], |g| g.raw_element(8));
                        reference.extend_from_slice(gs08);
                    }
                    r => reference.extend_from_slice(r),
                }
                self.reference = reference;
                self.mode = match st01 {
                    b"837" => Mode::Claims,
                    b"835" => Mode::Remittance,
                    b"270" | b"271" => Mode::Eligibility,
                    _ => Mode::None,
                };
                let mut header = Vec::with_capacity(8);
                header.extend(self.isa.clone());
                header.extend(self.gs.clone());
                header.push(seg);
                self.levels.clear();
                self.levels.push((0, Arc::new(header)));
                return Ok(unit);
            }
            b"SE" | b"GE" | b"IEA" => {
                let unit = self.take_unit();
                if id == b"SE" {
                    self.mode = Mode::None;
                    self.levels.clear();
                }
                return Ok(unit);
            }
            _ => {}
        }
        if self.mode == Mode::None {
            return Ok(None);
        }
        let unit = match (self.mode, id) {
            (Mode::Claims, b"HL") => {
                let unit = self.take_unit();
                let depth = match seg.raw_element(3) {
                    b"20" => 1,
                    b"22" => 2,
                    _ => 3,
                };
                self.level(depth, seg);
                return Ok(unit);
            }
            (Mode::Claims, b"CLM") => {
                let unit = self.take_unit();
                self.start(UnitKind::Claim, seg);
                return Ok(unit);
            }
            (Mode::Remittance, b"LX") => {
                let unit = self.take_unit();
                self.level(1, seg);
                return Ok(unit);
            }
            (Mode::Remittance, b"CLP") => {
                let unit = self.take_unit();
                self.start(UnitKind::ClaimPayment, seg);
                return Ok(unit);
            }
            (Mode::Remittance, b"PLB") => {
                if !matches!(self.body, Some((UnitKind::ProviderAdjustments, _))) {
                    let unit = self.take_unit();
                    self.levels.truncate(1);
                    self.start(UnitKind::ProviderAdjustments, seg);
                    return Ok(unit);
                }
                None
            }
            (Mode::Eligibility, b"HL") => {
                let unit = self.take_unit();
                match seg.raw_element(3) {
                    b"20" => self.level(1, seg),
                    b"21" => self.level(2, seg),
                    b"22" => {
                        self.levels.retain(|(d, _)| *d < 3);
                        self.start(UnitKind::Subscriber, seg);
                    }
                    _ => {
                        self.levels.retain(|(d, _)| *d < 4);
                        self.start(UnitKind::Dependent, seg);
                    }
                }
                return Ok(unit);
            }
            _ => None,
        };
        if unit.is_some() {
            return Ok(unit);
        }
        match self.body.as_mut() {
            Some((_, body)) => {
                if body.len() >= self.max_segments {
                    return Err(Error::new(
                        ErrorKind::TooManySegments {
                            max: self.max_segments,
                        },
                        usize::try_from(seg.offset()).unwrap_or(usize::MAX),
                    ));
                }
                body.push(seg);
            }
            None => {
                let len = self.levels.last().map_or(0, |(_, l)| l.len());
                if len >= self.max_segments {
                    return Err(Error::new(
                        ErrorKind::TooManySegments {
                            max: self.max_segments,
                        },
                        usize::try_from(seg.offset()).unwrap_or(usize::MAX),
                    ));
                }
                self.push_context(seg);
            }
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for UnitReader<R> {
    type Item = Result<Unit>;

    /// The next unit; after an error the reader is finished (`None`).
    fn next(&mut self) -> Option<Result<Unit>> {
        if self.done {
            return None;
        }
        loop {
            match self.reader.next() {
                Some(Ok(seg)) => match self.feed(seg) {
                    Ok(Some(unit)) => return Some(Ok(unit)),
                    Ok(None) => {}
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                },
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None => {
                    self.done = true;
                    return self.take_unit().map(Ok);
                }
            }
        }
    }
}

impl<R> std::fmt::Debug for UnitReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitReader")
            .field("interchanges", &self.interchange)
            .field("levels", &self.levels.len())
            .field(
                "unit_segments",
                &self.body.as_ref().map_or(0, |(_, b)| b.len()),
            )
            .finish()
    }
}
