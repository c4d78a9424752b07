//! HL7 v2 → FHIR R4 (HL7 v2-to-FHIR implementation guide).
