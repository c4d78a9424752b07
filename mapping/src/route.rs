//! Routing helpers: match messages and fan out to named destinations.
