//! Extension points of the v2 → FHIR conversion: [`Overrides`] and the safe writers it
//! hands out ([`Emit`], [`Obj`], [`Arr`]). See the module docs of [`crate::v2`].

use carewire_hl7::{Message, Repetition, Segment};

use super::{json_number, Loc, Seg};
use crate::fhir::{resource_id, BundleBuilder, Json, Report, ReportKind, ResourceId};

/// What an override did with the element it was offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Handled {
    /// Nothing: the built-in mapping runs (write nothing before returning this).
    #[default]
    Default,
    /// The override mapped it: the built-in mapping is skipped and the element counts as
    /// mapped (a segment's fields are not reported unless the override reports them).
    Mapped,
}

/// A FHIR Coding returned by a code override or a [`super::ConceptMap`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coding {
    /// `Coding.system` (a URI).
    pub system: String,
    /// `Coding.code`.
    pub code: String,
    /// `Coding.display` (may be empty).
    pub display: String,
}

impl Coding {
    /// A coding of `code` in `system` with `display`.
    pub fn new(system: &str, code: &str, display: &str) -> Coding {
        Coding {
            system: system.to_string(),
            code: code.to_string(),
            display: display.to_string(),
        }
    }
}

/// The HL7 v2 datatypes whose mapping [`Overrides::datatype`] can replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Datatype {
    /// CX → Identifier (PID-2/3/4, PV1-19).
    Cx,
    /// XPN → HumanName (PID-5, NK1-2).
    Xpn,
    /// XAD → Address (PID-11, NK1-4).
    Xad,
    /// XTN → ContactPoint (PID-13/14, NK1-5/6).
    Xtn,
    /// CWE/CE/CNE → CodeableConcept (every coded field the mapping writes as one).
    Cwe,
}

/// Where [`Emit::extension`] puts an extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtensionTarget {
    /// `Patient.extension` of the Patient built from PID.
    Patient,
    /// `Encounter.extension` of the Encounter built from PV1.
    Encounter,
}

/// User code that replaces parts of the built-in mapping. Every method has a default
/// that leaves the built-in mapping alone, so an implementation overrides only what it
/// needs. Pass it to [`super::convert_with`] or [`super::to_fhir_with`].
pub trait Overrides {
    /// Called once for every segment that is neither a Z-segment nor an NTE (an NTE
    /// belongs to the segment before it, see [`SegmentCtx::notes`]), before any mapping.
    /// Returning [`Handled::Mapped`] replaces the built-in mapping of that segment (and
    /// of the NTE segments right after it, see [`SegmentCtx::notes`]): write what it
    /// should become through `out`.
    fn segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        let _ = (seg, out);
        Handled::Default
    }

    /// Called once for every Z-segment (id starting with `Z`). Returning
    /// [`Handled::Mapped`] marks it mapped (otherwise it is reported as
    /// [`ReportKind::SegmentNotMapped`]).
    fn z_segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        let _ = (seg, out);
        Handled::Default
    }

    /// Translates a code before the built-in tables see it. `system` is the FHIR URI of
    /// the coding system when known (CWE.3 `LN` → `http://loinc.org`; a field bound to
    /// HL7 table 0001 → `http://terminology.hl7.org/CodeSystem/v2-0001`), otherwise
    /// CWE.3 as sent (`L`, `99LAB`). `None` keeps the built-in mapping.
    fn code(&self, system: &str, code: &str) -> Option<Coding> {
        let _ = (system, code);
        None
    }

    /// Replaces the mapping of one datatype value: `out` is the FHIR element's object
    /// (an Identifier, HumanName, …), already opened. Return [`Handled::Default`] without
    /// writing to keep the built-in mapping.
    fn datatype(
        &mut self,
        kind: Datatype,
        value: &Repetition<'_>,
        out: &mut Obj<'_, '_>,
    ) -> Handled {
        let _ = (kind, value, out);
        Handled::Default
    }
}

/// No overrides: the built-in mapping ([`super::convert`] uses none at all).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOverrides;

impl Overrides for NoOverrides {}

/// Two overrides, the first one asked first: `Chain(site_hooks, concept_map)`.
#[derive(Clone, Debug, Default)]
pub struct Chain<A, B>(pub A, pub B);

