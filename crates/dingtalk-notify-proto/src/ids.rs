//! Identifiers: 64-bit everywhere, exact on the wire.
//!
//! Task ids already exceed 32 bits, and a JSON float cannot hold every 64-bit integer, so ids
//! are written as JSON integers and read from JSON integers or from strings of digits (some
//! gateways quote numbers).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            /// The raw integer.
            pub const fn get(self) -> $inner {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::wire::Lenient::<$inner>::deserialize(d).map(|v| Self(v.0))
            }
        }
    };
}

id_type!(
    /// The `agent_id` of the micro app that sends the notification.
    AgentId(u64)
);
id_type!(
    /// The `task_id` DingTalk returns for a send (`msg_task_id` in recall).
    TaskId(u64)
);
id_type!(
    /// A department id, as in `dept_id_list` and `invalid_dept_id_list`.
    DeptId(u64)
);
