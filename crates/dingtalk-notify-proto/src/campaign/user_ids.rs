//! [`UserIds`]: a list of user ids kept back to back in one string.

use std::collections::HashSet;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A list of user ids, in order: their text back to back in one string and where each
/// ends, about 4 bytes an id beside its text. A `Vec<String>` takes about 56 (a 24-byte
/// `String` and an allocation of its own): five million 11-character ids fit in 75 MB
/// instead of 280.
///
/// It reads like a list of `&str` ([`iter`](Self::iter), [`get`](Self::get), `==` with
/// arrays and vectors of strings, `Debug` as a list) and is serialised as a JSON array of
/// strings, exactly as a `Vec<String>` is.
///
/// ```
/// use dingtalk_notify_proto::campaign::UserIds;
/// let mut ids: UserIds = ["ann", "bob"].into_iter().collect();
/// ids.push("ann");
/// assert_eq!((ids.len(), ids.get(1), ids.get(3)), (3, Some("bob"), None));
/// assert_eq!(ids.remove_duplicates(), 1); // the first "ann" keeps its place
/// assert_eq!(ids, ["ann", "bob"]);
/// assert_eq!(format!("{ids:?}"), r#"["ann", "bob"]"#);
/// let json = serde_json::to_string(&ids)?;
/// assert_eq!(json, r#"["ann","bob"]"#);
/// assert_eq!(serde_json::from_str::<UserIds>(&json)?, ids);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct UserIds {
    /// The ids back to back.
    text: String,
    /// Where each id ends in `text`, its low 32 bits; an id starts where the one before it
    /// ends (the first at 0).
    ends: Vec<u32>,
    /// Past 4 GiB of text: for each further 4 GiB, the first id that ends in it (empty for
    /// any list of less, so for any real one).
    highs: Vec<usize>,
}

impl UserIds {
    /// No ids.
    pub const fn new() -> Self {
        Self {
            text: String::new(),
            ends: Vec::new(),
            highs: Vec::new(),
        }
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id at `index`, or `None` past the last.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.text.get(self.range(index)?)
    }

    /// The ids, in order.
    pub fn iter(&self) -> UserIdsIter<'_> {
        UserIdsIter {
            ids: self,
            front: 0,
            back: self.len(),
        }
    }

    /// Adds `id` at the end.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.record_end(self.text.len());
    }

    /// Removes later occurrences of equal ids, the first keeping its place; returns how
    /// many went. Costs 4 bytes an id while it runs (the ids' places, sorted by id), no
    /// copy of any id.
    pub fn remove_duplicates(&mut self) -> usize {
        let count = self.len();
        let mut later = vec![0u64; count.div_ceil(64)];
        let mut mark = |place: usize| {
            if let Some(word) = later.get_mut(place / 64) {
                *word |= 1 << (place % 64);
            }
        };
        if let Ok(places) = u32::try_from(count) {
            let mut order: Vec<u32> = (0..places).collect();
            // Equal ids in the order of their places: the first of each comes first.
            order.sort_unstable_by(|&a, &b| self.id(a).cmp(self.id(b)).then(a.cmp(&b)));
            for pair in order.windows(2) {
                if let [a, b] = *pair {
                    if self.id(a) == self.id(b) {
                        mark(b as usize);
                    }
                }
            }
        } else {
            let mut seen = HashSet::new();
            for (place, id) in self.iter().enumerate() {
                if !seen.insert(id) {
                    mark(place);
                }
            }
        }
        let removed: usize = later.iter().map(|w| w.count_ones() as usize).sum();
        if removed > 0 {
            self.rewrite(|place, id| {
                let word = later.get(place / 64).copied().unwrap_or(0);
                (word & (1 << (place % 64)) == 0).then_some(0..id.len())
            });
        }
        removed
    }

    /// Splits the list in two at `at`: returns the ids from `at` on (none when `at` is past
    /// the last), which this list no longer holds. The returned list holds no spare room.
    pub fn split_off(&mut self, at: usize) -> Self {
        let at = at.min(self.len());
        let start = self.start(at);
        let mut tail = Self {
            text: self.text.split_off(start),
            ends: Vec::with_capacity(self.len() - at),
            highs: Vec::new(),
        };
        for place in at..self.len() {
            tail.record_end(self.end(place).saturating_sub(start));
        }
        self.ends.truncate(at);
        self.highs.retain(|&first| first < at);
        tail
    }

    /// Gives spare room back to the allocator.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Trims the spaces around every id, in place.
    pub(crate) fn trim_each(&mut self) {
        if self.iter().all(|id| id.trim().len() == id.len()) {
            return;
        }
        self.rewrite(|_, id| {
            let lead = id.len() - id.trim_start().len();
            Some(lead..lead + id.trim().len())
        });
    }

    /// Records the end of the next id: `end` bytes into the text.
    fn record_end(&mut self, end: usize) {
        let place = self.ends.len();
        self.ends.push(0);
        set_end(&mut self.ends, &mut self.highs, place, end);
    }

    /// Where id `place` ends in the text (the text's end past the last).
    fn end(&self, place: usize) -> usize {
        end_of(&self.ends, &self.highs, place).unwrap_or(self.text.len())
    }

    /// Where id `place` starts (the text's end past the last).
    fn start(&self, place: usize) -> usize {
        place.checked_sub(1).map_or(0, |before| self.end(before))
    }

    /// The bytes of id `place` in the text.
    fn range(&self, place: usize) -> Option<Range<usize>> {
        (place < self.len()).then(|| self.start(place)..self.end(place))
    }

    /// The id at a place known to exist.
    fn id(&self, place: u32) -> &str {
        self.get(place as usize).unwrap_or_default()
    }

    /// Keeps of each id the part `keep` gives (bytes within the id, on character
    /// boundaries), or drops it for `None`: in place, moving the text and the ends down.
    fn rewrite(&mut self, mut keep: impl FnMut(usize, &str) -> Option<Range<usize>>) {
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        let highs = std::mem::take(&mut self.highs);
        let (mut start, mut written, mut kept) = (0usize, 0usize, 0usize);
        for place in 0..self.ends.len() {
            // Read before it is written: `kept` never passes `place`.
            let end = end_of(&self.ends, &highs, place).unwrap_or(start);
            let part = bytes
                .get(start..end)
                .and_then(|id| std::str::from_utf8(id).ok())
                .and_then(|id| keep(place, id).filter(|p| p.start <= p.end && p.end <= id.len()));
            if let Some(part) = part {
                bytes.copy_within(start + part.start..start + part.end, written);
                written += part.end - part.start;
                set_end(&mut self.ends, &mut self.highs, kept, written);
                kept += 1;
            }
            start = end;
        }
        bytes.truncate(written);
        self.ends.truncate(kept);
        // Whole ids, cut on character boundaries: still UTF-8.
        self.text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }
}

