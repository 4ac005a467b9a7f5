//! Organisations from outside: the JSON org file ([`Directory::from_json_file`]), a
//! generated organisation of any size ([`Directory::generated`]) and the demo
//! organisation of a few hundred people ([`Directory::demo_org`]).
//!
//! # The org file
//! One JSON object; every field but `userid` and a department's `id` is optional:
//!
//! ```json
//! {
//!   "departments": [
//!     {"id": 1, "name": "Acme"},
//!     {"id": 2, "name": "Engineering", "parent": 1},
//!     {"id": 3, "name": "Platform", "parent": 2}
//!   ],
//!   "users": [
//!     {"userid": "alice", "name": "Alice", "departments": [2, 3],
//!      "mobile": "13800000001", "unionid": "unionAlice", "active": true,
//!      "behaviour": "reads"},
//!     {"userid": "bob", "behaviour": "unread"},
//!     {"userid": "eve", "departments": [3], "active": false}
//!   ],
//!   "accept_any_user": "reads"
//! }
//! ```
//!
//! - `departments`: `id` (a positive integer), `name` (default `Department <id>`), `parent`
//!   (default the root, 1). The root, 1, always exists (list it to name it) and has no
//!   parent. Listed in any order.
//! - `users`: `userid`; `name` (default the user id); `departments` (default `[1]`; a person
//!   may sit in several); `mobile` and `unionid` (for the lookups by mobile and union id);
//!   `active` (default `true`; `false` is someone who never activated their account: a
//!   notification reaches them and stays unread); `behaviour`: `reads` (default), `unread`
//!   or `fails`.
//! - `accept_any_user` (optional): makes every other user id valid with that behaviour, so
//!   a file of your own ids is delivered (see [`Directory::accept_any_user`]).
//!
//! People who left the organisation are simply not listed: the lookups answer 60121 for
//! them and a send lists them as invalid. Unknown fields, a department or user listed
//! twice, a parent or department that does not exist, a cycle of parents, and a mobile or
//! union id given to two people are refused with an [`OrgError`] naming the culprit.

mod demo;
mod file;
mod generate;

pub use file::OrgError;
pub use generate::MAX_GENERATED_PEOPLE;
