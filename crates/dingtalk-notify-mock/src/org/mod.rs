//! Organisations from outside: the JSON org file ([`Directory::from_json_file`]), a
//! generated organisation of any size ([`Directory::generated`]) and the demo
//! organisation of a few hundred people ([`Directory::demo_org`]).
//!
//! The org file's format is in the crate docs (`lib.rs`, "The organisation").

mod demo;
mod file;
mod generate;

pub use file::OrgError;
pub use generate::MAX_GENERATED_PEOPLE;
