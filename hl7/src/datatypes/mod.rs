//! Typed, zero-copy views of the composite datatypes every integration reads
//! (HL7 v2.5.1 ch. 2A): [`Xpn`], [`Xcn`], [`Cx`], [`Hd`], [`Ei`], [`Cwe`], [`Xad`],
//! [`Xtn`] and [`Pl`].
//!
//! Each type is a thin borrowed wrapper over one repetition of a field (or, when the
//! type is embedded in another one, over one component whose parts are subcomponents,
//! as HD is in CX-4). Nothing is split or decoded until an accessor is called.
//!
//! # Accessors
//!
//! - Component numbers in the docs are 1-based, as in the standard (`XPN.2` is the
//!   given name).
//! - Text accessors return `Option<Cow<'m, str>>`: the decoded text (escapes resolved,
//!   character set applied), borrowed from the message when nothing needed decoding.
//!   They return `None` when the component is absent, empty (`^^`), or the HL7 null
//!   `""`. To tell those apart, use `part(n)` and [`Value::state`].
//! - Text accessors read the *first subcomponent* of their component. A primitive
//!   component should hold no subcomponent separator; when a sender puts one there
//!   anyway the extra parts are ignored, as HL7 v2.x ch. 2.5.3 tells receivers to do
//!   with unexpected data. Composite components (FN in XPN.1, SAD in XAD.1) use the
//!   same rule, so `family_name()` is FN.1 (surname) and `street()` is SAD.1.
//! - Accessors that return another type (`Cx::assigning_authority` → [`Hd`]) return
//!   `None` when that component is absent, empty or null.
//!
//! # Privacy
//!
//! `Debug` never prints values, only the names of the components that are present:
//! `Xpn { present: [family_name, given_name, name_type_code] }`.
//!
//! # Examples
//! ```
//! use carewire_hl7::datatypes::{Cx, Xpn};
//! use carewire_hl7::Message;
//!
//! let msg = Message::parse(
//!     b"MSH|^~\\&|ADT|HOSP|||20240101||ADT^A01|1|P|2.5.1\r\
//!       PID|1||12345^^^MRN&1.2.3&ISO^MR~998^^^SSA^SS||Doe^Jane^Q^^Dr^^L",
//! )?;
//! let pid = msg.find(b"PID", 1).ok_or("no PID")?;
//!
//! let name: Xpn = pid.field_as(5).ok_or("no PID-5")?;
//! assert_eq!(name.family_name().as_deref(), Some("Doe"));
//! assert_eq!(name.prefix().as_deref(), Some("Dr"));
//!
//! let ids: Vec<Cx> = pid.field(3).ok_or("no PID-3")?.repetitions_as().collect();
//! assert_eq!(ids.len(), 2);
//! let mrn = ids[0].assigning_authority().ok_or("no CX.4")?;
//! assert_eq!(mrn.universal_id().as_deref(), Some("1.2.3"));
//! assert_eq!(format!("{:?}", ids[0]), "Cx { present: [id, assigning_authority, identifier_type_code] }");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::message::{Component, Field, Header, Message, Repetition, Segment, Value, ValueState};
use crate::path::Path;

mod civil;
mod cwe;
mod cx;
mod ei;
mod hd;
mod pl;
mod ts;
mod xad;
mod xcn;
mod xpn;
mod xtn;

pub use civil::{civil_from_days, dtm_utc};
pub use cwe::Cwe;
pub use cx::Cx;
pub use ei::Ei;
pub use hd::Hd;
pub use pl::Pl;
pub use ts::{Date, DateTime, Precision, TemporalType, Time, TsError, TsErrorKind};
pub use xad::Xad;
pub use xcn::Xcn;
pub use xpn::Xpn;
pub use xtn::Xtn;

mod sealed {
    pub trait Sealed {}
}

