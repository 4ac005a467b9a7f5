//! Wire helpers: lenient number parsing and query encoding. Private to the crate.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serializer};

/// An integer read leniently: a JSON integer, or a string of digits (`"errcode":"0"`).
pub(crate) struct Lenient<T>(pub(crate) T);

/// Integers we can read leniently.
pub(crate) trait LenientInt: Sized + Copy + fmt::Display {
    const NAME: &'static str;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn parse(s: &str) -> Option<Self>;
}

macro_rules! lenient_int {
    ($t:ty) => {
        impl LenientInt for $t {
            const NAME: &'static str = stringify!($t);
            fn from_i64(v: i64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            fn from_u64(v: u64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                s.parse().ok().or_else(|| {
                    // "7200.0": an integral float below 2^53 is exact.
                    let f: f64 = s.parse().ok()?;
                    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                        #[allow(clippy::cast_possible_truncation)]
                        let i = f as i64;
                        Self::from_i64(i)
                    } else {
                        None
                    }
                })
            }
        }
    };
}
lenient_int!(u64);
lenient_int!(i64);
lenient_int!(u32);

impl<'de, T: LenientInt> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: LenientInt> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let text = precise_number(map)?;
                self.visit_str(&text)
            }
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an integer ({}) or a string of digits", T::NAME)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::from_i64(v)
                    .map(Lenient)
                    .ok_or_else(|| E::custom(format!("{v} is out of range for {}", T::NAME)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::from_u64(v)
                    .map(Lenient)
                    .ok_or_else(|| E::custom(format!("{v} is out of range for {}", T::NAME)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // Only integral floats small enough to be exact (below 2^53) are accepted.
                if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = v as i64;
                    return self.visit_i64(i);
                }
                Err(E::custom(format!("{v} is not an exact integer")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::parse(v)
                    .map(Lenient)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The key serde_json uses for a number when its `arbitrary_precision` feature is on (any
/// crate in a user's tree may turn it on): numbers then arrive as a one-entry map.
const PRECISE_NUMBER_KEY: &str = "$serde_json::private::Number";

/// Reads the text of an `arbitrary_precision` number; any other map is refused.
fn precise_number<'de, A: MapAccess<'de>>(mut map: A) -> Result<String, A::Error> {
    match map.next_key::<String>()? {
        Some(key) if key == PRECISE_NUMBER_KEY => map.next_value::<String>(),
        _ => Err(de::Error::invalid_type(
            de::Unexpected::Map,
            &"a number or a string",
        )),
    }
}

/// `Option<integer>` read leniently; `null`, `""` and absence are `None`.
pub(crate) fn opt_lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: LenientInt,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: LenientInt> Visitor<'de> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an integer ({}), a string of digits, or null", T::NAME)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let text = precise_number(map)?;
            self.visit_str(&text)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            T::from_i64(v)
                .map(Some)
                .ok_or_else(|| E::custom(format!("{v} is out of range for {}", T::NAME)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            T::from_u64(v)
                .map(Some)
                .ok_or_else(|| E::custom(format!("{v} is out of range for {}", T::NAME)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // As for `Lenient`: only exact integral floats (`7200.0`), never a rounding.
            if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
                #[allow(clippy::cast_possible_truncation)]
                let i = v as i64;
                return self.visit_i64(i);
            }
            Err(E::custom(format!("{v} is not an exact integer")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.trim().is_empty() {
                return Ok(None);
            }
            T::parse(v)
                .map(Some)
                .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_option(V(PhantomData))
}

/// An integer read leniently (see [`Lenient`]).
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: LenientInt,
{
    Lenient::<T>::deserialize(d).map(|v| v.0)
}

/// A list of strings: `null` is empty, and numbers are kept as their decimal text.
pub(crate) fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16_384));
            while let Some(LenientString(s)) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// A list of `T`: `null` is empty.
pub(crate) fn list_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A string, or a number kept as its decimal text.
pub(crate) struct LenientString(pub(crate) String);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientString;
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                precise_number(map).map(LenientString)
            }
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LenientString(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// [`LenientString`] borrowed from the input where it can be (a JSON string without
/// escapes), for envelope fields that only an error keeps: a success allocates nothing for
/// them.
pub(crate) struct LenientStr<'a>(pub(crate) Cow<'a, str>);

impl LenientStr<'_> {
    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LenientStr<'a>;
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                precise_number(map).map(|s| LenientStr(Cow::Owned(s)))
            }
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LenientStr(Cow::Owned(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LenientStr(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LenientStr(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An optional string that may arrive as a number.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<LenientString>::deserialize(d)?.map(|s| s.0))
}

/// Serializes any `Display` value as a JSON string (`"duration": "10"`).
pub(crate) fn as_string<S: Serializer, T: fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// What a query component keeps as it is: RFC 3986's unreserved characters (letters,
/// digits, `-`, `.`, `_`, `~`); everything else is percent-encoded.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The length of `value` once [`encode_query_component`] has encoded it.
pub(crate) fn encoded_query_len(value: &str) -> usize {
    utf8_percent_encode(value, QUERY_COMPONENT)
        .map(str::len)
        .sum()
}

/// Percent-encodes a query component: everything but RFC 3986 unreserved characters.
pub(crate) fn encode_query_component(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, QUERY_COMPONENT));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding_keeps_unreserved_and_escapes_the_rest() {
        let mut s = String::new();
        encode_query_component(&mut s, "aZ09-._~ +/=&%中");
        assert_eq!(s, "aZ09-._~%20%2B%2F%3D%26%25%E4%B8%AD");
        assert_eq!(encoded_query_len("aZ09-._~ +/=&%中"), s.len());
    }

    #[test]
    fn numbers_in_serde_json_arbitrary_precision_form_are_read() {
        use serde::de::value::{Error, MapDeserializer};
        let precise = |text: &'static str| {
            MapDeserializer::<_, Error>::new(std::iter::once((PRECISE_NUMBER_KEY, text)))
        };
        assert_eq!(
            Lenient::<u64>::deserialize(precise("18446744073709551615"))
                .unwrap()
                .0,
            u64::MAX
        );
        assert_eq!(Lenient::<i64>::deserialize(precise("-1")).unwrap().0, -1);
        assert_eq!(
            Lenient::<u64>::deserialize(precise("7200.0")).unwrap().0,
            7200
        );
        assert!(Lenient::<u64>::deserialize(precise("1e20")).is_err());
        assert_eq!(LenientString::deserialize(precise("42")).unwrap().0, "42");
        let other = MapDeserializer::<_, Error>::new(std::iter::once(("k", "1")));
        assert!(Lenient::<u64>::deserialize(other).is_err());
    }

    #[test]
    fn lenient_str_borrows_plain_strings_and_owns_the_rest() {
        let v: LenientStr<'_> = serde_json::from_str(r#""ok""#).unwrap();
        assert!(matches!(v.0, Cow::Borrowed("ok")));
        // An escape has to be decoded, so that string is owned, and so are numbers.
        let v: LenientStr<'_> = serde_json::from_str(r#""a\"b""#).unwrap();
        assert!(matches!(&v.0, Cow::Owned(s) if s == "a\"b"));
        let v: LenientStr<'_> = serde_json::from_str("-42").unwrap();
        assert_eq!(v.into_string(), "-42");
        let v: LenientStr<'_> = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(v.into_string(), "18446744073709551615");
        assert!(serde_json::from_str::<LenientStr<'_>>("[1]").is_err());
    }

    #[test]
    fn lenient_integers() {
        let v: Lenient<i64> = serde_json::from_str("\"-1\"").unwrap();
        assert_eq!(v.0, -1);
        let v: Lenient<u64> = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(v.0, u64::MAX);
        let v: Lenient<u64> = serde_json::from_str("\"18446744073709551615\"").unwrap();
        assert_eq!(v.0, u64::MAX);
        assert!(serde_json::from_str::<Lenient<u64>>("-1").is_err());
        assert!(serde_json::from_str::<Lenient<u64>>("1.5").is_err());
        assert!(serde_json::from_str::<Lenient<u64>>("\"x\"").is_err());
        // A float beyond 2^53 cannot be exact and is refused rather than rounded.
        assert!(serde_json::from_str::<Lenient<u64>>("1e300").is_err());
    }
}