/// Where id `place` ends: the low 32 bits in `ends`, one more 4 GiB for each of `highs` at or
/// before it.
fn end_of(ends: &[u32], highs: &[usize], place: usize) -> Option<usize> {
    let low = *ends.get(place)?;
    let block = highs.partition_point(|&first| first <= place) as u64;
    usize::try_from(block << 32 | u64::from(low)).ok()
}

/// Sets the end of id `place` (whose ids before it are set) to `end`.
fn set_end(ends: &mut [u32], highs: &mut Vec<usize>, place: usize, end: usize) {
    let end = end as u64; // usize is at most 64 bits
    let block = usize::try_from(end >> 32).unwrap_or(usize::MAX);
    while highs.len() < block {
        highs.push(place);
    }
    if let Some(slot) = ends.get_mut(place) {
        *slot = (end & u64::from(u32::MAX)) as u32;
    }
}

impl fmt::Debug for UserIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<S: AsRef<str>> FromIterator<S> for UserIds {
    fn from_iter<I: IntoIterator<Item = S>>(ids: I) -> Self {
        let mut list = Self::new();
        list.extend(ids);
        list
    }
}

impl<S: AsRef<str>> Extend<S> for UserIds {
    fn extend<I: IntoIterator<Item = S>>(&mut self, ids: I) {
        let ids = ids.into_iter();
        self.ends.reserve(ids.size_hint().0);
        for id in ids {
            self.push(id.as_ref());
        }
    }
}

impl<'a> IntoIterator for &'a UserIds {
    type Item = &'a str;
    type IntoIter = UserIdsIter<'a>;

    fn into_iter(self) -> UserIdsIter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for UserIds {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for UserIds {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for &UserIds {
    fn eq(&self, other: &[S; N]) -> bool {
        **self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for UserIds {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl Serialize for UserIds {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for UserIds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ListVisitor)
    }
}

/// Reads a sequence of strings into a [`UserIds`], each straight into its text.
struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = UserIds;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of user id strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UserIds, A::Error> {
        let mut ids = UserIds::new();
        // A hint from the input: trusted up to a chunk's size only.
        ids.ends.reserve(seq.size_hint().unwrap_or(0).min(4_096));
        while seq.next_element_seed(Push(&mut ids))?.is_some() {}
        // Grown by doubling: a ledger's campaign of millions would keep up to twice its ids.
        ids.shrink_to_fit();
        Ok(ids)
    }
}

/// Appends one id of a sequence to the list it holds.
struct Push<'a>(&'a mut UserIds);

impl<'de> DeserializeSeed<'de> for Push<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Push<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a user id string")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<(), E> {
        self.0.push(id);
        Ok(())
    }
}

/// The ids of a [`UserIds`], in order, as `&str` (from [`UserIds::iter`]).
#[derive(Debug, Clone)]
pub struct UserIdsIter<'a> {
    ids: &'a UserIds,
    front: usize,
    back: usize,
}

impl<'a> Iterator for UserIdsIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.ids.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back.saturating_sub(self.front);
        (left, Some(left))
    }
}

