//! (work in progress: see the crate issue)
#![forbid(unsafe_code)]
