//! Rules of joint handling that need no database.

pub mod division;