/// A composite datatype view ([`Xpn`], [`Cx`], …): built from a repetition (its parts
/// are components) or from a component (its parts are subcomponents).
///
/// Used by the generic helpers [`Field::as_type`], [`Field::repetitions_as`],
/// [`Segment::field_as`] and [`Message::get_as`]. Sealed: implemented by this module's
/// types only.
pub trait DataType<'m>: Copy + sealed::Sealed {
    /// The HL7 datatype code, e.g. `"XPN"`.
    const CODE: &'static str;

    /// Wraps one repetition of a field: parts are components.
    fn from_repetition(rep: Repetition<'m>) -> Self;

    /// Wraps one component: parts are subcomponents (as HD inside CX-4).
    fn from_component(comp: Component<'m>) -> Self;
}

/// Where a datatype's parts live.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level<'m> {
    /// Parts are the components of a repetition.
    Rep(Repetition<'m>),
    /// Parts are the subcomponents of a component.
    Comp(Component<'m>),
    /// A single leaf value (a type nested deeper than subcomponents can go): part 1 is
    /// the value, the others are absent.
    Leaf(Value<'m>),
}

/// The parts of a datatype, with an offset so a datatype can be read out of a run of
/// another one's components (EI.2-4 is an HD).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts<'m> {
    level: Level<'m>,
    base: usize,
}

impl<'m> Parts<'m> {
    pub(crate) fn rep(rep: Repetition<'m>) -> Parts<'m> {
        Parts {
            level: Level::Rep(rep),
            base: 0,
        }
    }

    pub(crate) fn comp(comp: Component<'m>) -> Parts<'m> {
        Parts {
            level: Level::Comp(comp),
            base: 0,
        }
    }

    /// Part `n` (1-based) whole: a component (may hold subcomponents) or a subcomponent.
    pub(crate) fn value(&self, n: usize) -> Option<Value<'m>> {
        if n == 0 {
            return None;
        }
        let n = n + self.base;
        match self.level {
            Level::Rep(r) => r.component(n).map(Value::from),
            Level::Comp(c) => c.subcomponent(n).map(Value::from),
            Level::Leaf(v) => (n == 1).then_some(v),
        }
    }

    /// Subcomponent `s` of part `n`. At subcomponent level only `s == 1` exists.
    pub(crate) fn sub(&self, n: usize, s: usize) -> Option<Value<'m>> {
        match self.level {
            Level::Rep(r) if n > 0 => r.component(n + self.base)?.subcomponent(s).map(Value::from),
            Level::Rep(_) => None,
            _ if s == 1 => self.value(n),
            _ => None,
        }
    }

    /// Decoded text of the first subcomponent of part `n`; `None` when absent, empty or null.
    pub(crate) fn text(&self, n: usize) -> Option<Cow<'m, str>> {
        self.sub_text(n, 1)
    }

    /// Decoded text of subcomponent `s` of part `n`; `None` when absent, empty or null.
    pub(crate) fn sub_text(&self, n: usize, s: usize) -> Option<Cow<'m, str>> {
        valued(self.sub(n, s)?).map(|v| v.decoded())
    }

    /// Part `n` as a nested datatype whose parts are its subcomponents; `None` when the
    /// part is absent, empty or null.
    pub(crate) fn nested(&self, n: usize) -> Option<Parts<'m>> {
        if n == 0 {
            return None;
        }
        let level = match self.level {
            Level::Rep(r) => {
                let c = r.component(n + self.base)?;
                valued(Value::from(c))?;
                Level::Comp(c)
            }
            // One level deeper than subcomponents: the part is a single leaf.
            Level::Comp(_) | Level::Leaf(_) => Level::Leaf(valued(self.value(n)?)?),
        };
        Some(Parts { level, base: 0 })
    }

    /// Parts `n..` of this datatype viewed as another datatype (EI.2-4 as HD); `None`
    /// when all of them are absent, empty or null.
    pub(crate) fn run(&self, first: usize, len: usize) -> Option<Parts<'m>> {
        if first == 0 || !(first..first + len).any(|n| self.value(n).and_then(valued).is_some()) {
            return None;
        }
        Some(Parts {
            level: self.level,
            base: self.base + first - 1,
        })
    }

    /// Number of parts present (trailing absent ones are not counted).
    fn count(&self) -> usize {
        let all = match self.level {
            Level::Rep(r) => r.components().count(),
            Level::Comp(c) => c.subcomponents().count(),
            Level::Leaf(_) => 1,
        };
        all.saturating_sub(self.base)
    }

    /// The whole value (all parts, as on the wire), when there is one.
    pub(crate) fn whole(&self) -> Option<Value<'m>> {
        match self.level {
            Level::Rep(r) if self.base == 0 => Some(r.into()),
            Level::Comp(c) if self.base == 0 => Some(c.into()),
            Level::Leaf(v) if self.base == 0 => Some(v),
            _ => None,
        }
    }

    /// True when the whole value is the HL7 null `""`.
    pub(crate) fn is_null(&self) -> bool {
        self.whole().is_some_and(|v| v.is_null())
    }

    /// True when no part has content.
    pub(crate) fn is_empty(&self) -> bool {
        (1..=self.count()).all(|n| self.value(n).and_then(valued).is_none())
    }

    /// `Debug` body: the names of the parts that are present, never their content.
    pub(crate) fn debug(
        &self,
        f: &mut fmt::Formatter<'_>,
        type_name: &str,
        names: &[&str],
    ) -> fmt::Result {
        let mut list = Vec::new();
        for n in 1..=self.count() {
            let Some(v) = self.value(n) else { continue };
            let state = v.state();
            if state == ValueState::Empty {
                continue;
            }
            list.push(PartName {
                name: names.get(n - 1).copied(),
                n,
                null: state == ValueState::Null,
            });
        }
        f.debug_struct(type_name).field("present", &list).finish()
    }
}