impl<A: Overrides, B: Overrides> Overrides for Chain<A, B> {
    fn segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        match self.0.segment(seg, out) {
            Handled::Default => self.1.segment(seg, out),
            h => h,
        }
    }
    fn z_segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        match self.0.z_segment(seg, out) {
            Handled::Default => self.1.z_segment(seg, out),
            h => h,
        }
    }
    fn code(&self, system: &str, code: &str) -> Option<Coding> {
        self.0
            .code(system, code)
            .or_else(|| self.1.code(system, code))
    }
    fn datatype(
        &mut self,
        kind: Datatype,
        value: &Repetition<'_>,
        out: &mut Obj<'_, '_>,
    ) -> Handled {
        match self.0.datatype(kind, value, out) {
            Handled::Default => self.1.datatype(kind, value, out),
            h => h,
        }
    }
}

/// The segment offered to [`Overrides::segment`] / [`Overrides::z_segment`].
pub struct SegmentCtx<'s, 'm> {
    pub(super) msg: &'s Message<'m>,
    pub(super) seg: &'s Seg<'s>,
    pub(super) notes: &'s [Seg<'s>],
    pub(super) patient: Option<ResourceId>,
    pub(super) encounter: Option<ResourceId>,
}

impl<'s, 'm> SegmentCtx<'s, 'm> {
    /// The segment.
    pub fn segment(&self) -> &Segment<'s> {
        &self.seg.seg
    }
    /// The segment id (`PID`, `ZPI`).
    pub fn id(&self) -> &str {
        self.seg.seg.id_str()
    }
    /// The message.
    pub fn message(&self) -> &Message<'m> {
        self.msg
    }
    /// Its location for reports: `ZPI`, or `OBX[3]` when the id occurs more than once.
    pub fn location(&self) -> String {
        self.seg.label.to_string()
    }
    /// The NTE segments right after this one (an overridden segment owns them).
    pub fn notes(&self) -> impl Iterator<Item = &Segment<'s>> + '_ {
        self.notes.iter().map(|s| &s.seg)
    }
    /// The id of the message's Patient (from PID, also when PID is overridden: write
    /// the Patient with [`Emit::resource_with_id`] and this id so references resolve).
    pub fn patient(&self) -> Option<ResourceId> {
        self.patient
    }
    /// The id of the Encounter (from the first PV1), as for [`SegmentCtx::patient`].
    pub fn encounter(&self) -> Option<ResourceId> {
        self.encounter
    }
}

/// Output of a segment hook: resources for the Bundle, extensions for the Patient or
/// Encounter, report items. The JSON stays well-formed whatever the hook does.
pub struct Emit<'e> {
    pub(super) b: &'e mut BundleBuilder,
    pub(super) report: &'e mut Report,
    pub(super) label: Loc<'e>,
    pub(super) ext_patient: &'e mut String,
    pub(super) ext_encounter: &'e mut String,
    /// The Patient / Encounter are written by overrides (no built-in resource to extend).
    pub(super) patient_overridden: bool,
    pub(super) encounter_overridden: bool,
}

fn valid_type(rtype: &str) -> bool {
    let mut b = rtype.bytes();
    b.next().is_some_and(|c| c.is_ascii_uppercase()) && b.all(|c| c.is_ascii_alphanumeric())
}

impl Emit<'_> {
    /// Adds a resource of type `rtype` whose id is derived from `key` (like the built-in
    /// ids) and whose members `f` writes. Returns the id (also when a resource with that
    /// id already exists: it is not written twice), or `None` when `rtype` is not a
    /// resource type name (`[A-Z][A-Za-z0-9]*`).
    pub fn resource(
        &mut self,
        rtype: &'static str,
        key: &[&str],
        f: impl FnOnce(&mut Obj<'_, '_>),
    ) -> Option<ResourceId> {
        let id = resource_id(rtype, key);
        self.resource_with_id(rtype, id, f).then_some(id)
    }

    /// As [`Emit::resource`] with a given id (e.g. [`SegmentCtx::patient`]). False when
    /// `rtype` is not a resource type name.
    pub fn resource_with_id(
        &mut self,
        rtype: &'static str,
        id: ResourceId,
        f: impl FnOnce(&mut Obj<'_, '_>),
    ) -> bool {
        if !valid_type(rtype) {
            return false;
        }
        if let Some(mut j) = self.b.begin(rtype, id) {
            f(&mut Obj { j: &mut j });
            j.close_all();
            drop(j);
            self.b.end();
        }
        true
    }

    /// Adds an extension `{ "url": url, <members f writes> }` (write one `value[x]`, e.g.
    /// `o.str("valueString", …)`) to the built-in Patient or Encounter. False, and
    /// nothing added, when that resource is not built in (its segment is missing or
    /// overridden): add the extension in the override instead.
    #[must_use]
    pub fn extension(
        &mut self,
        target: ExtensionTarget,
        url: &str,
        f: impl FnOnce(&mut Obj<'_, '_>),
    ) -> bool {
        let (buf, overridden) = match target {
            ExtensionTarget::Patient => (&mut *self.ext_patient, self.patient_overridden),
            ExtensionTarget::Encounter => (&mut *self.ext_encounter, self.encounter_overridden),
        };
        if overridden {
            return false;
        }
        // Items of the resource's `extension` array: comma-separated objects.
        let has_items = !buf.is_empty();
        let mut j = Json::new(buf, has_items);
        j.obj(None);
        j.str(Some("url"), url);
        f(&mut Obj { j: &mut j });
        j.close_all();
        true
    }

    /// Reports field `field` of this segment (`ZPI-3`) as `kind`, e.g. a field an
    /// override did not map.
    pub fn report(&mut self, field: usize, kind: ReportKind) {
        self.report.push(self.label.f(field), kind);
    }
}

