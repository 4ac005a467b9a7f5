//! [`ResolvedAudience`]: the people a finished resolution found, each once, with the
//! departments they were found in; the people left out as inactive; the inputs that failed.

use super::outcome::{ResolveError, Unresolved};
use super::people::{NO_DEPT, People};
use super::plan::Resolution;
use crate::ids::DeptId;

/// The result of a finished [`Resolution`].
#[derive(Debug, Clone)]
pub struct ResolvedAudience {
    depts: Vec<DeptId>,
    people: People,
    /// (person, department) pairs beyond each person's first, sorted by person.
    extra: Vec<(u32, u32)>,
    unresolved: Vec<Unresolved>,
    exclude_inactive: bool,
    calls: u64,
}

/// One person of a [`ResolvedAudience`].
#[derive(Debug, Clone, Copy)]
pub struct ResolvedPerson<'a> {
    audience: &'a ResolvedAudience,
    index: usize,
    userid: &'a str,
    home: u32,
}

impl<'a> ResolvedPerson<'a> {
    /// The user id.
    pub fn userid(&self) -> &'a str {
        self.userid
    }

    /// The departments the person was found in, first found first; none when found only
    /// by mobile number or union id.
    pub fn departments(&self) -> impl Iterator<Item = DeptId> + 'a {
        let audience = self.audience;
        let index = u32::try_from(self.index).unwrap_or(u32::MAX);
        let start = audience.extra.partition_point(|(p, _)| *p < index);
        let extra = audience
            .extra
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |(p, _)| *p == index)
            .map(|(_, d)| *d);
        std::iter::once(self.home)
            .chain(extra)
            .filter(|d| *d != NO_DEPT)
            .filter_map(move |d| audience.depts.get(d as usize).copied())
    }
}

impl ResolvedAudience {
    /// The people to send to: everyone found, each once, in the order found (without the
    /// inactive when they were left out).
    pub fn recipients(&self) -> impl Iterator<Item = ResolvedPerson<'_>> {
        self.all()
            .filter(|(_, inactive)| !(self.exclude_inactive && *inactive))
            .map(|(p, _)| p)
    }

    /// The people left out because they never activated their account (empty unless
    /// [`exclude_inactive`](super::ResolveConfig::exclude_inactive) was set).
    pub fn inactive(&self) -> impl Iterator<Item = ResolvedPerson<'_>> {
        self.all()
            .filter(|(_, inactive)| self.exclude_inactive && *inactive)
            .map(|(p, _)| p)
    }

    /// The user ids of [`recipients`](Self::recipients).
    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        self.recipients().map(|p| p.userid)
    }

    /// How many recipients.
    pub fn recipient_count(&self) -> usize {
        self.recipients().count()
    }

    /// The inputs that resolved to nobody, and why.
    pub fn unresolved(&self) -> &[Unresolved] {
        &self.unresolved
    }

    /// Every department walked, in breadth-first order.
    pub fn departments(&self) -> &[DeptId] {
        &self.depts
    }

    /// The contact calls the resolution asked for.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    fn all(&self) -> impl Iterator<Item = (ResolvedPerson<'_>, bool)> {
        (0..self.people.len()).filter_map(move |index| {
            let (userid, home, inactive) = self.people.get(index)?;
            Some((
                ResolvedPerson {
                    audience: self,
                    index,
                    userid,
                    home,
                },
                inactive,
            ))
        })
    }
}

impl Resolution {
    /// The result, once [`next`](Self::next) says done.
    ///
    /// # Errors
    /// The [`ResolveError`] that ended the resolution early, or
    /// [`ResolveError::Malformed`] when work is left (the resolution is not done).
    pub fn into_audience(self) -> Result<ResolvedAudience, ResolveError> {
        if let Some(halt) = &self.halt {
            return Err(halt.error(self.calls));
        }
        if let Some(call) = self.current_call() {
            return Err(ResolveError::Malformed {
                path: call.path(),
                reason: "the resolution is not done: this call is still to be made".to_owned(),
            });
        }
        let extra = self.people.sorted_extra();
        let mut people = self.people;
        people.freeze();
        Ok(ResolvedAudience {
            depts: self.depts,
            people,
            extra,
            unresolved: self.unresolved,
            exclude_inactive: self.config.exclude_inactive,
            calls: self.calls,
        })
    }
}
