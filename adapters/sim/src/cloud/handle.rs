//! The handle on an in-process simulator: its records, waits, knobs, and
//! stopping it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::{CloudSimStats, Device, Fault, MessageRecord, Record, Shared, SmsRecord};
use crate::error::CloudSimError;

/// A cloud simulator serving on a background thread. Dropping it stops the
/// thread and waits for it.
pub struct CloudSimHandle {
    pub(crate) addr: SocketAddr,
    pub(crate) shared: Arc<Shared>,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) waker: Arc<mio::Waker>,
    pub(crate) thread: Option<JoinHandle<Result<(), CloudSimError>>>,
}

impl fmt::Debug for CloudSimHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudSimHandle")
            .field("addr", &self.addr)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl CloudSimHandle {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything accepted so far (up to the record limits), in order.
    pub fn records(&self) -> Vec<Record> {
        self.shared.lock().records.iter().cloned().collect()
    }

    /// The messages accepted so far, in order.
    pub fn messages(&self) -> Vec<MessageRecord> {
        let state = self.shared.lock();
        state
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Message(m) => Some(m.clone()),
                Record::Sms(_) => None,
            })
            .collect()
    }

    /// The SMS accepted so far, in order.
    pub fn sms(&self) -> Vec<SmsRecord> {
        let state = self.shared.lock();
        state
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Sms(s) => Some(s.clone()),
                Record::Message(_) => None,
            })
            .collect()
    }

    /// Forgets the records kept so far (the counts waited on keep counting).
    pub fn clear_records(&self) {
        self.shared.lock().records.clear();
    }

    /// Waits until `n` messages have been accepted since the start, or
    /// `timeout` passes; returns whether they were.
    pub fn wait_for_messages(&self, n: usize, timeout: Duration) -> bool {
        self.shared
            .wait_until(timeout, |s| s.messages_total >= n as u64)
    }

    /// Waits until `n` SMS have been accepted since the start, or `timeout`
    /// passes; returns whether they were.
    pub fn wait_for_sms(&self, n: usize, timeout: Duration) -> bool {
        self.shared.wait_until(timeout, |s| s.sms_total >= n as u64)
    }

    /// Waits until `n` requests have been read since the start (accepted,
    /// refused or faulted), or `timeout` passes; returns whether they were.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        self.shared
            .wait_until(timeout, |s| s.stats.requests >= n as u64)
    }

    /// Waits until `done` holds for the [`stats`](Self::stats), or `timeout`
    /// passes; returns whether it held.
    pub fn wait_for_stats(&self, timeout: Duration, done: impl Fn(&CloudSimStats) -> bool) -> bool {
        self.shared.wait_until(timeout, |s| done(&s.stats))
    }

    /// Applies `fault` to the next `count` requests (after the faults
    /// already pushed).
    pub fn push_fault(&self, fault: Fault, count: u32) {
        if count > 0 {
            self.shared.lock().faults.push_back((fault, count));
        }
    }

    /// Forgets the faults not applied yet.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Registers a device: from now on only registered devices are accepted.
    pub fn register_device(&self, device: Device) {
        self.shared.lock().registry.register(device);
    }

    /// What it did so far.
    pub fn stats(&self) -> CloudSimStats {
        self.shared.lock().stats
    }

    /// Stops the event loop and waits for its thread; returns the loop's
    /// error if it failed.
    pub fn shutdown(mut self) -> Result<(), CloudSimError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), CloudSimError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.stop.store(true, Ordering::SeqCst);
        if let Err(e) = self.waker.wake() {
            log::warn!(target: "CloudSim", "could not wake the event loop to stop it: {e}");
        }
        thread.join().unwrap_or(Err(CloudSimError::Panicked))
    }
}

impl Drop for CloudSimHandle {
    fn drop(&mut self) {
        if let Err(e) = self.stop_and_join() {
            log::warn!(target: "CloudSim", "the cloud simulator stopped with an error: {e}");
        }
    }
}
