//! Routing helpers: match messages and fan out to named destinations.
//!
//! A [`Matcher`] tests one HL7 v2 message: its type, trigger event or structure
//! (MSH-9.1/.2/.3), its sender (MSH-3.1 / MSH-4.1), its receiver (MSH-5.1 / MSH-6.1) or
//! the decoded value at any [`Path`], with a [`Test`] (equals, prefix, one of, or a glob
//! where `*` is any run of characters and `?` one character). Matchers combine with
//! [`Matcher::all`], [`Matcher::any`] and [`Matcher::not`].
//!
//! A [`Router`] holds named destinations and rules evaluated in order. In
//! [`RouteMode::FirstMatch`] the first matching rule decides; in [`RouteMode::FanOut`]
//! every matching rule adds its destinations (each name once, in rule order). A message
//! no rule matches is [`Routing::Unrouted`], never silently dropped.
//!
//! Evaluation allocates nothing beyond the result vector, except when a compared value
//! contains an HL7 escape sequence (its decoded text is then an owned string), and
//! [`Router::route_into`] lets a loop reuse that vector too.
//!
//! # Examples
//! ```
//! use carewire_hl7::Message;
//! use carewire_mapping::route::{Matcher, RouteMode, Router, Routing, Test};
//!
//! let mut router = Router::new(RouteMode::FanOut);
//! router.destination("adt-feed")?.destination("lab")?.destination("archive")?;
//! router.rule(Matcher::message_type(Test::equals("ADT")), &["adt-feed"])?;
//! router.rule(
//!     Matcher::all(vec![
//!         Matcher::message_type(Test::equals("ORU")),
//!         Matcher::sending_facility(Test::one_of(&["LAB", "LAB2"])),
//!     ]),
//!     &["lab"],
//! )?;
//! router.rule(Matcher::path("PV1-2", Test::glob("I*"))?, &["archive"])?;
//!
//! let msg = Message::parse(
//!     b"MSH|^~\\&|EMR|HOSP|ENG|HUB|20240101||ADT^A01^ADT_A01|1|P|2.5.1\rPV1|1|I\r",
//! )?;
//! assert_eq!(router.route(&msg), Routing::Routed(vec!["adt-feed", "archive"]));
//!
//! let other = Message::parse(b"MSH|^~\\&|X|Y|||20240101||SIU^S12|2|P|2.5.1\r")?;
//! assert_eq!(router.route(&other), Routing::Unrouted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use carewire_hl7::{Message, Path};

/// A test applied to one decoded value.
#[derive(Clone, PartialEq, Eq)]
pub enum Test {
    /// The value equals the text exactly.
    Equals(String),
    /// The value starts with the text.
    Prefix(String),
    /// The value equals one of the texts.
    OneOf(Vec<String>),
    /// The value matches a glob: `*` any run of characters (also none), `?` exactly one
    /// character, everything else literally.
    Glob(String),
    /// The value is present and not empty.
    Present,
}

impl Test {
    /// [`Test::Equals`].
    pub fn equals(text: &str) -> Test {
        Test::Equals(text.to_owned())
    }

    /// [`Test::Prefix`].
    pub fn prefix(text: &str) -> Test {
        Test::Prefix(text.to_owned())
    }

    /// [`Test::OneOf`].
    pub fn one_of(texts: &[&str]) -> Test {
        Test::OneOf(texts.iter().map(|t| (*t).to_owned()).collect())
    }

    /// [`Test::Glob`].
    pub fn glob(pattern: &str) -> Test {
        Test::Glob(pattern.to_owned())
    }

    /// Whether `value` (`None` when absent) passes.
    pub fn matches(&self, value: Option<&str>) -> bool {
        let Some(v) = value else {
            return false;
        };
        match self {
            Test::Equals(t) => v == t,
            Test::Prefix(t) => v.starts_with(t.as_str()),
            Test::OneOf(ts) => ts.iter().any(|t| t == v),
            Test::Glob(p) => glob_match(p, v),
            Test::Present => !v.is_empty(),
        }
    }
}

// Test texts are routing configuration, not message content; still, Debug shows only the
// kind so that a configuration built from message values never leaks them.
impl fmt::Debug for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Test::Equals(_) => "Equals",
            Test::Prefix(_) => "Prefix",
            Test::OneOf(_) => "OneOf",
            Test::Glob(_) => "Glob",
            Test::Present => "Present",
        };
        f.write_str(kind)
    }
}

/// Glob match without allocation: `*` any run of characters, `?` one character.
///
/// The classic greedy algorithm with one backtrack point (the last `*`), linear in
/// practice and never exponential.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: &[u8] = pattern.as_bytes();
    let t: &[u8] = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(b'?') => {
                pi += 1;
                ti += char_len(t, ti);
            }
            Some(&c) if c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    let next = st + char_len(t, st);
                    star = Some((sp, next));
                    pi = sp + 1;
                    ti = next;
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == b'*')
}

