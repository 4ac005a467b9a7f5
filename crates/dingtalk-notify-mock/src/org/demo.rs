//! [`Directory::demo_org`]: the demo organisation, a few hundred people in three levels.

use crate::directory::{Directory, Person, UserBehaviour};

/// A department: id and name.
type Named = (u64, &'static str);

/// The second and third levels: `(id, name, [(id, name)])`.
const TREE: [(u64, &str, [Named; 3]); 3] = [
    (
        100,
        "Engineering",
        [(110, "Platform"), (120, "Mobile"), (130, "Data")],
    ),
    (
        200,
        "Sales",
        [(210, "North"), (220, "South"), (230, "Key Accounts")],
    ),
    (
        300,
        "Operations",
        [(310, "Support"), (320, "Finance"), (330, "People")],
    ),
];
/// Staff per third-level department.
const TEAM: u64 = 30;

impl Directory {
    /// The demo organisation of `mock-server`: the six users of [`Directory::demo`], in the
    /// same departments with the same behaviour, mobile and union id, and 279 staff around
    /// them, 285 people in a three-level tree:
    ///
    /// ```text
    /// 1 Demo Corp
    /// ├── 100 Engineering: 110 Platform, 120 Mobile, 130 Data
    /// ├── 200 Sales: 210 North, 220 South, 230 Key Accounts
    /// └── 300 Operations: 310 Support, 320 Finance, 330 People
    /// ```
    ///
    /// Staff member `n` (1 to 279) is `staff{n:03}` ("Staff 001"), mobile `13900000000 + n`,
    /// union id `union-staff{n:03}`. Thirty sit in each third-level department (`staff001`
    /// to `staff030` in 110, the next thirty in 120, and so on to 330), and nine lead a
    /// second-level one (`staff271` to `staff279`, three each in 100, 200 and 300). Every
    /// tenth (`staff010`, `staff020`, …) also sits in the next team of the same branch (110's
    /// in 120, 130's in 110); every 25th never activated their account; every 7th leaves
    /// notifications unread and every 40th fails; the rest read.
    ///
    /// ```
    /// use dingtalk_notify_mock::Directory;
    ///
    /// let org = Directory::demo_org();
    /// assert_eq!(org.len(), 285);
    /// assert_eq!(org.sub_departments(1), Some(vec![100, 200, 300]));
    /// assert_eq!(org.sub_departments(100), Some(vec![110, 120, 130]));
    /// assert_eq!(org.department_name(230), Some("Key Accounts"));
    /// assert_eq!(org.person("staff010").unwrap().dept_ids(), [110, 120]);
    /// assert_eq!(org.reach(1).unwrap().len(), 285);
    /// ```
    pub fn demo_org() -> Directory {
        let mut dir = Directory::demo();
        for (mid, mid_name, teams) in TREE {
            dir = dir.with_department_named(mid, mid_name, 1);
            for (team, name) in teams {
                dir = dir.with_department_named(team, name, mid);
            }
        }
        let mut n: u64 = 0;
        for (_, _, teams) in TREE {
            for (t, (team, _)) in teams.iter().enumerate() {
                let next = teams[(t + 1) % teams.len()].0;
                for _ in 0..TEAM {
                    n += 1;
                    let mut p = staff(n).department(*team);
                    if n % 10 == 0 {
                        p = p.department(next);
                    }
                    dir = dir.with_person(p);
                }
            }
        }
        for (mid, _, _) in TREE {
            for _ in 0..3 {
                n += 1;
                dir = dir.with_person(staff(n).department(mid));
            }
        }
        dir
    }
}

/// Staff member `n` with their documented attributes, in no department yet.
fn staff(n: u64) -> Person {
    let id = format!("staff{n:03}");
    let behaviour = if n % 7 == 0 {
        UserBehaviour::LeavesUnread
    } else if n % 40 == 0 {
        UserBehaviour::Fails
    } else {
        UserBehaviour::Reads
    };
    Person::new(id.clone())
        .name(format!("Staff {n:03}"))
        .mobile((13_900_000_000 + n).to_string())
        .unionid(format!("union-{id}"))
        .active(n % 25 != 0)
        .behaviour(behaviour)
}
