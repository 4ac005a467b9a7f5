//! `demo`: the whole lifecycle against the embedded simulator, narrated step by step with
//! the HTTP call behind each step. Needs no credentials and no network.
//!
//! send (an OA message with a status bar, to the demo directory's users) → watch → result →
//! status bar update → recall → a short campaign with a file: an HR notice's PDF uploaded
//! once (`POST /media/upload`), then sent to 250 users in paced chunks, followed as one →
//! a department resolved to people and each person's receipt (`demo_people`).

use std::time::{Duration, Instant};

use dingtalk_notify::kit::api::GetAccessToken;

use dingtalk_notify::api::{SendProgress, SendResult, SendWorkNotification};
use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan, CampaignPolicy};
use dingtalk_notify::kit::transport::{ProxySetting, RootCertificates};
use dingtalk_notify::ledger::MemoryLedger;
use dingtalk_notify::media::MediaKind;
use dingtalk_notify::message::{Oa, OaBody, OaForm, OaHead};
use dingtalk_notify::{BaseUrl, Client, Endpoint, Message, StatusColor, TokenSource, TrackPolicy};
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer, UserBehaviour,
};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::exit::{Failure, Kind, TRANSPORT};
use crate::output::{Output, result_summary};

use super::watch;

/// How long a send takes to complete on the demo's simulator.
const DELIVERY: Duration = Duration::from_millis(800);

/// The demo's first poll interval.
const POLL: Duration = Duration::from_millis(200);

/// The status bar the message is sent with.
const PENDING: (&str, u32) = ("Pending", 0xFFFF_9900);

/// The status bar after the update.
const APPROVED: (&str, u32) = ("Approved", 0xFF78_C06E);

/// The `--json` document of `demo`.
#[derive(Debug, Serialize)]
struct DemoDoc<'a> {
    base_url: &'a str,
    agent_id: u64,
    task_id: u64,
    progress: &'a SendProgress,
    send_result: &'a SendResult,
    status_value: &'a str,
    status_bg: String,
    recalled: bool,
    campaign: CampaignDoc,
    people: super::demo_people::PeopleDemoDoc,
    calls: &'a [CallDoc],
}

/// The demo campaign, in the `--json` document.
#[derive(Debug, Serialize)]
struct CampaignDoc {
    campaign_id: String,
    users: usize,
    chunks: usize,
    read: usize,
    media_id: String,
}

/// The demo's attachment: a tiny, valid one-page PDF.
const POLICY_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// How many users the demo campaign goes to.
const CAMPAIGN_USERS: usize = 250;

/// One HTTP call the simulator received, in the `--json` document.
#[derive(Debug, Clone, Serialize)]
struct CallDoc {
    step: &'static str,
    method: String,
    path: String,
}

/// Reads the simulator's recorded requests step by step.
struct Calls<'a> {
    server: &'a MockServer,
    seen: usize,
    all: Vec<CallDoc>,
    out: Output,
}

impl Calls<'_> {
    /// Narrates the requests received since the last look (method and path only: the query
    /// holds the token), consecutive repeats folded into one line.
    fn show(&mut self, step: &'static str) {
        let requests = self.server.requests();
        let new = requests.get(self.seen..).unwrap_or_default();
        self.seen = requests.len();
        let mut lines: Vec<(String, String, usize)> = Vec::new();
        for r in new {
            self.all.push(CallDoc {
                step,
                method: r.method.clone(),
                path: r.path.clone(),
            });
            match lines.last_mut() {
                Some((m, p, n)) if *m == r.method && *p == r.path => *n += 1,
                _ => lines.push((r.method.clone(), r.path.clone(), 1)),
            }
        }
        for (method, path, n) in lines {
            let times = if n > 1 {
                format!("  x{n}")
            } else {
                String::new()
            };
            let note = if path.ends_with(<GetAccessToken as Endpoint>::PATH) {
                "  (app key + secret -> access token, cached; never shown)"
            } else {
                ""
            };
            self.out
                .narrate(&format!("      {method:<4} {path}{times}{note}"));
        }
    }
}

