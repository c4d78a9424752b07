//! PL — person location (HL7 v2.5.1 ch. 2A.53).

use super::{datatype, text_accessors, Ei, Hd};

datatype!(
    /// PL — person location: where a patient is (PV1-3 assigned location, PV1-6 prior
    /// location, …).
    ///
    /// PL.4, PL.10 and PL.11 are composites carried as subcomponents.
    ///
    /// | # | Component | Accessor |
    /// |---|-----------|----------|
    /// | 1 | Point of Care (IS), e.g. a nursing unit | [`point_of_care`](Pl::point_of_care) |
    /// | 2 | Room (IS) | [`room`](Pl::room) |
    /// | 3 | Bed (IS) | [`bed`](Pl::bed) |
    /// | 4 | Facility (HD) | [`facility`](Pl::facility) |
    /// | 5 | Location Status (IS) | [`location_status`](Pl::location_status) |
    /// | 6 | Person Location Type (IS, table 0305) | [`person_location_type`](Pl::person_location_type) |
    /// | 7 | Building (IS) | [`building`](Pl::building) |
    /// | 8 | Floor (IS) | [`floor`](Pl::floor) |
    /// | 9 | Location Description (ST) | [`description`](Pl::description) |
    /// | 10 | Comprehensive Location Identifier (EI) | [`comprehensive_location_id`](Pl::comprehensive_location_id) |
    /// | 11 | Assigning Authority for Location (HD) | [`assigning_authority`](Pl::assigning_authority) |
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::{datatypes::Pl, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A\rPV1|1|I|4E^401^B^GOOD HEALTH&1.2.3&ISO^^N^Main^4^East wing")?;
    /// let loc: Pl = msg.get_as(&"PV1-3".parse()?).ok_or("no PV1-3")?;
    /// assert_eq!(loc.point_of_care().as_deref(), Some("4E"));
    /// assert_eq!(loc.room().as_deref(), Some("401"));
    /// assert_eq!(loc.bed().as_deref(), Some("B"));
    /// let facility = loc.facility().ok_or("no PL.4")?;
    /// assert_eq!(facility.namespace_id().as_deref(), Some("GOOD HEALTH"));
    /// assert_eq!(loc.person_location_type().as_deref(), Some("N"));
    /// assert_eq!(loc.building().as_deref(), Some("Main"));
    /// assert_eq!(loc.floor().as_deref(), Some("4"));
    /// assert_eq!(loc.description().as_deref(), Some("East wing"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Pl,
    "PL",
    [
        "point_of_care",
        "room",
        "bed",
        "facility",
        "location_status",
        "person_location_type",
        "building",
        "floor",
        "description",
        "comprehensive_location_id",
        "assigning_authority",
    ]
);

impl<'m> Pl<'m> {
    text_accessors! {
        /// PL.1 point of care (nursing unit, clinic, …).
        point_of_care => 1;
        /// PL.2 room.
        room => 2;
        /// PL.3 bed.
        bed => 3;
        /// PL.5 location status (e.g. occupied, housekeeping).
        location_status => 5;
        /// PL.6 person location type (`N` nursing unit, `C` clinic, `D` department, …;
        /// table 0305).
        person_location_type => 6;
        /// PL.7 building.
        building => 7;
        /// PL.8 floor.
        floor => 8;
        /// PL.9 location description.
        description => 9;
    }

    /// PL.4 facility, an [`Hd`] split on subcomponents.
    pub fn facility(&self) -> Option<Hd<'m>> {
        self.parts.nested(4).map(Hd::from_parts)
    }

    /// PL.10 comprehensive location identifier, an [`Ei`] split on subcomponents.
    pub fn comprehensive_location_id(&self) -> Option<Ei<'m>> {
        self.parts.nested(10).map(Ei::from_parts)
    }

    /// PL.11 assigning authority for location, an [`Hd`] split on subcomponents.
    pub fn assigning_authority(&self) -> Option<Hd<'m>> {
        self.parts.nested(11).map(Hd::from_parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatypes::test_util::*;

    #[test]
    fn spec_example_all_components() {
        let b = with_segment(
            "PV1|1|I|4E^401^B^GOOD HEALTH&1.2.3&ISO^A^N^Main^4^East \\T\\ West^\
             LOC-9&NS&2.3.4&ISO^AUTH&3.4.5&ISO|||3W^^^FAC",
        );
        let msg = parse(&b);
        let pv1 = msg.find(b"PV1", 1).expect("pv1");
        let pl: Pl = pv1.field_as(3).expect("pv1-3");
        assert_eq!(pl.point_of_care().as_deref(), Some("4E"));
        assert_eq!(pl.room().as_deref(), Some("401"));
        assert_eq!(pl.bed().as_deref(), Some("B"));
        let fac = pl.facility().expect("pl.4");
        assert_eq!(fac.namespace_id().as_deref(), Some("GOOD HEALTH"));
        assert_eq!(fac.universal_id().as_deref(), Some("1.2.3"));
        assert_eq!(fac.universal_id_type().as_deref(), Some("ISO"));
        assert_eq!(pl.location_status().as_deref(), Some("A"));
        assert_eq!(pl.person_location_type().as_deref(), Some("N"));
        assert_eq!(pl.building().as_deref(), Some("Main"));
        assert_eq!(pl.floor().as_deref(), Some("4"));
        assert_eq!(pl.description().as_deref(), Some("East & West"));
        let ei = pl.comprehensive_location_id().expect("pl.10");
        assert_eq!(ei.entity_id().as_deref(), Some("LOC-9"));
        assert_eq!(
            ei.assigning_authority()
                .and_then(|h| h.universal_id())
                .as_deref(),
            Some("2.3.4")
        );
        let auth = pl.assigning_authority().expect("pl.11");
        assert_eq!(auth.namespace_id().as_deref(), Some("AUTH"));

        let prior: Pl = pv1.field_as(6).expect("pv1-6");
        assert_eq!(prior.point_of_care().as_deref(), Some("3W"));
        assert_eq!(prior.room(), None);
        assert_eq!(prior.bed(), None);
        assert_eq!(
            prior.facility().and_then(|h| h.namespace_id()).as_deref(),
            Some("FAC")
        );
        assert_eq!(prior.building(), None);
        assert_eq!(
            format!("{prior:?}"),
            "Pl { present: [point_of_care, facility] }"
        );
    }

    #[test]
    fn empty_field_and_absent_field() {
        let b = with_segment("PV1|1|I||||||");
        let msg = parse(&b);
        let pv1 = msg.find(b"PV1", 1).expect("pv1");
        let pl: Pl = pv1.field_as(3).expect("pv1-3 present but empty");
        assert!(pl.is_empty());
        assert_eq!(pl.point_of_care(), None);
        assert!(pl.facility().is_none());
        assert!(pv1.field_as::<Pl>(40).is_none());
    }
}