/// `v` when it has content (neither empty nor the HL7 null).
fn valued(v: Value<'_>) -> Option<Value<'_>> {
    (v.state() == ValueState::Valued).then_some(v)
}

/// One entry in a redacted `Debug` listing: `given_name`, `degree(null)`, or `#15`.
struct PartName<'a> {
    name: Option<&'a str>,
    n: usize,
    null: bool,
}

impl fmt::Debug for PartName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => f.write_str(name)?,
            None => write!(f, "#{}", self.n)?,
        }
        if self.null {
            f.write_str("(null)")?;
        }
        Ok(())
    }
}

/// The first repetition of a field (every field has one, possibly empty).
fn first_repetition(field: Field<'_>) -> Repetition<'_> {
    // `repetition(1)` only fails for n == 0; the fallback keeps this total.
    field.repetition(1).unwrap_or(Repetition(field.0))
}

/// Declares a datatype wrapper: struct, constructors, trait impls, common methods and a
/// redacting `Debug`. Accessors are written by hand beside each invocation.
macro_rules! datatype {
    (
        $(#[$doc:meta])*
        $name:ident, $code:literal, [$($part:literal),* $(,)?]
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub struct $name<'m> {
            parts: $crate::datatypes::Parts<'m>,
        }

        impl<'m> $name<'m> {
            /// Component names in order, used by `Debug`.
            const NAMES: &'static [&'static str] = &[$($part),*];

            #[allow(dead_code)]
            pub(crate) fn from_parts(parts: $crate::datatypes::Parts<'m>) -> $name<'m> {
                $name { parts }
            }

            #[doc = concat!("The first repetition of `field` as ", $code, ".")]
            pub fn new(field: $crate::Field<'m>) -> $name<'m> {
                Self::from($crate::datatypes::first_repetition(field))
            }

            #[doc = concat!(
                "A ", $code, " embedded in a component of another type: its parts are ",
                "the component's subcomponents."
            )]
            pub fn from_component(comp: $crate::Component<'m>) -> $name<'m> {
                $name { parts: $crate::datatypes::Parts::comp(comp) }
            }

            /// Part `n` (1-based) as a raw [`Value`](crate::Value), whatever its state
            /// (empty, HL7 null `""` or valued); `None` when absent. At repetition level
            /// this is the whole component, subcomponents included.
            pub fn part(&self, n: usize) -> Option<$crate::Value<'m>> {
                self.parts.value(n)
            }

            /// Decoded text of part `n` (1-based; its first subcomponent at repetition
            /// level); `None` when absent, empty or null.
            pub fn part_text(&self, n: usize) -> Option<std::borrow::Cow<'m, str>> {
                self.parts.text(n)
            }

            /// True when the whole value is the HL7 null `""` (the sender asks the
            /// receiver to delete its value).
            pub fn is_null(&self) -> bool {
                self.parts.is_null()
            }

            /// True when no component has content (absent, empty or null everywhere).
            pub fn is_empty(&self) -> bool {
                self.parts.is_empty()
            }
        }

        impl<'m> From<$crate::Repetition<'m>> for $name<'m> {
            fn from(rep: $crate::Repetition<'m>) -> $name<'m> {
                $name { parts: $crate::datatypes::Parts::rep(rep) }
            }
        }

        impl<'m> From<$crate::Field<'m>> for $name<'m> {
            /// The first repetition of the field.
            fn from(field: $crate::Field<'m>) -> $name<'m> {
                $name::new(field)
            }
        }

        impl $crate::datatypes::sealed::Sealed for $name<'_> {}

        impl<'m> $crate::datatypes::DataType<'m> for $name<'m> {
            const CODE: &'static str = $code;

            fn from_repetition(rep: $crate::Repetition<'m>) -> $name<'m> {
                $name::from(rep)
            }

            fn from_component(comp: $crate::Component<'m>) -> $name<'m> {
                $name::from_component(comp)
            }
        }

        impl std::fmt::Debug for $name<'_> {
            /// Names of the components present; never their content.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.parts.debug(f, stringify!($name), Self::NAMES)
            }
        }
    };
}
pub(crate) use datatype;

