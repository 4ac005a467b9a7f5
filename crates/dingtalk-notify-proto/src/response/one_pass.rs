//! A success read in one pass: the payload's own decoder walks the object, and the envelope's
//! keys are checked on the way, with the envelope's own types.
//!
//! Every key and value reaches the payload's decoder exactly as in a plain
//! `serde_json::from_slice::<R>`; an envelope key's value is also parsed as the envelope
//! parses it. Anything unusual (not an object, a duplicate envelope key, an envelope field
//! the envelope refuses, `errcode` other than 0, a payload the decoder refuses) makes this
//! answer `None`, and the caller judges the bytes the long way, which names the error.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::MaybeTop;
use crate::wire::{LenientStr, opt_lenient};

/// The envelope's keys, in the order of [`super::Envelope`]'s fields.
const ENVELOPE_KEYS: [&str; 10] = [
    "errcode",
    "errmsg",
    "request_id",
    "requestId",
    "sub_code",
    "sub_msg",
    "status",
    "wait",
    "punish",
    "error_response",
];
const ERRCODE: usize = 0;
const STATUS: usize = 6;
const WAIT: usize = 7;
const ERROR_RESPONSE: usize = 9;

/// `R` from a success answer (`errcode` 0) in one pass, or `None` when the answer needs the
/// long way (an error, or anything the long way would refuse or read differently).
pub(super) fn decode_success<R: de::DeserializeOwned>(bytes: &[u8]) -> Option<R> {
    let mut tap = Tap::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = de
        .deserialize_map(Outer {
            tap: &mut tap,
            payload: PhantomData::<R>,
        })
        .ok()?;
    de.end().ok()?;
    (tap.errcode == Some(0)).then_some(value)
}

/// What the envelope's keys said so far.
#[derive(Default)]
struct Tap {
    /// One bit per [`ENVELOPE_KEYS`] entry seen: the envelope refuses a duplicate.
    seen: u16,
    errcode: Option<i64>,
}

impl Tap {
    /// Parses the value of envelope key `index` with the envelope's type for it.
    fn check(&mut self, index: usize, raw: &str) -> Result<(), serde_json::Error> {
        let bit = 1u16 << index;
        if self.seen & bit != 0 {
            return Err(de::Error::custom("duplicate envelope field"));
        }
        self.seen |= bit;
        // The usual literals first, read as the envelope's types read them: an integer
        // `errcode` (JSON has no `+5` or `05`), and a string or `null` for the string fields.
        match index {
            ERRCODE => {
                if let Ok(code) = raw.parse::<i64>() {
                    self.errcode = Some(code);
                    return Ok(());
                }
            }
            STATUS | WAIT | ERROR_RESPONSE => {}
            _ if raw.starts_with('"') || raw == "null" => return Ok(()),
            _ => {}
        }
        let mut de = serde_json::Deserializer::from_str(raw);
        match index {
            ERRCODE => self.errcode = opt_lenient::<_, i64>(&mut de)?,
            STATUS => {
                opt_lenient::<_, i64>(&mut de)?;
            }
            WAIT => {
                opt_lenient::<_, u64>(&mut de)?;
            }
            ERROR_RESPONSE => {
                Option::<MaybeTop<'_>>::deserialize(&mut de)?;
            }
            _ => {
                Option::<LenientStr<'_>>::deserialize(&mut de)?;
            }
        }
        Ok(())
    }
}

/// The top-level object, handed to `R` through [`TapDeserializer`].
struct Outer<'t, R> {
    tap: &'t mut Tap,
    payload: PhantomData<R>,
}

impl<'de, R: Deserialize<'de>> Visitor<'de> for Outer<'_, R> {
    type Value = R;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<R, A::Error> {
        R::deserialize(TapDeserializer { map, tap: self.tap })
    }
}

/// The object as `R` sees it: a map, whatever `R` asks for.
struct TapDeserializer<'t, A> {
    map: A,
    tap: &'t mut Tap,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for TapDeserializer<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(TapMap {
            map: self.map,
            tap: self.tap,
            pending: None,
        })
    }

    // As serde_json does for an object.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The object's entries, each passed on to `R`; an envelope key's value is checked too.
struct TapMap<'t, A> {
    map: A,
    tap: &'t mut Tap,
    /// The envelope key whose value comes next, if it is one.
    pending: Option<usize>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TapMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key_seed(KeySeed)? else {
            return Ok(None);
        };
        match key {
            Key::Borrowed(name) => {
                self.pending = ENVELOPE_KEYS.iter().position(|k| *k == name);
                seed.deserialize(BorrowedStrDeserializer::new(name))
                    .map(Some)
            }
            Key::Owned(name) => {
                self.pending = ENVELOPE_KEYS.iter().position(|k| *k == name);
                seed.deserialize(StringDeserializer::new(name)).map(Some)
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let Some(index) = self.pending.take() else {
            return self.map.next_value_seed(seed);
        };
        let raw: &'de RawValue = self.map.next_value()?;
        self.tap
            .check(index, raw.get())
            .map_err(de::Error::custom)?;
        seed.deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
            .map_err(de::Error::custom)
    }
}

/// A key, borrowed from the body unless it had escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{GetSendProgressResponse, GetSendResultResponse, UpdateStatusBarResponse};

    #[test]
    fn a_success_is_read_in_one_pass_and_the_payload_sees_every_key() {
        let body = br#"{"errcode":"0","errmsg":"ok","request_id":"r1","progress":{"progress_in_percent":"40","status":1}}"#;
        let parsed = decode_success::<GetSendProgressResponse>(body).expect("a success");
        assert_eq!(parsed.request_id.as_deref(), Some("r1"));
        assert_eq!(parsed.progress.progress_in_percent, 40);
        // The payload is what a plain decode of the same bytes gives.
        let plain: GetSendProgressResponse = serde_json::from_slice(body).unwrap();
        assert_eq!(parsed, plain);
        // `request_id` as a number and escaped keys are still recognised.
        let body = br#"{"err\u0063ode":0,"request_id":12}"#;
        let parsed = decode_success::<UpdateStatusBarResponse>(body).expect("a success");
        assert_eq!(parsed.request_id.as_deref(), Some("12"));
    }

    #[test]
    fn anything_but_a_plain_success_takes_the_long_way() {
        let none = |body: &[u8]| decode_success::<GetSendResultResponse>(body).is_none();
        assert!(!none(br#"{"errcode":0}"#));
        assert!(none(br#"{"errcode":88,"sub_code":"60011"}"#), "an error");
        assert!(none(br#"{"errmsg":"ok"}"#), "no errcode");
        assert!(
            none(br#"{"errcode":0,"errcode":1}"#),
            "a duplicate envelope key"
        );
        assert!(
            none(br#"{"errcode":0,"errmsg":{"a":1}}"#),
            "errmsg the envelope refuses"
        );
        assert!(
            none(br#"{"errcode":0,"status":[1]}"#),
            "status the envelope refuses"
        );
        assert!(
            none(br#"{"errcode":0,"wait":-1}"#),
            "wait the envelope refuses"
        );
        assert!(
            none(br#"{"errcode":0,"send_result":7}"#),
            "a payload the decoder refuses"
        );
        assert!(none(br#"[0,"ok"]"#), "not an object");
        assert!(none(br#"{"errcode":0} x"#), "trailing bytes");
        assert!(none(br#"{"errcode":0"#), "truncated");
        // Fields the envelope reads but never keeps on a success are fine when well-typed.
        assert!(!none(
            br#"{"errcode":0,"status":"1","wait":null,"error_response":{"x":1},"requestId":"r"}"#
        ));
    }
}
