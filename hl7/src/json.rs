//! The JSON view of a message (cargo feature `serde`).
//!
//! The shape is positional so that every field number can be recovered, and each JSON
//! type means one thing, so the shape is unambiguous:
//!
//! ```text
//! {
//!   "delimiters": "|^~\\&",          MSH-1 followed by MSH-2 as declared
//!   "charset": "UNICODE UTF-8",      the character set used to decode values
//!   "segments": [
//!     { "id": "PID", "fields": [ field1, field2, ... ] },   fields[i] is field i + 1
//!     ...
//!   ],
//!   "diagnostics": [ { "kind": "InvalidEscape", "offset": 52 }, ... ]
//! }
//! ```
//!
//! Every value (field, repetition, component, subcomponent) is one of:
//!
//! | JSON                   | meaning                                                        |
//! |------------------------|----------------------------------------------------------------|
//! | `""`                   | present but empty (`||`)                                       |
//! | `null`                 | the HL7 null `""` ("delete the receiver's value")              |
//! | `"text"`               | a leaf: escape sequences and the character set decoded         |
//! | `[c1, c2, ...]`        | a repetition with components (it contains `^` or `&`)          |
//! | `[[s1, s2], ...]`      | inside a component array: a component with subcomponents (`&`)|
//! | `{"repetitions": [..]}`| a field with more than one repetition (it contains `~`)        |
//!
//! So a field is a repetition value, or `{"repetitions": [r1, r2, ...]}`; a repetition
//! is a leaf or an array of components; a component is a leaf or an array of
//! subcomponents; a subcomponent is a leaf. Empty trailing pieces are kept (`"A^"` is
//! `["A", ""]`), so the separators as sent can be counted back.
//!
//! MSH-1 and MSH-2 are plain strings (`"|"` and `"^~\\&"`), and MSH numbering follows
//! HL7: `fields[0]` of MSH is MSH-1, the field separator itself.
//!
//! Decoding uses the default [`DecodeOptions`]: formatting (`\.br\`) and highlighting
//! (`\H\`) escapes are kept verbatim, so nothing is lost. Diagnostics are the parser's
//! repairs plus what decoding found (invalid or unsupported escapes, invalid characters),
//! sorted by byte offset; `kind` is the [`DiagnosticKind`](crate::DiagnosticKind)
//! variant name. Diagnostics never carry content.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

use crate::error::Diagnostic;
use crate::escape::DecodeOptions;
use crate::message::{Field, Message, MessageBuf, Repetition, Value};

