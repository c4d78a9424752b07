//! FHIR R4 ConceptMap JSON as a code override ([`ConceptMap`]).

use std::collections::HashMap;

use serde_json::Value as J;

use super::hooks::{Coding, Overrides};
use crate::fhir::{Error, ErrorKind};

/// Site vocabularies as a FHIR R4 `ConceptMap`, used as the code hook of
/// [`Overrides`]: `group[].source` + `element[].code` → the first usable
/// `target[]` (`code`, `display`, in `group[].target`).
///
/// A target is usable when it has a `code` and its `equivalence` (R4) is not
/// `unmatched` or `disjoint` (nor an R5 `relationship` of `not-related-to`). A group's
/// `unmapped` of mode `provided` maps any other code of the source system to the same
/// code in the target system, mode `fixed` to `unmapped.code`; mode `other-map` is not
/// followed (the code is left to the built-in mapping). `group.source`/`target` default
/// to the ConceptMap's `sourceUri`/`sourceCanonical` and `targetUri`/`targetCanonical`.
/// A `source` may be a URI or a v2 coding-system name as sent in CWE.3 (`L`, `99LAB`).
///
/// ```
/// use carewire_mapping::v2::{ConceptMap, Overrides};
///
/// let map = ConceptMap::from_json(r#"{"resourceType": "ConceptMap", "status": "active",
///   "group": [{"source": "http://hospital.example/lab", "target": "http://loinc.org",
///     "element": [{"code": "GLU", "target": [{"code": "2345-7",
///       "display": "Glucose", "equivalence": "equivalent"}]}]}]}"#)?;
/// let c = map.code("http://hospital.example/lab", "GLU").ok_or("unmapped")?;
/// assert_eq!((c.system.as_str(), c.code.as_str()), ("http://loinc.org", "2345-7"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ConceptMap {
    groups: Vec<Group>,
}

#[derive(Clone, Debug)]
struct Group {
    source: String,
    target: String,
    map: HashMap<String, (String, String)>,
    unmapped: Unmapped,
}

#[derive(Clone, Debug)]
enum Unmapped {
    None,
    Provided,
    Fixed(String, String),
}

fn bad(at: String) -> Error {
    Error::new(ErrorKind::InvalidConceptMap, at)
}

fn opt_str<'a>(v: &'a J, key: &str, at: &dyn Fn() -> String) -> Result<Option<&'a str>, Error> {
    match v.get(key) {
        None | Some(J::Null) => Ok(None),
        Some(J::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{}.{key}", at()))),
    }
}

fn opt_arr<'a>(v: &'a J, key: &str, at: &dyn Fn() -> String) -> Result<&'a [J], Error> {
    match v.get(key) {
        None | Some(J::Null) => Ok(&[]),
        Some(J::Array(a)) => Ok(a),
        Some(_) => Err(bad(format!("{}.{key}", at()))),
    }
}

fn usable(t: &J, at: &dyn Fn() -> String) -> Result<bool, Error> {
    let eq = opt_str(t, "equivalence", at)?;
    let rel = opt_str(t, "relationship", at)?;
    Ok(!matches!(eq, Some("unmatched" | "disjoint")) && rel != Some("not-related-to"))
}

impl ConceptMap {
    /// Parses a FHIR R4 ConceptMap resource (JSON text).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConceptMap`] when the text is not JSON, not a ConceptMap, or
    /// a member has the wrong JSON type; the location is a JSON path
    /// (`group[1].element[3].code`), never a value.
    pub fn from_json(text: &str) -> Result<ConceptMap, Error> {
        let v: J = serde_json::from_str(text).map_err(|_| bad("$".into()))?;
        if v.get("resourceType").and_then(J::as_str) != Some("ConceptMap") {
            return Err(bad("resourceType".into()));
        }
        let top = || String::new();
        let src_default = opt_str(&v, "sourceUri", &top)?
            .or(opt_str(&v, "sourceCanonical", &top)?)
            .unwrap_or("");
        let tgt_default = opt_str(&v, "targetUri", &top)?
            .or(opt_str(&v, "targetCanonical", &top)?)
            .unwrap_or("");
        let mut groups = Vec::new();
        for (gi, g) in opt_arr(&v, "group", &top)?.iter().enumerate() {
            let gat = || format!("group[{gi}]");
            if !g.is_object() {
                return Err(bad(gat()));
            }
            let source = opt_str(g, "source", &gat)?.unwrap_or(src_default);
            let target = opt_str(g, "target", &gat)?.unwrap_or(tgt_default);
            let mut map = HashMap::new();
            for (ei, e) in opt_arr(g, "element", &gat)?.iter().enumerate() {
                let eat = || format!("group[{gi}].element[{ei}]");
                let Some(code) = opt_str(e, "code", &eat)? else {
                    continue;
                };
                for (ti, t) in opt_arr(e, "target", &eat)?.iter().enumerate() {
                    let tat = || format!("group[{gi}].element[{ei}].target[{ti}]");
                    if !t.is_object() {
                        return Err(bad(tat()));
                    }
                    let tcode = opt_str(t, "code", &tat)?;
                    let display = opt_str(t, "display", &tat)?.unwrap_or("");
                    if let (Some(tc), true) = (tcode, usable(t, &tat)?) {
                        map.entry(code.to_string())
                            .or_insert_with(|| (tc.to_string(), display.to_string()));
                    }
                }
            }
            let unmapped = match g.get("unmapped") {
                None | Some(J::Null) => Unmapped::None,
                Some(u) => {
                    let uat = || format!("group[{gi}].unmapped");
                    match opt_str(u, "mode", &uat)? {
                        Some("provided") => Unmapped::Provided,
                        Some("fixed") => match opt_str(u, "code", &uat)? {
                            Some(c) => Unmapped::Fixed(
                                c.to_string(),
                                opt_str(u, "display", &uat)?.unwrap_or("").to_string(),
                            ),
                            None => return Err(bad(format!("{}.code", uat()))),
                        },
                        _ => Unmapped::None,
                    }
                }
            };
            groups.push(Group {
                source: source.to_string(),
                target: target.to_string(),
                map,
                unmapped,
            });
        }
        Ok(ConceptMap { groups })
    }

    /// Number of mapped source codes (all groups).
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.map.len()).sum()
    }

    /// True when no source code is mapped.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Translates `code` of `system` (first matching group wins).
    pub fn translate(&self, system: &str, code: &str) -> Option<Coding> {
        for g in self.groups.iter().filter(|g| g.source == system) {
            if let Some((c, d)) = g.map.get(code) {
                return Some(Coding::new(&g.target, c, d));
            }
            match &g.unmapped {
                Unmapped::None => {}
                Unmapped::Provided => return Some(Coding::new(&g.target, code, "")),
                Unmapped::Fixed(c, d) => return Some(Coding::new(&g.target, c, d)),
            }
        }
        None
    }
}

impl Overrides for ConceptMap {
    fn code(&self, system: &str, code: &str) -> Option<Coding> {
        self.translate(system, code)
    }
}