/// Declares text accessors: `name => n` reads part `n`, `name => n & s` subcomponent `s`
/// of part `n`.
macro_rules! text_accessors {
    ($( $(#[$doc:meta])* $fn:ident => $n:literal $(& $s:literal)? ; )*) => {
        $(
            $(#[$doc])*
            pub fn $fn(&self) -> Option<std::borrow::Cow<'m, str>> {
                text_accessors!(@get self, $n $(, $s)?)
            }
        )*
    };
    (@get $self:ident, $n:literal) => { $self.parts.text($n) };
    (@get $self:ident, $n:literal, $s:literal) => { $self.parts.sub_text($n, $s) };
}
pub(crate) use text_accessors;

impl<'m> Field<'m> {
    /// The first repetition of this field as datatype `T`.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Xpn, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||Roe^Ann~Roe^Annie^^^^^A")?;
    /// let pid5 = msg.find(b"PID", 1).and_then(|s| s.field(5)).ok_or("no PID-5")?;
    /// assert_eq!(pid5.as_type::<Xpn>().given_name().as_deref(), Some("Ann"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_type<T: DataType<'m>>(&self) -> T {
        T::from_repetition(first_repetition(*self))
    }

    /// Every repetition of this field as datatype `T`.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Xtn, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||||||||||^PRN^PH^^^555^5550100~^NET^Internet^a@example.org")?;
    /// let pid13 = msg.find(b"PID", 1).and_then(|s| s.field(13)).ok_or("no PID-13")?;
    /// let emails: Vec<_> = pid13.repetitions_as::<Xtn>().filter_map(|t| t.email()).collect();
    /// assert_eq!(emails, ["a@example.org"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn repetitions_as<T: DataType<'m> + 'm>(&self) -> impl Iterator<Item = T> + 'm {
        self.repetitions().map(T::from_repetition)
    }
}

impl<'m> Repetition<'m> {
    /// This repetition as datatype `T` (parts are components).
    pub fn as_type<T: DataType<'m>>(&self) -> T {
        T::from_repetition(*self)
    }
}

impl<'m> Component<'m> {
    /// This component as datatype `T` (parts are subcomponents, as HD inside CX-4).
    pub fn as_type<T: DataType<'m>>(&self) -> T {
        T::from_component(*self)
    }
}

impl<'m> Segment<'m> {
    /// Field `n` (1-based; first repetition) as datatype `T`; `None` when the field is
    /// absent.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Pl, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPV1|1|I|4E^401^B^WARD&1.2.3&ISO")?;
    /// let pv1 = msg.find(b"PV1", 1).ok_or("no PV1")?;
    /// let loc: Pl = pv1.field_as(3).ok_or("no PV1-3")?;
    /// assert_eq!(loc.room().as_deref(), Some("401"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field_as<T: DataType<'m>>(&self, n: usize) -> Option<T> {
        self.field(n).map(|f| f.as_type())
    }
}