/// Length in bytes of the UTF-8 character starting at `i` (1 at a continuation byte).
fn char_len(t: &[u8], i: usize) -> usize {
    let mut n = 1;
    while n < 4 && matches!(t.get(i + n), Some(&b) if (b & 0xC0) == 0x80) {
        n += 1;
    }
    n
}

/// Where a matcher reads its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Component `component` of the first repetition of MSH field `field`.
    Msh { field: u8, component: u8 },
    /// Any path.
    Path(Path),
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Msh { field, component } => write!(f, "MSH-{field}.{component}"),
            Target::Path(p) => write!(f, "{p}"),
        }
    }
}

/// A condition on a message; see the [module documentation](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// Always true (a catch-all rule).
    Always,
    /// The value at a target passes a test.
    Value {
        /// Where the value is read.
        target: TargetRef,
        /// The test.
        test: Test,
    },
    /// All of the matchers match (true when empty).
    All(Vec<Matcher>),
    /// Any of the matchers matches (false when empty).
    Any(Vec<Matcher>),
    /// The matcher does not match.
    Not(Box<Matcher>),
}

/// Where a [`Matcher::Value`] reads its value (opaque; build it with the
/// [`Matcher`] constructors).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TargetRef(Target);

impl fmt::Debug for TargetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Matcher {
    fn msh(field: u8, component: u8, test: Test) -> Matcher {
        Matcher::Value {
            target: TargetRef(Target::Msh { field, component }),
            test,
        }
    }

    /// The message type, MSH-9.1 (`ADT`, `ORU`).
    pub fn message_type(test: Test) -> Matcher {
        Matcher::msh(9, 1, test)
    }

    /// The trigger event, MSH-9.2 (`A01`, `R01`).
    pub fn trigger(test: Test) -> Matcher {
        Matcher::msh(9, 2, test)
    }

    /// The message structure, MSH-9.3 (`ADT_A01`).
    pub fn structure(test: Test) -> Matcher {
        Matcher::msh(9, 3, test)
    }

    /// The sending application, MSH-3.1.
    pub fn sending_application(test: Test) -> Matcher {
        Matcher::msh(3, 1, test)
    }

    /// The sending facility, MSH-4.1.
    pub fn sending_facility(test: Test) -> Matcher {
        Matcher::msh(4, 1, test)
    }

    /// The receiving application, MSH-5.1.
    pub fn receiving_application(test: Test) -> Matcher {
        Matcher::msh(5, 1, test)
    }

    /// The receiving facility, MSH-6.1.
    pub fn receiving_facility(test: Test) -> Matcher {
        Matcher::msh(6, 1, test)
    }

    /// The decoded value at `path` (for example `PV1-3.1` or `OBR-4.1`).
    ///
    /// # Errors
    /// As [`Path::parse`].
    pub fn path(path: &str, test: Test) -> Result<Matcher, carewire_hl7::Error> {
        Ok(Matcher::at(Path::parse(path)?, test))
    }

    /// The decoded value at a compiled `path`.
    pub fn at(path: Path, test: Test) -> Matcher {
        Matcher::Value {
            target: TargetRef(Target::Path(path)),
            test,
        }
    }

    /// All of `matchers`.
    pub fn all(matchers: Vec<Matcher>) -> Matcher {
        Matcher::All(matchers)
    }

    /// Any of `matchers`.
    pub fn any(matchers: Vec<Matcher>) -> Matcher {
        Matcher::Any(matchers)
    }

    /// The negation of `matcher`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(matcher: Matcher) -> Matcher {
        Matcher::Not(Box::new(matcher))
    }

    /// Whether `msg` matches.
    pub fn matches(&self, msg: &Message<'_>) -> bool {
        match self {
            Matcher::Always => true,
            Matcher::Value { target, test } => {
                let value: Option<Cow<'_, str>> = match target.0 {
                    Target::Msh { field, component } => msg
                        .msh()
                        .field(usize::from(field))
                        .and_then(|f| f.repetition(1))
                        .and_then(|r| r.component(usize::from(component)))
                        .map(|c| c.decoded()),
                    Target::Path(p) => msg.get(&p).map(|v| v.decoded()),
                };
                test.matches(value.as_deref())
            }
            Matcher::All(ms) => ms.iter().all(|m| m.matches(msg)),
            Matcher::Any(ms) => ms.iter().any(|m| m.matches(msg)),
            Matcher::Not(m) => !m.matches(msg),
        }
    }
}

