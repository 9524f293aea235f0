//! Pure types of the single window: no I/O here.

pub mod case;
pub mod id_number;
pub mod matters;

pub use case::{CaseState, Channel};
pub use id_number::IdNumber;