impl<'a> Message<'a> {
    /// The value at `path` as datatype `T`; `None` when absent.
    ///
    /// - `PID-5` or `PID-5[2]`: a repetition (the first when none is given); parts are
    ///   components.
    /// - `PID-3.4`, `PID-3[2].4`: a component; parts are subcomponents (HD in CX-4).
    /// - A path down to a subcomponent names a leaf, not a composite: `None`.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::{Cx, Hd}, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||1^^^A~12345^^^MRN&1.2.3&ISO^MR")?;
    /// let cx: Cx = msg.get_as(&"PID-3[2]".parse()?).ok_or("no PID-3[2]")?;
    /// assert_eq!(cx.id().as_deref(), Some("12345"));
    /// let hd: Hd = msg.get_as(&"PID-3[2].4".parse()?).ok_or("no PID-3[2].4")?;
    /// assert_eq!(hd.universal_id_type().as_deref(), Some("ISO"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_as<'s, T: DataType<'s>>(&'s self, path: &Path) -> Option<T> {
        let seg = self.find(path.segment(), path.occurrence())?;
        let rep = seg
            .field(path.field())?
            .repetition(path.repetition().unwrap_or(1))?;
        match (path.component(), path.subcomponent()) {
            (None, _) => Some(T::from_repetition(rep)),
            (Some(c), None) => rep.component(c).map(T::from_component),
            (Some(_), Some(_)) => None,
        }
    }
}

/// Parses a DTM leaf; `None` when absent, empty or the HL7 null.
fn parse_dtm(v: Option<Value<'_>>) -> Option<Result<DateTime, TsError>> {
    // A DTM is digits, `.`, `+` and `-` only, so the raw bytes are the text: nothing to
    // unescape, and an escape sequence there is rightly a parse error.
    Some(DateTime::parse(valued(v?)?.raw()))
}

impl<'m> Field<'m> {
    /// The first repetition of this TS/DTM field parsed as a [`DateTime`] (TS.1, the DTM;
    /// the deprecated TS.2 degree of precision is ignored). `None` when absent, empty or
    /// the HL7 null `""`.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Precision, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||Doe^Jane||19800704|F")?;
    /// let pid7 = msg.find(b"PID", 1).and_then(|s| s.field(7)).ok_or("no PID-7")?;
    /// let birth = pid7.datetime().ok_or("no date of birth")??;
    /// assert_eq!((birth.year(), birth.month(), birth.day()), (1980, Some(7), Some(4)));
    /// assert_eq!(birth.precision(), Precision::Day);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn datetime(&self) -> Option<Result<DateTime, TsError>> {
        first_repetition(*self).datetime()
    }
}

impl<'m> Repetition<'m> {
    /// This TS repetition's DTM (component 1) parsed as a [`DateTime`]; `None` when
    /// absent, empty or null.
    pub fn datetime(&self) -> Option<Result<DateTime, TsError>> {
        parse_dtm(
            self.component(1)
                .and_then(|c| c.subcomponent(1))
                .map(Value::from),
        )
    }
}

impl<'m> Component<'m> {
    /// This component as a TS embedded in a composite (XPN.12, XCN.19, …): its DTM
    /// (subcomponent 1) parsed as a [`DateTime`]; `None` when absent, empty or null.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::Message;
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||7||Doe^Jane^^^^^L^^^^^202001011230-0500")?;
    /// let since = msg
    ///     .find(b"PID", 1)
    ///     .and_then(|s| s.field(5))
    ///     .and_then(|f| f.component(12))
    ///     .and_then(|c| c.datetime())
    ///     .ok_or("no XPN.12")??;
    /// assert_eq!(since.hour(), Some(12));
    /// assert_eq!(since.offset().map(|o| o.local_minus_utc()), Some(-5 * 3600));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn datetime(&self) -> Option<Result<DateTime, TsError>> {
        parse_dtm(self.subcomponent(1).map(Value::from))
    }
}

