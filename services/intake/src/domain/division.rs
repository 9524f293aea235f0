//! Administrative divisions (行政区划): the shared rule of `govhall_contracts::division`.

pub use govhall_contracts::division::{NATIONAL, covers, prefix, valid};
