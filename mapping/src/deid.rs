//! De-identification of HL7 v2 messages.