impl<'m> Header<'m> {
    /// MSH-7 date/time of message parsed as a [`DateTime`]; `None` when absent, empty or
    /// null. ([`Header::timestamp`] gives the text as sent.)
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Precision, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|1|P|2.5.1")?;
    /// let sent = msg.header().datetime().ok_or("no MSH-7")??;
    /// assert_eq!(sent.precision(), Precision::Second);
    /// let utc = sent.with_offset().ok_or("no offset")?.naive_utc();
    /// assert_eq!(utc.to_string(), "2024-03-15 07:30:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn datetime(&self) -> Option<Result<DateTime, TsError>> {
        let text = self.timestamp()?;
        if text == "\"\"" {
            return None;
        }
        Some(DateTime::parse(text.as_bytes()))
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::Message;

    /// Parses `MSH|^~\&|T\r` followed by `segment`.
    pub(crate) fn with_segment(segment: &str) -> Vec<u8> {
        format!("MSH|^~\\&|T|F|||20240101||ADT^A01|1|P|2.5.1\r{segment}").into_bytes()
    }

    /// Parses bytes, panicking on error (tests only).
    pub(crate) fn parse(bytes: &[u8]) -> Message<'_> {
        Message::parse(bytes).expect("test message parses")
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn get_as_levels() {
        let b = with_segment("PID|1||1^^^A~12345^^^MRN&1.2.3&ISO^MR");
        let msg = parse(&b);
        let p = |s: &str| s.parse::<Path>().expect("path");
        let cx: Cx = msg.get_as(&p("PID-3")).expect("first");
        assert_eq!(cx.id().as_deref(), Some("1"));
        let cx: Cx = msg.get_as(&p("PID-3[2]")).expect("second");
        assert_eq!(cx.identifier_type_code().as_deref(), Some("MR"));
        let hd: Hd = msg.get_as(&p("PID-3[2].4")).expect("hd");
        assert_eq!(hd.namespace_id().as_deref(), Some("MRN"));
        assert!(msg.get_as::<Hd>(&p("PID-3[2].4.1")).is_none());
        assert!(msg.get_as::<Cx>(&p("PID-3[3]")).is_none());
        assert!(msg.get_as::<Cx>(&p("PID-30")).is_none());
        assert!(msg.get_as::<Cx>(&p("PV1-3")).is_none());
    }

    #[test]
    fn field_and_segment_helpers() {
        let b = with_segment("PID|1||1^^^A~2^^^B");
        let msg = parse(&b);
        let pid = msg.find(b"PID", 1).expect("pid");
        let f = pid.field(3).expect("pid-3");
        let auths: Vec<_> = f
            .repetitions_as::<Cx>()
            .filter_map(|c| c.assigning_authority())
            .filter_map(|h| h.namespace_id())
            .collect();
        assert_eq!(auths, ["A", "B"]);
        assert_eq!(f.as_type::<Cx>().id().as_deref(), Some("1"));
        assert_eq!(Cx::new(f), Cx::from(f));
        assert!(pid.field_as::<Cx>(9).is_none());
        let rep = f.repetition(2).expect("rep");
        assert_eq!(rep.as_type::<Cx>().id().as_deref(), Some("2"));
        let comp = rep.component(4).expect("comp");
        assert_eq!(comp.as_type::<Hd>().namespace_id().as_deref(), Some("B"));
        assert_eq!(<Cx as DataType>::CODE, "CX");
    }

    #[test]
    fn nested_one_level_too_deep_is_a_leaf() {
        // CX carried as subcomponents (as in some Z-segments): its HD (CX.4) cannot be
        // split further, so it is one leaf namespace id.
        let b = with_segment("ZZZ|1|12345&&&MRN");
        let msg = parse(&b);
        let comp = msg
            .find(b"ZZZ", 1)
            .and_then(|s| s.field(2))
            .and_then(|f| f.component(1))
            .expect("comp");
        let cx = Cx::from_component(comp);
        assert_eq!(cx.id().as_deref(), Some("12345"));
        let hd = cx.assigning_authority().expect("hd");
        assert_eq!(hd.namespace_id().as_deref(), Some("MRN"));
        assert_eq!(hd.universal_id(), None);
        assert_eq!(format!("{hd:?}"), "Hd { present: [namespace_id] }");
    }