impl Message<'_> {
    /// The JSON view of the message as a [`serde_json::Value`] (shape below).
    ///
    /// This is an explicit request for content: the result holds patient data.
    /// `serde_json::Value` objects sort their keys; [`Message::to_json_string`],
    /// [`Message::to_json_pretty`] and the [`Serialize`] impl write them in the documented
    /// order (`delimiters`, `charset`, `segments`, `diagnostics`; `id` before `fields`).
    ///
    /// # JSON shape
    /// `fields[i]` is field `i + 1` (for MSH, `fields[0]` is MSH-1). A value is `""` when
    /// empty, `null` for the HL7 null `""`, a string for a leaf (decoded text), an array
    /// of components when it has `^` or `&` (a component with `&` is an array of
    /// subcomponents), and `{"repetitions": [...]}` when the field repeats (`~`).
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::Message;
    /// let msg = Message::parse(
    ///     b"MSH|^~\\&|LAB||||||ORU^R01|1|P|2.5\rPID|1|\"\"|42^^^MRN&1.2&ISO~43||O\\F\\Brien^Jo|",
    /// )?;
    /// let json = msg.to_json();
    /// assert_eq!(json["delimiters"], "|^~\\&");
    /// let pid = &json["segments"][1];
    /// assert_eq!(pid["id"], "PID");
    /// assert_eq!(
    ///     pid["fields"],
    ///     serde_json::json!([
    ///         "1",
    ///         null,
    ///         {"repetitions": [["42", "", "", ["MRN", "1.2", "ISO"]], "43"]},
    ///         "",
    ///         ["O|Brien", "Jo"],
    ///         ""
    ///     ])
    /// );
    /// assert_eq!(json["segments"][0]["fields"][0], "|");
    /// assert_eq!(json["segments"][0]["fields"][1], "^~\\&");
    /// assert_eq!(json["segments"][0]["fields"][8], serde_json::json!(["ORU", "R01"]));
    /// # Ok::<(), carewire_hl7::Error>(())
    /// ```
    pub fn to_json(&self) -> Json {
        View::of(self).to_json()
    }

    /// The JSON view as compact text, keys in the documented order (see
    /// [`Message::to_json`]).
    ///
    /// # Examples
    /// ```
    /// let msg = carewire_hl7::Message::parse(b"MSH|^~\\&|A\rZZZ|x^y|\"\"")?;
    /// assert_eq!(
    ///     msg.to_json_string(),
    ///     r#"{"delimiters":"|^~\\&","charset":"UNICODE UTF-8","segments":["#.to_owned()
    ///         + r#"{"id":"MSH","fields":["|","^~\\&","A"]},"#
    ///         + r#"{"id":"ZZZ","fields":[["x","y"],null]}],"diagnostics":[]}"#
    /// );
    /// # Ok::<(), carewire_hl7::Error>(())
    /// ```
    pub fn to_json_string(&self) -> String {
        // Cannot fail: every map key is a string and there are no floats.
        serde_json::to_string(&View::of(self)).unwrap_or_default()
    }

    /// The JSON view as indented text, keys in the documented order (see
    /// [`Message::to_json`]).
    pub fn to_json_pretty(&self) -> String {
        // Cannot fail: every map key is a string and there are no floats.
        serde_json::to_string_pretty(&View::of(self)).unwrap_or_default()
    }
}

impl Serialize for Message<'_> {
    /// Serializes the JSON view described at [`Message::to_json`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        View::of(self).serialize(serializer)
    }
}

impl Serialize for MessageBuf {
    /// Serializes the JSON view described at [`Message::to_json`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.view().serialize(serializer)
    }
}

/// The decoded tree, built once and then written as `serde_json::Value` or serialized.
struct View {
    delimiters: String,
    charset: &'static str,
    segments: Vec<(String, Vec<Node>)>,
    diagnostics: Vec<Diagnostic>,
}

/// One value in the JSON view.
enum Node {
    /// The HL7 null `""`.
    Null,
    /// A leaf: decoded text.
    Text(String),
    /// Components of a repetition, or subcomponents of a component.
    List(Vec<Node>),
    /// Repetitions of a field (more than one).
    Repetitions(Vec<Node>),
}

impl View {
    fn of(msg: &Message<'_>) -> View {
        let options = DecodeOptions::default();
        let mut diagnostics: Vec<Diagnostic> = msg.diagnostics().to_vec();
        let segments = msg
            .segments()
            .map(|seg| {
                let fields = seg
                    .fields()
                    .map(|f| field_node(f, &options, &mut diagnostics))
                    .collect();
                (String::from_utf8_lossy(seg.id()).into_owned(), fields)
            })
            .collect();
        diagnostics.sort_by_key(|d| d.offset);
        let delims = msg.delimiters();
        let mut delimiters = String::new();
        delimiters.push(char::from(delims.field()));
        delimiters.extend(delims.encoding_characters().into_iter().map(char::from));
        View {
            delimiters,
            charset: msg.charset().label(),
            segments,
            diagnostics,
        }
    }

