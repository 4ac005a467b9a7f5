//! The client constructor: the core's blocking [`Client`] over this transport.

use dingtalk_notify_proto::{Client, ClientBuilder, TokenSource};

use crate::IsahcTransport;

/// The blocking DingTalk client over [`IsahcTransport`].
pub type IsahcClient = Client<IsahcTransport>;

/// A client with default settings (the international host, 30 s deadline per call) over a
/// default [`IsahcTransport`].
///
/// ```
/// use dingtalk_notify_proto::TokenSource;
/// let client = dingtalk_notify_isahc::client(TokenSource::app("dingkey", "app-secret"));
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.io");
/// ```
pub fn client(source: TokenSource) -> IsahcClient {
    Client::new(IsahcTransport::default(), source)
}

impl IsahcTransport {
    /// Builds a client over this transport from a configured [`ClientBuilder`].
    ///
    /// ```
    /// use dingtalk_notify_proto::{Client, TokenSource};
    /// use dingtalk_notify_isahc::IsahcTransport;
    /// let base = "https://oapi.dingtalk.com".parse()?;
    /// let client = IsahcTransport::default()
    ///     .into_client(Client::builder(TokenSource::app("dingkey", "app-secret")).base_url(base));
    /// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.com");
    /// # Ok::<(), dingtalk_notify_proto::BuildError>(())
    /// ```
    pub fn into_client(self, builder: ClientBuilder) -> IsahcClient {
        builder.build(self)
    }
}
