//! 64 threads sending at once over keep-alive connections: no lost or duplicated send.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use dingtalk_notify_mock::{DEMO_AGENT_ID, Directory, MockServer, UserBehaviour};
use serde_json::json;

const THREADS: usize = 64;
const SENDS: usize = 25;

#[test]
fn sixty_four_threads_lose_and_duplicate_nothing() {
    let server = Arc::new(
        MockServer::builder()
            .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
            .recipients_per_minute(usize::MAX)
            .daily_user_limit(u32::MAX)
            .start()
            .unwrap(),
    );
    let t = token(&server);
    let workers: Vec<_> = (0..THREADS)
        .map(|w| {
            let server = Arc::clone(&server);
            let t = t.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::open(server.addr());
                let mut ids = Vec::new();
                for i in 0..SENDS {
                    // Two recipients each: one private, one shared by every worker.
                    let body = json!({ "agent_id": DEMO_AGENT_ID,
                        "userid_list": format!("w{w},everyone"),
                        "msg": text(&format!("worker {w} message {i}")) });
                    let r = conn.send(
                        "POST",
                        &format!("{SEND}?access_token={t}"),
                        body.to_string().as_bytes(),
                    );
                    let v = r.json();
                    assert_eq!(v["errcode"], 0, "{v}");
                    ids.push(v["task_id"].as_u64().unwrap());
                }
                ids
            })
        })
        .collect();
    let mut all = HashSet::new();
    for w in workers {
        for id in w.join().unwrap() {
            assert!(all.insert(id), "task id {id} issued twice");
        }
    }
    assert_eq!(all.len(), THREADS * SENDS);
    assert_eq!(server.tasks().len(), THREADS * SENDS);
    for w in 0..THREADS {
        assert_eq!(server.deliveries(&format!("w{w}")), SENDS as u64);
    }
    assert_eq!(server.deliveries("everyone"), (THREADS * SENDS) as u64);
    assert_eq!(server.total_deliveries(), (2 * THREADS * SENDS) as u64);
    assert_eq!(server.token_fetches(), 1);
}
