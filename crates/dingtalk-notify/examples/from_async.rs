//! Calling the blocking client from an async service, with no async runtime in
//! dingtalk-notify: a dedicated thread owns the client and takes jobs from a channel; the
//! async side awaits each answer, so no executor thread ever blocks on the network.
//!
//! ```text
//! cargo run -p dingtalk-notify --example from_async
//! ```
//!
//! The executor here is `futures_lite::future::block_on` and the answers come back on
//! `async_channel`s (dev-dependencies of the example only; neither is tokio). Under tokio
//! the same thread works unchanged; for an occasional call,
//! `tokio::task::spawn_blocking(move || client.send(&send))` with the client in an `Arc`
//! does too (`Client` is `Send + Sync`). Tracking can take minutes: keep it on the
//! dedicated thread, never on an executor thread.

mod common;

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{Client, Message, TaskHandle};

/// The client's error over ureq.
type SendError = dingtalk_notify::Error<<UreqTransport as dingtalk_notify::Transport>::Error>;

/// One send for the notifier thread, and where its answer goes.
struct Job {
    send: SendWorkNotification,
    answer: async_channel::Sender<Result<TaskHandle, SendError>>,
}

/// The async face of the blocking client: cheap to clone, awaitable.
#[derive(Clone)]
struct Notifier {
    jobs: mpsc::Sender<Job>,
}

impl Notifier {
    /// Starts the thread that owns `client` and runs jobs one after another.
    fn start(client: Client<UreqTransport>) -> (Self, thread::JoinHandle<()>) {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let worker = thread::spawn(move || {
            for job in inbox {
                let answer = client.send(&job.send); // blocks this thread only
                let _ = job.answer.send_blocking(answer); // the caller may have gone
            }
        });
        (Self { jobs }, worker)
    }

    /// Sends `send` on the notifier thread and waits for the task without blocking.
    async fn send(
        &self,
        send: SendWorkNotification,
    ) -> Result<TaskHandle, Box<dyn std::error::Error>> {
        let (answer, reply) = async_channel::bounded(1);
        self.jobs
            .send(Job { send, answer })
            .map_err(|_| "the notifier thread stopped")?;
        Ok(reply.recv().await??)
    }
}

/// An async request handler of your service.
async fn on_deploy(
    notifier: &Notifier,
    agent_id: u64,
    users: &[String],
    service: &str,
) -> Result<u64, Box<dyn std::error::Error>> {
    let send = SendWorkNotification::new(agent_id, Message::text(format!("{service} deployed")))
        .to_users(users.iter().cloned());
    let task = notifier.send(send).await?;
    Ok(task.task_id.get())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target()?;
    let client = dingtalk_notify::client_at(&target.base_url, target.source)?;
    let (notifier, worker) = Notifier::start(client);

    let (a, b) = futures_lite::future::block_on(futures_lite::future::zip(
        on_deploy(&notifier, target.agent_id, &target.users, "api"),
        on_deploy(&notifier, target.agent_id, &target.users, "web"),
    ));
    println!("api: task {}", a?);
    println!("web: task {}", b?);

    drop(notifier); // the channel closes; the thread ends
    worker.join().map_err(|_| "the notifier thread panicked")?;
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("from_async: {e}");
            ExitCode::FAILURE
        }
    }
}
