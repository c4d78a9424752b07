//! The FHIR R4 JSON output model and the mapping report.