impl DoubleEndedIterator for UserIdsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.ids.get(self.back)
    }
}

impl ExactSizeIterator for UserIdsIter<'_> {}

impl FusedIterator for UserIdsIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i:010}")).collect()
    }

    /// The structure that keeps a big list small: two allocations whatever the number of
    /// ids, holding the text and 4 bytes an id (a `Vec<String>` holds one allocation an id
    /// and 24 bytes beside each).
    #[test]
    fn a_list_is_its_text_and_4_bytes_an_id() {
        let given = ids(10_000);
        let text: usize = given.iter().map(String::len).sum();
        let mut list: UserIds = given.iter().collect();
        list.shrink_to_fit();
        assert_eq!(list.len(), 10_000);
        assert_eq!(list.text.capacity(), text);
        assert_eq!(
            list.ends.capacity() * std::mem::size_of_val(&list.ends[0]),
            4 * 10_000
        );
        assert_eq!(list, given);
    }

    #[test]
    fn reads_like_a_list_of_str() {
        let list: UserIds = ["a", "", "bé", "c"].into_iter().collect();
        assert_eq!(list.iter().rev().collect::<Vec<_>>(), ["c", "bé", "", "a"]);
        assert_eq!(list.iter().len(), 4);
        assert_eq!((list.get(2), list.get(4)), (Some("bé"), None));
        assert_eq!(list, vec!["a", "", "bé", "c"]);
        assert_ne!(list, ["a", "", "bé"]);
        assert_ne!(list, ["a", "", "b", "éc"]);
        assert!(UserIds::new().is_empty() && UserIds::default() == UserIds::new());
        let mut iter = list.iter();
        assert_eq!((iter.next(), iter.next_back()), (Some("a"), Some("c")));
        assert_eq!(iter.collect::<Vec<_>>(), ["", "bé"]);
    }

    #[test]
    fn duplicates_go_the_first_keeping_its_place() {
        let mut list: UserIds = ["b", "a", "b", "c", "a", "b", "", ""].into_iter().collect();
        assert_eq!(list.remove_duplicates(), 4);
        assert_eq!(list, ["b", "a", "c", ""]);
        assert_eq!(list.remove_duplicates(), 0);
        let mut big: UserIds = ids(300).iter().chain(&ids(200)).collect();
        assert_eq!(big.remove_duplicates(), 200);
        assert_eq!(big, ids(300));
    }

    #[test]
    fn split_off_moves_the_tail() {
        let mut list: UserIds = ["ann", "bob", "cy"].into_iter().collect();
        let tail = list.split_off(1);
        assert_eq!(
            (&list, &tail),
            (
                &UserIds::from_iter(["ann"]),
                &UserIds::from_iter(["bob", "cy"])
            )
        );
        assert_eq!(tail.text.capacity(), 5);
        assert!(list.split_off(9).is_empty());
        assert_eq!(list.split_off(0), ["ann"]);
        assert!(list.is_empty());
    }

    #[test]
    fn trim_each_trims_in_place() {
        let mut list: UserIds = [" a", "b ", "\tc\u{3000}", "d"].into_iter().collect();
        list.trim_each();
        assert_eq!(list, ["a", "b", "c", "d"]);
    }

    /// Past 4 GiB of text (not built here: the ends alone), an end's high bits come from
    /// `highs`.
    #[test]
    fn ends_past_4_gib_count_their_blocks() {
        const GIB_4: usize = 1 << 32;
        let (mut ends, mut highs) = (vec![0; 4], Vec::new());
        for (place, end) in [
            (0, 7),
            (1, GIB_4 + 2),
            (2, 3 * GIB_4 + 1),
            (3, 3 * GIB_4 + 9),
        ] {
            set_end(&mut ends, &mut highs, place, end);
        }
        assert_eq!(highs, [1, 2, 2]);
        let got: Vec<_> = (0..5).map(|p| end_of(&ends, &highs, p)).collect();
        let want = [7, GIB_4 + 2, 3 * GIB_4 + 1, 3 * GIB_4 + 9].map(Some);
        assert_eq!(got[..4], want);
        assert_eq!(got[4], None);
    }

    #[test]
    fn serialised_as_a_vec_of_strings_is() {
        let given = vec!["ann".to_owned(), "b\"ob".to_owned(), "张三".to_owned()];
        let list: UserIds = given.iter().collect();
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, serde_json::to_string(&given).unwrap());
        let back: UserIds = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
        assert_eq!(back.text.capacity(), back.text.len(), "no spare room kept");
        assert_eq!(back.ends.capacity(), 3);
        let escaped: UserIds = serde_json::from_str(r#"["\u5f20", "x"]"#).unwrap();
        assert_eq!(escaped, ["张", "x"]);
        assert!(serde_json::from_str::<UserIds>(r#"["a", 1]"#).is_err());
        assert!(serde_json::from_str::<UserIds>(r#""a""#).is_err());
    }
}
