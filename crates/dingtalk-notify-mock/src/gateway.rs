//! How the simulator's answers are shaped: [`ErrorStyle`] (the real gateway's 88-wrapped
//! errors, or every error plain) and [`SuccessStyle`] (successes as captured, or all with
//! `errmsg: "ok"`).

use crate::fault::Route;
use crate::sim::answer::Wrap;
use crate::sim::code;

/// How errors are written.
///
/// The live gateway wraps token and permission errors on `/topapi/...` paths (all five
/// corpconversation calls) as HTTP 200 `errcode: 88` with a string `sub_code`: a rejected
/// token comes back as
/// `{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"…"}`
/// (captured answers, issue 10; `/work/shared/spec/current-reference.md`). Parameter
/// errors stay plain there (`{"errcode":41,"errmsg":"Invalid arguments:to_all_user"}`,
/// captured in 007gzs/dingtalk-sdk#39), and an unknown `/topapi` path is HTTP 200
/// `errcode: 22` with `sub_msg` alone.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use dingtalk_notify_mock::{ErrorStyle, MockServer};
/// let plain = MockServer::builder().error_style(ErrorStyle::Plain).start()?;
/// # drop(plain); Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ErrorStyle {
    /// As the live gateway (the default): on `/topapi` paths a rejected (40014) or expired
    /// (42001) token and a missing permission (60011) are `errcode 88` with that
    /// `sub_code`; an unknown `/topapi` path is HTTP 200 errcode 22 with `sub_msg`; other
    /// errors are plain.
    #[default]
    RealGateway,
    /// Every error under its own `errcode`, and an unknown path HTTP 404 errcode 22 (the
    /// shape of the older reference pages).
    Plain,
}

/// The codes the live gateway wraps as `errcode 88` on `/topapi` paths.
const WRAPPED: [i64; 3] = [
    code::INVALID_ACCESS_TOKEN,
    code::ACCESS_TOKEN_EXPIRED,
    code::NO_PERMISSION,
];

impl ErrorStyle {
    /// How a refusal of `code` on `route` is written.
    pub(crate) fn wrap(self, route: Route, code: i64) -> Wrap {
        match self {
            ErrorStyle::RealGateway if route.is_topapi() && WRAPPED.contains(&code) => Wrap::Code88,
            _ => Wrap::Plain,
        }
    }
}

/// How successes are written.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use dingtalk_notify_mock::{MockServer, SuccessStyle};
/// let full = MockServer::builder().success_style(SuccessStyle::WithErrmsg).start()?;
/// # drop(full); Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SuccessStyle {
    /// As the reference's captured examples (the default): `getsendresult` and
    /// `get_corp_token` answer without `errmsg`, and `getsendresult` leaves out an empty
    /// `forbidden_user_id_list`; the others say `"errmsg":"ok"`.
    #[default]
    AsCaptured,
    /// Every success with `"errmsg":"ok"` and every list of `getsendresult`.
    WithErrmsg,
}

impl SuccessStyle {
    /// Whether a success on `route` carries `errmsg`.
    pub(crate) fn errmsg(self, route: Route) -> bool {
        match self {
            SuccessStyle::AsCaptured => !matches!(route, Route::SendResult | Route::GetCorpToken),
            SuccessStyle::WithErrmsg => true,
        }
    }

    /// Whether `getsendresult` writes an empty `forbidden_user_id_list`.
    pub(crate) fn empty_forbidden_list(self) -> bool {
        self == SuccessStyle::WithErrmsg
    }
}