    fn to_json(&self) -> Json {
        let segments = self
            .segments
            .iter()
            .map(|(id, fields)| {
                let mut m = Map::new();
                m.insert("id".into(), Json::String(id.clone()));
                m.insert(
                    "fields".into(),
                    Json::Array(fields.iter().map(Node::to_json).collect()),
                );
                Json::Object(m)
            })
            .collect();
        let diagnostics = self
            .diagnostics
            .iter()
            .map(|d| {
                let mut m = Map::new();
                m.insert("kind".into(), Json::String(kind_name(d)));
                m.insert("offset".into(), Json::from(d.offset));
                Json::Object(m)
            })
            .collect();
        let mut root = Map::new();
        root.insert("delimiters".into(), Json::String(self.delimiters.clone()));
        root.insert("charset".into(), Json::String(self.charset.into()));
        root.insert("segments".into(), Json::Array(segments));
        root.insert("diagnostics".into(), Json::Array(diagnostics));
        Json::Object(root)
    }
}

/// The `DiagnosticKind` variant name, e.g. `InvalidEscape` (all variants are unit-like).
fn kind_name(d: &Diagnostic) -> String {
    format!("{:?}", d.kind)
}

impl Node {
    fn to_json(&self) -> Json {
        match self {
            Node::Null => Json::Null,
            Node::Text(s) => Json::String(s.clone()),
            Node::List(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Node::Repetitions(items) => {
                let mut m = Map::new();
                m.insert(
                    "repetitions".into(),
                    Json::Array(items.iter().map(Node::to_json).collect()),
                );
                Json::Object(m)
            }
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Text(s) => serializer.serialize_str(s),
            Node::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Repetitions(items) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("repetitions", &List(items))?;
                map.end()
            }
        }
    }
}

/// A borrowed list of nodes, serialized as an array.
struct List<'a>(&'a [Node]);

impl Serialize for List<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

/// A segment, serialized as `{"id": .., "fields": [..]}`.
struct Seg<'a>(&'a str, &'a [Node]);

impl Serialize for Seg<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("id", self.0)?;
        map.serialize_entry("fields", &List(self.1))?;
        map.end()
    }
}

/// A diagnostic, serialized as `{"kind": .., "offset": ..}`.
struct Diag<'a>(&'a Diagnostic);

impl Serialize for Diag<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("kind", &kind_name(self.0))?;
        map.serialize_entry("offset", &self.0.offset)?;
        map.end()
    }
}

impl Serialize for View {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("delimiters", &self.delimiters)?;
        map.serialize_entry("charset", self.charset)?;
        let segments: Vec<Seg<'_>> = self
            .segments
            .iter()
            .map(|(id, fields)| Seg(id, fields))
            .collect();
        map.serialize_entry("segments", &segments)?;
        let diagnostics: Vec<Diag<'_>> = self.diagnostics.iter().map(Diag).collect();
        map.serialize_entry("diagnostics", &diagnostics)?;
        map.end()
    }
}

fn field_node(field: Field<'_>, options: &DecodeOptions, diags: &mut Vec<Diagnostic>) -> Node {
    if field.repetition_count() > 1 {
        let reps = field
            .repetitions()
            .map(|r| repetition_node(r, options, diags))
            .collect();
        return Node::Repetitions(reps);
    }
    match field.repetition(1) {
        Some(rep) => repetition_node(rep, options, diags),
        None => leaf(&field, options, diags),
    }
}

fn repetition_node(
    rep: Repetition<'_>,
    options: &DecodeOptions,
    diags: &mut Vec<Diagnostic>,
) -> Node {
    let d = rep.delimiters();
    let has = |sep: Option<u8>| sep.is_some_and(|s| memchr::memchr(s, rep.raw()).is_some());
    if !has(d.component()) && !has(d.subcomponent()) {
        return leaf(&rep, options, diags);
    }
    let comps = rep
        .components()
        .map(|c| {
            let subs: Vec<_> = c.subcomponents().collect();
            if subs.len() > 1 {
                Node::List(subs.iter().map(|s| leaf(s, options, diags)).collect())
            } else {
                leaf(&c, options, diags)
            }
        })
        .collect();
    Node::List(comps)
}

