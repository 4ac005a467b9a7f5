//! Inspection of the contact calls: how many reached the simulator, per endpoint, and how
//! many the QPS limit refused.

use super::{MockServer, lock};
use crate::fault::Route;

impl MockServer {
    /// How many calls reached contact endpoint `route` ([`Route::Any`]: all six), whatever
    /// the answer (token errors and 90018 included; calls whose answer an injected fault
    /// replaced never reach it). For tests and benchmarks: "contact calls per department".
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::{MockServer, Route};
    /// let server = MockServer::builder().start()?;
    /// assert_eq!(server.contact_calls(Route::UserListId), 0);
    /// assert_eq!(server.contact_calls(Route::Any), 0);
    /// # Ok(()) }
    /// ```
    pub fn contact_calls(&self, route: Route) -> u64 {
        lock(&self.shared.sim).contact_state().calls(route)
    }

    /// How many calls to contact endpoint `route` ([`Route::Any`]: all six) the per-app
    /// QPS limit refused (90018, ISV 90019).
    pub fn contact_throttled(&self, route: Route) -> u64 {
        lock(&self.shared.sim).contact_state().throttled(route)
    }
}
