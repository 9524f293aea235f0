//! Pure types of the single window: no I/O here.

pub mod case;
pub mod case_number;
pub mod catalog;
pub mod codes;
pub mod credit_code;
pub mod division;
pub mod id_number;
pub mod seed;

pub use case::{CaseState, Channel};
pub use id_number::IdNumber;