/// How a [`Router`] combines matching rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteMode {
    /// The first matching rule decides.
    FirstMatch,
    /// Every matching rule contributes its destinations.
    FanOut,
}

/// The outcome of routing one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routing<'r> {
    /// The destination names, each once, in rule order.
    Routed(Vec<&'r str>),
    /// No rule matched.
    Unrouted,
}

impl<'r> Routing<'r> {
    /// The destinations (empty when unrouted).
    pub fn destinations(&self) -> &[&'r str] {
        match self {
            Routing::Routed(d) => d,
            Routing::Unrouted => &[],
        }
    }

    /// True when no rule matched.
    pub fn is_unrouted(&self) -> bool {
        matches!(self, Routing::Unrouted)
    }
}

/// An error building a [`Router`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// A rule names a destination that was not declared (its position in the rule's list).
    UnknownDestination {
        /// 0-based position of the name in the rule's destination list.
        position: usize,
    },
    /// A destination was declared twice.
    DuplicateDestination,
    /// A rule has no destination.
    NoDestination,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::UnknownDestination { position } => {
                write!(f, "unknown destination at position {position} of the rule")
            }
            RouteError::DuplicateDestination => f.write_str("destination declared twice"),
            RouteError::NoDestination => f.write_str("rule has no destination"),
        }
    }
}

impl std::error::Error for RouteError {}

#[derive(Clone, Debug)]
struct Rule {
    matcher: Matcher,
    /// Indexes into `Router::destinations`.
    to: Vec<usize>,
}

/// Named destinations and ordered rules; see the [module documentation](self).
#[derive(Clone, Debug)]
pub struct Router {
    mode: RouteMode,
    destinations: Vec<String>,
    rules: Vec<Rule>,
}

impl Router {
    /// An empty router.
    pub fn new(mode: RouteMode) -> Router {
        Router {
            mode,
            destinations: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// The routing mode.
    pub fn mode(&self) -> RouteMode {
        self.mode
    }

    /// Declares a destination.
    ///
    /// # Errors
    /// [`RouteError::DuplicateDestination`] when `name` is already declared.
    pub fn destination(&mut self, name: &str) -> Result<&mut Router, RouteError> {
        if self.destinations.iter().any(|d| d == name) {
            return Err(RouteError::DuplicateDestination);
        }
        self.destinations.push(name.to_owned());
        Ok(self)
    }

    /// The declared destinations, in declaration order.
    pub fn destinations(&self) -> impl Iterator<Item = &str> + '_ {
        self.destinations.iter().map(String::as_str)
    }

    /// Appends a rule sending matching messages to the declared destinations `to`.
    ///
    /// # Errors
    /// [`RouteError::NoDestination`] for an empty `to`,
    /// [`RouteError::UnknownDestination`] for a name not declared.
    pub fn rule(&mut self, matcher: Matcher, to: &[&str]) -> Result<&mut Router, RouteError> {
        if to.is_empty() {
            return Err(RouteError::NoDestination);
        }
        let mut idx = Vec::with_capacity(to.len());
        for (position, name) in to.iter().enumerate() {
            let i = self
                .destinations
                .iter()
                .position(|d| d == name)
                .ok_or(RouteError::UnknownDestination { position })?;
            if !idx.contains(&i) {
                idx.push(i);
            }
        }
        self.rules.push(Rule { matcher, to: idx });
        Ok(self)
    }

    /// Number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Routes `msg`.
    pub fn route(&self, msg: &Message<'_>) -> Routing<'_> {
        let mut out = Vec::new();
        if self.route_into(msg, &mut out) {
            Routing::Routed(out)
        } else {
            Routing::Unrouted
        }
    }

    /// Routes `msg`, appending destination names to `out` after clearing it (reuse one
    /// vector across messages to route without allocating). Returns false when no rule
    /// matched.
    pub fn route_into<'r>(&'r self, msg: &Message<'_>, out: &mut Vec<&'r str>) -> bool {
        out.clear();
        let mut matched = false;
        for rule in &self.rules {
            if !rule.matcher.matches(msg) {
                continue;
            }
            matched = true;
            for &i in &rule.to {
                if let Some(name) = self.destinations.get(i) {
                    if !out.contains(&name.as_str()) {
                        out.push(name.as_str());
                    }
                }
            }
            if self.mode == RouteMode::FirstMatch {
                break;
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob_basics() {
        assert!(glob_match("", ""));
        assert!(!glob_match("", "a"));
        assert!(glob_match("*", ""));
        assert!(glob_match("A0?", "A01"));
        assert!(!glob_match("A0?", "A0"));
        assert!(glob_match("*LAB*", "MAINLAB01"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("?é", "xé"));
        assert!(glob_match("**a", "bba"));
    }
}
