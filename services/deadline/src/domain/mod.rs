//! Pure due-time rules of the deadline service. The arithmetic itself lives in
//! `govhall-calendar`; [`clock`] holds what a clock counts, pausing, resuming, extending and
//! the warning ladder; [`division`] which divisions lie below which.

pub mod clock;
pub mod division;