/// A JSON object being written (a resource, an element): members by key. Keys are
/// escaped, values are strings, checked numbers, booleans, references or nested
/// objects and arrays written through closures, so the result is always well-formed;
/// empty strings, objects and arrays are left out (FHIR has no empty elements).
pub struct Obj<'w, 'a> {
    pub(super) j: &'w mut Json<'a>,
}

/// A JSON array being written: items.
pub struct Arr<'w, 'a> {
    j: &'w mut Json<'a>,
}

/// Calls `f` with `key` as written between quotes (escaped only when needed).
fn with_key<R>(key: &str, f: impl FnOnce(&str) -> R) -> R {
    if key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        f(key)
    } else {
        let mut q = String::with_capacity(key.len() + 2);
        crate::fhir::escape_into(&mut q, key);
        f(q.get(1..q.len().saturating_sub(1)).unwrap_or(""))
    }
}

impl Obj<'_, '_> {
    /// A string member (trimmed; left out when empty).
    pub fn str(&mut self, key: &str, value: &str) {
        with_key(key, |k| self.j.str(Some(k), value));
    }
    /// A boolean member.
    pub fn bool(&mut self, key: &str, value: bool) {
        with_key(key, |k| {
            self.j.raw(Some(k), if value { "true" } else { "false" })
        });
    }
    /// An integer member.
    pub fn integer(&mut self, key: &str, value: i64) {
        with_key(key, |k| self.j.raw(Some(k), &value.to_string()));
    }
    /// A decimal member from its text (`12.5`, `-0.25`): false, and nothing written,
    /// when the text is not a JSON number.
    pub fn decimal(&mut self, key: &str, value: &str) -> bool {
        match json_number(value) {
            Some(n) => {
                with_key(key, |k| self.j.raw(Some(k), n));
                true
            }
            None => false,
        }
    }
    /// A reference member `{ "reference": "urn:uuid:<id>" }`.
    pub fn reference(&mut self, key: &str, id: &ResourceId) {
        with_key(key, |k| self.j.reference(Some(k), id));
    }
    /// A CodeableConcept member with one coding.
    pub fn concept(&mut self, key: &str, system: &str, code: &str, display: &str) {
        with_key(key, |k| self.j.concept(Some(k), system, code, display));
    }
    /// A nested object member.
    pub fn object(&mut self, key: &str, f: impl FnOnce(&mut Obj<'_, '_>)) {
        with_key(key, |k| self.j.obj(Some(k)));
        let depth = self.j.depth();
        f(&mut Obj { j: &mut *self.j });
        self.j.close_to(depth - 1);
    }
    /// An array member.
    pub fn array(&mut self, key: &str, f: impl FnOnce(&mut Arr<'_, '_>)) {
        with_key(key, |k| self.j.arr(Some(k)));
        let depth = self.j.depth();
        f(&mut Arr { j: &mut *self.j });
        self.j.close_to(depth - 1);
    }
}

impl Arr<'_, '_> {
    /// A string item (trimmed; left out when empty).
    pub fn str(&mut self, value: &str) {
        self.j.str(None, value);
    }
    /// A reference item.
    pub fn reference(&mut self, id: &ResourceId) {
        self.j.reference(None, id);
    }
    /// A CodeableConcept item with one coding.
    pub fn concept(&mut self, system: &str, code: &str, display: &str) {
        self.j.concept(None, system, code, display);
    }
    /// An object item.
    pub fn object(&mut self, f: impl FnOnce(&mut Obj<'_, '_>)) {
        self.j.obj(None);
        let depth = self.j.depth();
        f(&mut Obj { j: &mut *self.j });
        self.j.close_to(depth - 1);
    }
}