fn leaf(value: &Value<'_>, options: &DecodeOptions, diags: &mut Vec<Diagnostic>) -> Node {
    if value.is_null() {
        return Node::Null;
    }
    Node::Text(value.decode_report(options, Some(diags)).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;
    use serde_json::json;

    const SAMPLE: &[u8] = b"MSH|^~\\&|LAB|HOSP|||20240101||ADT^A01|MSG1|P|2.5.1\r\
PID|1||42^^^MRN&1.2.3&ISO~43^^^SSN||Doe^Jane\\T\\Ann^^^^\\|\"\"|19700101|F|||1 Main St\\.br\\Apt 2^^Town\r\
NTE|1||a\\F\\b\\S\\c\\R\\d\\E\\e|\\Zbad\\|\r";

    #[test]
    fn exact_json_for_a_small_message() -> Result<()> {
        let msg = Message::parse(SAMPLE)?;
        let expected = json!({
            "delimiters": "|^~\\&",
            "charset": msg.charset().label(),
            "segments": [
                {"id": "MSH", "fields": [
                    "|", "^~\\&", "LAB", "HOSP", "", "", "20240101", "", ["ADT", "A01"],
                    "MSG1", "P", "2.5.1"
                ]},
                {"id": "PID", "fields": [
                    "1",
                    "",
                    {"repetitions": [
                        ["42", "", "", ["MRN", "1.2.3", "ISO"]],
                        ["43", "", "", "SSN"]
                    ]},
                    "",
                    // `\T\` decodes to a literal `&` inside the leaf, not a split;
                    // the unterminated `\` at the end is kept and reported.
                    ["Doe", "Jane&Ann", "", "", "", "\\"],
                    null,
                    "19700101",
                    "F",
                    "",
                    "",
                    // Formatting escapes are kept verbatim.
                    ["1 Main St\\.br\\Apt 2", "", "Town"]
                ]},
                {"id": "NTE", "fields": ["1", "", "a|b^c~d\\e", "\\Zbad\\", ""]}
            ],
            "diagnostics": [
                {"kind": "InvalidEscape", "offset": 105},
                {"kind": "UnsupportedEscape", "offset": 174}
            ]
        });
        assert_eq!(msg.to_json(), expected);
        assert_eq!(&SAMPLE[105..106], b"\\");
        assert_eq!(&SAMPLE[174..176], b"\\Z");
        Ok(())
    }

    #[test]
    fn parser_diagnostics_and_string_forms() -> Result<()> {
        let msg = Message::parse(b"MSH|^~\\&|A\nPID|1|&x\n")?;
        let json = msg.to_json();
        // A lone subcomponent separator still makes a component array.
        assert_eq!(json["segments"][1]["fields"][1], json!([["", "x"]]));
        assert_eq!(
            json["diagnostics"],
            json!([{"kind": "LfTerminators", "offset": 10}])
        );
        assert_eq!(
            serde_json::from_str::<Json>(&msg.to_json_string()).ok(),
            Some(json.clone())
        );
        assert_eq!(
            serde_json::from_str::<Json>(&msg.to_json_pretty()).ok(),
            Some(json.clone())
        );
        assert_eq!(serde_json::to_value(&msg).ok(), Some(json.clone()));
        assert_eq!(serde_json::to_value(msg.to_owned_buf()).ok(), Some(json));
        Ok(())
    }

    #[test]
    fn short_encoding_characters_do_not_split() -> Result<()> {
        // Only a component separator is declared: `~` and `&` are plain text.
        let msg = Message::parse(b"MSH|^|A\rPID|1|a~b&c^d")?;
        let json = msg.to_json();
        assert_eq!(json["delimiters"], "|^");
        assert_eq!(json["segments"][0]["fields"][1], "^");
        assert_eq!(json["segments"][1]["fields"][1], json!(["a~b&c", "d"]));
        Ok(())
    }
}