/// Runs `demo`.
///
/// # Errors
/// When the simulator cannot start, or any step fails (which would be a bug).
pub fn run(global: &GlobalArgs, out: Output) -> Result<(), Failure> {
    let started = Instant::now();
    let server = MockServer::builder()
        .delivery_duration(DELIVERY)
        .directory(Directory::demo().accept_any_user(UserBehaviour::Reads))
        .start()
        .map_err(|e| {
            Failure::plain(
                Kind::Transport,
                TRANSPORT,
                format!("cannot start the simulator on 127.0.0.1: {e}"),
            )
        })?;
    let base_url = server.base_url();
    let base = BaseUrl::new(&base_url).map_err(|e| Failure::invalid_input(e.to_string()))?;
    let client = Client::builder(TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET))
        .base_url(base)
        .retry(super::retry(global.timeout))
        .track(TrackPolicy {
            initial_interval: POLL,
            max_interval: POLL * 2,
            deadline: Duration::from_secs(30),
        })
        // The simulator is on loopback: no proxy, whatever the environment says.
        .build(super::transport(
            global.timeout,
            ProxySetting::Direct,
            RootCertificates::Bundled,
        ));
    let mut calls = Calls {
        server: &server,
        seen: 0,
        all: Vec::new(),
        out,
    };

    out.narrate(
        "dingtalk-notify demo: the whole lifecycle against the embedded DingTalk simulator",
    );
    out.narrate(&format!(
        "  simulator {base_url}  (demo app {DEMO_APP_KEY}, agent id {DEMO_AGENT_ID}; no credentials, no network)"
    ));

    // 1. send
    let users: Vec<String> = Directory::demo()
        .users()
        .map(|(id, _)| id.to_owned())
        .collect();
    out.narrate(&format!(
        "[1/7] send an OA message with a status bar ({:?}) to {}",
        PENDING.0,
        users.join(", ")
    ));
    let send = SendWorkNotification::new(DEMO_AGENT_ID, oa_message()).to_users(users);
    let task = client.send(&send)?;
    calls.show("send");
    let task_id = task.task_id.get();
    out.narrate(&format!("      -> task id {task_id}"));

    // 2. watch
    out.narrate("[2/7] watch delivery progress until it completes (then read the result once)");
    let report = watch::follow(&client, &task, |line| out.narrate(&format!("      {line}")))?;
    calls.show("watch");

    // 3. result
    out.narrate("[3/7] read who read it, who did not, and who could not get it");
    let send_result = client.result(&task)?;
    calls.show("result");
    for line in result_summary(&send_result).lines() {
        out.narrate(&format!("      {line}"));
    }

    // 4. status bar
    let (value, argb) = APPROVED;
    let bg = StatusColor::from_argb(argb);
    out.narrate(&format!("[4/7] update the status bar to {value:?} ({bg})"));
    client.update_status_bar(&task, value, Some(bg))?;
    calls.show("status-bar");
    let shown = server
        .task(task.task_id.get())
        .and_then(|t| t.status_value)
        .unwrap_or_default();
    out.narrate(&format!("      -> the message now shows {shown:?}"));

    // 5. recall
    out.narrate("[5/7] recall the message");
    client.recall(&task)?;
    calls.show("recall");
    let recalled = server.task(task.task_id.get()).is_some_and(|t| t.recalled);
    out.narrate(&format!(
        "      -> {}",
        if recalled { "recalled" } else { "not recalled" }
    ));

    // 6. a campaign
    out.narrate(&format!(
        "[6/7] a campaign with a file: the HR notice's PDF uploaded once, then {CAMPAIGN_USERS} users in chunks of at most 100, paced, each chunk recorded in a ledger before and after its call"
    ));
    let media_id = client
        .upload_media(MediaKind::File, "2027 leave policy.pdf", POLICY_PDF)?
        .media_id;
    calls.show("campaign");
    out.narrate(&format!(
        "      -> media id {media_id} (it does not expire; the ledger keeps it in the message)"
    ));
    let staff = (0..CAMPAIGN_USERS).map(|i| format!("staff{i:03}"));
    let plan = CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::file(media_id.as_str()),
        Audience::users(staff),
        CHUNK_LIMITS,
    )
    .map_err(|e| Failure::invalid_input(e.to_string()))?;
    let ledger = MemoryLedger::new();
    let campaigns = client.campaigns(&ledger).policy(CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    });
    let campaign = campaigns
        .start(plan)
        .map_err(|e| Failure::plain(Kind::Other, TRANSPORT, e.to_string()))?;
    calls.show("campaign");
    let chunks = campaign.record().chunks().len();
    out.narrate(&format!(
        "      -> campaign {}: {} of {chunks} chunks sent",
        campaign.id(),
        campaign.tasks().count()
    ));
    let progress = campaigns
        .track(&campaign, |_| {})
        .map_err(super::campaign::campaign_failure)?;
    let result = campaigns.result(&campaign);
    calls.show("campaign");
    let read = result.send_result.read_user_id_list.len();
    out.narrate(&format!(
        "      -> {}% delivered; {read} read, each user once in the merged result",
        progress.progress_in_percent
    ));

    // 7. a department as people
    let (people, people_calls) = super::demo_people::run(global, out, "[7/7]")?;
    calls
        .all
        .extend(people_calls.into_iter().map(|(method, path)| CallDoc {
            step: "people",
            method,
            path,
        }));

    let elapsed = started.elapsed();
    out.answer(
        &format!(
            "done in {:.1} s: {} HTTP calls to the simulator. Next: `dingtalk-notify mock-server`, \
             then any command against it.",
            elapsed.as_secs_f64(),
            calls.all.len()
        ),
        &DemoDoc {
            base_url: &base_url,
            agent_id: DEMO_AGENT_ID,
            task_id,
            progress: &report.progress,
            send_result: &send_result,
            status_value: value,
            status_bg: bg.to_string(),
            recalled,
            campaign: CampaignDoc {
                campaign_id: campaign.id().to_string(),
                users: CAMPAIGN_USERS,
                chunks,
                read,
                media_id,
            },
            people,
            calls: &calls.all,
        },
    );
    Ok(())
}

/// The demo's OA message: a deploy approval with a status bar.
fn oa_message() -> Message {
    let (value, argb) = PENDING;
    Message::from(
        Oa::new(
            "https://example.com/approvals/42",
            OaHead::new(StatusColor::from_argb(0xFF4A_90E2), "dingtalk-notify demo"),
            OaBody {
                title: Some("Deploy approval".into()),
                form: vec![
                    OaForm::new("Service", "billing"),
                    OaForm::new("Version", "v2.4.1"),
                ],
                content: Some("Please approve the production deploy.".into()),
                ..OaBody::default()
            },
        )
        .status_bar(value, Some(StatusColor::from_argb(argb))),
    )
}
