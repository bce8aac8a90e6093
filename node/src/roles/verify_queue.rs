//! The verifier's work queue: one thread owns verification against this node's store. Whatever
//! is waiting when it is free is verified together (up to [`BATCH_SIZE`]), signatures with
//! Ed25519 batch verification, each input with its own options (its own challenge). Under load
//! this halves the signature work and replaces a thread hand-off per presentation by one per
//! batch; an idle node verifies a lone presentation at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use credentials::verify::BATCH_SIZE;
use credentials::{VerificationReport, Verifier, VerifyOptions};
use tokio::sync::{mpsc, oneshot};

use super::Replicator;

/// Verifications waiting at most (request paths wait for room: backpressure, not loss).
pub const VERIFY_QUEUE_CAP: usize = 4 * BATCH_SIZE;

/// The verification thread's stack (16 MiB, eight times the default): input depth is bounded
/// (JSON at 128 levels by serde_json, rebuilt SD-JWT claims at 32), but JSON-LD expansion and
/// canonicalization of a Data Integrity input recurse per level; this leaves a wide margin.
const VERIFY_THREAD_STACK: usize = 16 << 20;

struct Job {
    text: String,
    opts: VerifyOptions,
    reply: oneshot::Sender<VerificationReport>,
}

/// A contained panic (the pipeline turns it into a refusing report naming the input's digest):
/// logged as an error, so the bug is seen, while the thread goes on serving.
fn log_internal_error(report: &VerificationReport) {
    if let Some(credentials::verify::Outcome::Fail { reason }) =
        report.outcome(credentials::verify::CheckName::Decode)
    {
        if reason.starts_with(credentials::verify::INTERNAL_ERROR) {
            tracing::error!(%reason, "verification of an input panicked; refused it and kept serving");
        }
    }
}

/// A handle to the verification thread. [`VerifyQueue::stop`] ends and joins it (at shutdown,
/// before the store closes); otherwise it ends when the last handle is dropped.
#[derive(Clone)]
pub struct VerifyQueue {
    /// `None` asks the thread to stop once the jobs before it are done.
    tx: mpsc::Sender<Option<Job>>,
    /// Set to stop after the batch in hand, whatever is still queued (see `stop_now`).
    halt: Arc<AtomicBool>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl VerifyQueue {
    /// Starts the verification thread.
    pub fn start(verifier: Arc<Verifier>, sources: Arc<Replicator>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Option<Job>>(VERIFY_QUEUE_CAP);
        let halt = Arc::new(AtomicBool::new(false));
        let halted = halt.clone();
        let spawned = std::thread::Builder::new()
            .name("vcnet-verify".into())
            .stack_size(VERIFY_THREAD_STACK)
            .spawn(move || {
                let mut stopping = false;
                while let Some(Some(first)) = rx.blocking_recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < BATCH_SIZE {
                        match rx.try_recv() {
                            Ok(Some(j)) => jobs.push(j),
                            Ok(None) => {
                                stopping = true;
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    let items: Vec<(&str, &VerifyOptions)> =
                        jobs.iter().map(|j| (j.text.as_str(), &j.opts)).collect();
                    let span = tracing::debug_span!("verify_batch", inputs = items.len());
                    let reports = span.in_scope(|| {
                        verifier.verify_each_batched(&items, sources.as_ref(), sources.as_ref())
                    });
                    for (job, report) in jobs.into_iter().zip(reports) {
                        log_internal_error(&report);
                        let _ = job.reply.send(report);
                    }
                    if stopping || halted.load(Ordering::Acquire) {
                        break;
                    }
                }
            });
        let thread = match spawned {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::error!(error = %e, "could not start the verification thread");
                None
            }
        };
        Self {
            tx,
            halt,
            thread: Arc::new(Mutex::new(thread)),
        }
    }

    fn take_thread(&self) -> Option<JoinHandle<()>> {
        self.thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Stops the verification thread after the jobs already queued and waits for it to end,
    /// so that nothing verifies against the store once it closes. Later verifications answer
    /// that the thread has stopped.
    pub async fn stop(&self) {
        let _ = self.tx.send(None).await;
        if let Some(h) = self.take_thread() {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }

    /// Stops the verification thread after the batch in hand (jobs still queued are dropped:
    /// their callers hear that the thread has stopped) and waits for it, without awaiting:
    /// for a destructor. The thread's last handle on the store goes with it, so a process
    /// that exits next does not tear RocksDB down under a thread still closing it.
    pub fn stop_now(&self) {
        self.halt.store(true, Ordering::Release);
        // Wakes an idle thread; a full queue means it is busy and sees `halt` after its batch.
        let _ = self.tx.try_send(None);
        if let Some(h) = self.take_thread() {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }

    /// Verifies one input against the store, batched with whatever else is waiting.
    pub async fn verify(
        &self,
        text: String,
        opts: VerifyOptions,
    ) -> Result<VerificationReport, super::NodeError> {
        let stopped =
            || super::NodeError::Unavailable("the verification thread has stopped".into());
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Some(Job { text, opts, reply }))
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }
}