    #[test]
    fn debug_marks_nulls_and_unknown_parts() {
        let b = with_segment("PID|1||7||\"\"^Jane^^^^^^^^^^^^X^Y");
        let msg = parse(&b);
        let xpn: Xpn = msg
            .find(b"PID", 1)
            .and_then(|s| s.field_as(5))
            .expect("xpn");
        let dbg = format!("{xpn:?}");
        assert_eq!(
            dbg,
            "Xpn { present: [family_name(null), given_name, professional_suffix, #15] }"
        );
        assert!(!dbg.contains("Jane"));
    }

    #[test]
    fn null_and_empty_whole_values() {
        let b = with_segment("PID|1||7||\"\"|^^^");
        let msg = parse(&b);
        let pid = msg.find(b"PID", 1).expect("pid");
        let null: Xpn = pid.field_as(5).expect("pid-5");
        assert!(null.is_null());
        assert!(null.is_empty());
        assert_eq!(null.family_name(), None);
        assert_eq!(null.part(1).map(|v| v.is_null()), Some(true));
        let empty: Xpn = pid.field_as(6).expect("pid-6");
        assert!(!empty.is_null());
        assert!(empty.is_empty());
        assert_eq!(empty.part(2).map(|v| v.is_empty()), Some(true));
        assert_eq!(empty.part(5), None);
        assert_eq!(empty.part(0), None);
        assert_eq!(format!("{empty:?}"), "Xpn { present: [] }");
    }

    #[test]
    fn datetimes() {
        let b = format!(
            "MSH|^~\\&|T|F|||{}||ADT^A01|1|P|2.5.1\rPID|1||7||Doe^J^^^^^L^^^^^20200101^\"\"||19800704^D|X|\"\"|2024131",
            "20240315083000.1234-0500"
        );
        let msg = parse(b.as_bytes());
        let h = msg.header().datetime().expect("msh-7").expect("valid");
        assert_eq!(h.precision(), Precision::Fraction(4));
        assert_eq!(h.nanosecond(), Some(123_400_000));
        let pid = msg.find(b"PID", 1).expect("pid");
        let dob = pid
            .field(7)
            .and_then(|f| f.datetime())
            .expect("pid-7")
            .expect("valid");
        assert_eq!(
            (dob.year(), dob.month(), dob.day()),
            (1980, Some(7), Some(4))
        );
        let rep = pid.field(7).and_then(|f| f.repetition(1)).expect("rep");
        assert_eq!(rep.datetime(), Some(Ok(dob)));
        let xpn = pid.field(5).expect("pid-5");
        let eff = xpn
            .component(12)
            .and_then(|c| c.datetime())
            .expect("xpn.12");
        assert_eq!(eff.ok().map(|d| d.precision()), Some(Precision::Day));
        assert_eq!(xpn.component(13).and_then(|c| c.datetime()), None); // null
        assert_eq!(xpn.component(14).and_then(|c| c.datetime()), None); // absent
        assert_eq!(pid.field(6).and_then(|f| f.datetime()), None); // empty
        assert_eq!(pid.field(9).and_then(|f| f.datetime()), None); // null
        let bad = pid.field(10).and_then(|f| f.datetime()).expect("pid-10");
        let err = bad.expect_err("month 13");
        assert_eq!(err.kind(), TsErrorKind::InvalidMonth);
        assert!(!err.to_string().contains("2024131"));
    }

    #[test]
    fn header_datetime_absent_null_invalid() {
        let msg = parse(b"MSH|^~\\&|A|B|C|D||");
        assert_eq!(msg.header().datetime(), None);
        let msg = parse(b"MSH|^~\\&|A|B|C|D|\"\"|");
        assert_eq!(msg.header().datetime(), None);
        let msg = parse(b"MSH|^~\\&|A|B|C|D|2024-01-01|");
        assert!(matches!(msg.header().datetime(), Some(Err(_))));
    }
}
