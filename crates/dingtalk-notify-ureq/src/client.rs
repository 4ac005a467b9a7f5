//! The client constructor: the core's blocking [`Client`] over this transport.

use dingtalk_notify_proto::{Client, ClientBuilder, TokenSource};

use crate::UreqTransport;

/// The blocking DingTalk client over [`UreqTransport`].
pub type UreqClient = Client<UreqTransport>;

/// A client with default settings (the international host, 30 s deadline per call) over a
/// default [`UreqTransport`].
///
/// ```
/// use dingtalk_notify_proto::TokenSource;
/// let client = dingtalk_notify_ureq::client(TokenSource::app("dingkey", "app-secret"));
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.io");
/// ```
pub fn client(source: TokenSource) -> UreqClient {
    Client::new(UreqTransport::default(), source)
}

impl UreqTransport {
    /// Builds a client over this transport from a configured [`ClientBuilder`].
    ///
    /// ```
    /// use dingtalk_notify_proto::{Client, TokenSource};
    /// use dingtalk_notify_ureq::UreqTransport;
    /// let base = "https://oapi.dingtalk.com".parse()?;
    /// let client = UreqTransport::default()
    ///     .into_client(Client::builder(TokenSource::app("dingkey", "app-secret")).base_url(base));
    /// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.com");
    /// # Ok::<(), dingtalk_notify_proto::BuildError>(())
    /// ```
    pub fn into_client(self, builder: ClientBuilder) -> UreqClient {
        builder.build(self)
    }
}
