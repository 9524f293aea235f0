//! Pure due-time rules of the deadline service. The arithmetic itself lives in
//! `govhall-calendar`; [`clock`] holds what a clock counts, pausing, resuming, extending and
//! the warning ladder.

pub mod clock;
