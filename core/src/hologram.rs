//! The facade: [`Hologram`] wires the network interface, the event bus,
//! the outbox and the [`Dispatcher`] that delivers.
//!
//! Every message takes one path: it is encoded once (a message that can
//! never be sent is refused before it is accepted), pushed to the outbox
//! (memory or durable, the same way), and the outbox is drained by the
//! dispatcher unless the network is down or a recent network failure holds
//! sends off.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hologram_ports::{
    AdapterKind, Credentials, Event, Message, NetworkInterface, Outbox, Sms, Transport,
};

use crate::delivery::Dispatcher;
use crate::events::{EventBus, SubscriptionId};
use crate::receipt::{Delivery, Receipt};
use crate::registry::Registry;
use crate::Error;

/// The Hologram SDK: the `Hologram` class of the Python SDK.
///
/// It sends messages and SMS through the chosen transport, encoded by the
/// chosen authenticator, over the chosen network interface; keeps messages
/// in its outbox while the network is down and sends them, in order, when it
/// is back; and reports what happens on its [`EventBus`].
pub struct Hologram {
    network: Option<Box<dyn NetworkInterface>>,
    network_name: Option<String>,
    events: Arc<EventBus>,
    outbox: Box<dyn Outbox>,
    dispatcher: Dispatcher,
    next_sequence: u64,
    /// Raised by the bus on `network.connected`, from whichever adapter
    /// reports it: ends a hold-off.
    link_came_up: Arc<AtomicBool>,
    link_subscription: SubscriptionId,
    registry: Registry,
    /// Receipts of older messages flushed by a `send`, for
    /// [`Hologram::take_flushed_receipts`].
    flushed: Vec<Receipt>,
    /// The message `send_message` fills and sends, kept for its buffers.
    scratch: Message,
    /// The plugin libraries that could not be loaded.
    plugin_failures: Vec<crate::plugins::PluginError>,
}

impl Hologram {
    pub(crate) fn assemble(
        network: Option<(Box<dyn NetworkInterface>, String)>,
        events: Arc<EventBus>,
        outbox: Box<dyn Outbox>,
        dispatcher: Dispatcher,
        registry: Registry,
        plugin_failures: Vec<crate::plugins::PluginError>,
    ) -> Result<Hologram, Error> {
        let next_sequence = outbox.last_sequence().checked_add(1).ok_or_else(|| {
            Error::Outbox(hologram_ports::OutboxError::Damaged {
                detail: "its last sequence number is the largest there is; \
                         move the outbox away and start a new one"
                    .to_owned(),
            })
        })?;
        let link_came_up = Arc::new(AtomicBool::new(false));
        let flag = link_came_up.clone();
        let link_subscription = events.subscribe(Event::NetworkConnected, move |_| {
            flag.store(true, Ordering::Release)
        });
        let lost = outbox.lost();
        if lost > 0 {
            log::error!(target: "Outbox", "{lost} queued message(s) were lost: the outbox held damaged records");
            events.broadcast(Event::OutboxDamaged);
        }
        let (network, network_name) =
            network.map_or((None, None), |(n, name)| (Some(n), Some(name)));
        Ok(Hologram {
            network,
            network_name,
            events,
            next_sequence,
            outbox,
            dispatcher,
            link_came_up,
            link_subscription,
            registry,
            flushed: Vec::new(),
            scratch: Message::default(),
            plugin_failures,
        })
    }

    /// The SDK version (the Python `getSDKVersion()`).
    pub fn sdk_version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.dispatcher.credentials
    }

    /// Changes the credentials (e.g. `credentials_mut().set_cloud_id(..)`).
    pub fn credentials_mut(&mut self) -> &mut Credentials {
        &mut self.dispatcher.credentials
    }

    /// The managed network interface, if any.
    pub fn network(&self) -> Option<&dyn NetworkInterface> {
        self.network.as_deref()
    }

    /// The managed network interface, if any, to drive directly. Events it
    /// emits still reach the bus, and a `network.connected` makes the next
    /// call flush the outbox; [`Hologram::connect`] flushes at once.
    pub fn network_mut(&mut self) -> Option<&mut (dyn NetworkInterface + 'static)> {
        self.network.as_deref_mut()
    }

    /// The name of the managed network interface, if any.
    pub fn network_name(&self) -> Option<&str> {
        self.network_name.as_deref()
    }

    /// The transport (the Python `hologram.raw`).
    pub fn transport(&self) -> &dyn Transport {
        &*self.dispatcher.transport
    }

    /// The transport, to set its host and port (`TransportExt::set_host`).
    pub fn transport_mut(&mut self) -> &mut (dyn Transport + 'static) {
        &mut *self.dispatcher.transport
    }

    /// The transport's name.
    pub fn transport_name(&self) -> &str {
        &self.dispatcher.transport_name
    }

    /// The authenticator's name.
    pub fn authentication_name(&self) -> &str {
        &self.dispatcher.auth_name
    }

    /// The event bus: subscribe, unsubscribe, broadcast.
    pub fn events(&self) -> &Arc<EventBus> {
        &self.events
    }

    /// The registry this instance found its adapters in.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The plugin libraries that could not be loaded when this instance was
    /// built, each naming its file (see [`crate::plugins`]).
    pub fn plugin_failures(&self) -> &[crate::plugins::PluginError] {
        &self.plugin_failures
    }

    /// How many messages wait in the outbox.
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// The outbox.
    pub fn outbox(&self) -> &dyn Outbox {
        &*self.outbox
    }

    /// How many messages the outbox lost to damaged records it found when
    /// it was opened (0 for the memory outbox). Logged as an error and
    /// broadcast as `outbox.damaged` when this instance was built.
    pub fn messages_lost(&self) -> u64 {
        self.outbox.lost()
    }

    /// The receipts of older queued messages that a call to
    /// [`send`](Self::send) or [`send_message`](Self::send_message) flushed
    /// ahead of its own message (those calls return only their own
    /// receipt). Taking them empties the list.
    pub fn take_flushed_receipts(&mut self) -> Vec<Receipt> {
        std::mem::take(&mut self.flushed)
    }

    /// The highest sequence number the cloud (or raw server) has answered
    /// without refusal since this instance was built.
    ///
    /// Before the first such answer, a durable outbox gives what it
    /// recorded before a restart: the last message it removed after a final
    /// answer, which may have been a refusal (the outbox does not record
    /// which). `None` when nothing is known.
    pub fn last_acknowledged(&self) -> Option<u64> {
        self.dispatcher
            .last_acknowledged()
            .or_else(|| Some(self.outbox.last_acknowledged()).filter(|&s| s > 0))
    }

    fn network_up(&self) -> bool {
        self.network.as_ref().is_none_or(|n| n.is_connected())
    }

    /// Connects the managed network (if any), then flushes the outbox.
    pub fn connect(&mut self) -> Result<Vec<Receipt>, Error> {
        if let Some(n) = self.network.as_mut() {
            n.connect()?;
        }
        self.flush()
    }

    /// Disconnects the managed network, if any.
    pub fn disconnect(&mut self) -> Result<(), Error> {
        if let Some(n) = self.network.as_mut() {
            n.disconnect()?;
        }
        Ok(())
    }

    /// Reconnects the managed network (if any), then flushes the outbox.
    pub fn reconnect(&mut self) -> Result<Vec<Receipt>, Error> {
        if let Some(n) = self.network.as_mut() {
            n.reconnect()?;
        }
        self.flush()
    }

    /// Sends what the outbox holds, oldest first, and returns a receipt per
    /// message it tried, in sequence order. Messages that still fail after
    /// the retry policy's attempts stay queued. Does nothing while the
    /// network is down. An explicit flush tries even during a hold-off.
    pub fn flush(&mut self) -> Result<Vec<Receipt>, Error> {
        self.link_came_up.store(false, Ordering::Release);
        let drained =
            self.dispatcher
                .drain(&mut *self.outbox, self.network.as_deref(), u64::MAX)?;
        Ok(drained.receipts)
    }

    /// Sends one message with topics given as strings (the Python
    /// `sendMessage(message, topics)`).
    ///
    /// Returns a receipt: acknowledged or refused by the cloud, the raw
    /// reply, or queued in the outbox when the network is down or the
    /// transport failed (it is sent on the next flush).
    pub fn send_message<S: AsRef<str>>(
        &mut self,
        data: &str,
        topics: &[S],
    ) -> Result<Receipt, Error> {
        // One message value is reused for every call: no allocation once
        // its buffers have grown to the usual size.
        let mut msg = std::mem::take(&mut self.scratch);
        let result = msg
            .refill(data, topics)
            .map_err(Error::from)
            .and_then(|()| self.send(&msg));
        self.scratch = msg;
        result
    }

    /// Sends one message; see [`send_message`](Self::send_message).
    pub fn send(&mut self, msg: &Message) -> Result<Receipt, Error> {
        let mut receipts = self.accept_and_drain(std::slice::from_ref(msg))?;
        // One message in, one receipt out.
        receipts.pop().ok_or_else(|| {
            Error::Outbox(hologram_ports::OutboxError::Damaged {
                detail: "the outbox lost a message it had just accepted".to_owned(),
            })
        })
    }

    /// Sends several messages: all of them are accepted into the outbox at
    /// once (one write and one sync in a durable outbox) before the first
    /// is sent, then the outbox is drained. Returns one receipt per message,
    /// in the order given; receipts of older queued messages sent on the
    /// way go to [`take_flushed_receipts`](Self::take_flushed_receipts).
    ///
    /// A message that cannot be encoded refuses the whole batch before any
    /// is accepted. When the cloud is unreachable the batch costs one retry
    /// schedule: after the first message's attempts fail, the rest stay
    /// queued without attempts (their receipts say so).
    pub fn send_all(&mut self, messages: &[Message]) -> Result<Vec<Receipt>, Error> {
        self.accept_and_drain(messages)
    }

    /// The one path of every send: encode (to refuse what can never be
    /// sent), push to the outbox, drain.
    fn accept_and_drain(&mut self, messages: &[Message]) -> Result<Vec<Receipt>, Error> {
        for msg in messages {
            self.dispatcher.check(msg)?;
        }
        let first = self.next_sequence;
        let end = self.take_sequences(messages.len())?;
        let items: Vec<(u64, &Message)> = (first..end).zip(messages).collect();
        for dropped in self.outbox.push_batch(&items)? {
            log::warn!(target: "Outbox", "the outbox is full: dropped message #{}", dropped.sequence);
            self.events.broadcast(Event::MessageDropped);
        }
        let mut receipts: Vec<Receipt> = (first..end)
            .map(|s| Receipt::new(s, Delivery::Queued { reason: None }))
            .collect();

        if self.link_came_up.swap(false, Ordering::AcqRel) {
            self.dispatcher.release_hold();
        }
        let target = self.dispatcher.log_target();
        // Why this call's messages that were not tried stay queued.
        let mut reason = None;
        if !self.network_up() {
            log::info!(target: target, "{} message(s) buffered: the network is not connected", messages.len());
        } else if let Some(failure) = self.dispatcher.held() {
            log::info!(target: target, "{} message(s) queued without an attempt: the network failed moments ago ({failure})", messages.len());
            reason = Some(failure.clone());
        } else {
            let drained =
                self.dispatcher
                    .drain(&mut *self.outbox, self.network.as_deref(), first)?;
            for r in drained.receipts {
                match r.sequence().checked_sub(first) {
                    Some(i) if r.sequence() < end => receipts[i as usize] = r,
                    _ => self.flushed.push(r),
                }
            }
            if let Some(e) = drained.stopped_by {
                // A setting is wrong (no host, ...): retrying cannot help, so
                // the caller hears it now, and what it hears about is not
                // kept. Older messages stay queued.
                if receipts.iter().any(Receipt::is_queued) {
                    for r in receipts.iter().filter(|r| r.is_queued()) {
                        self.outbox.remove(r.sequence())?;
                    }
                    return Err(Error::Transport(e));
                }
            }
            reason = drained.network_failure;
        }
        if let Some(reason) = reason {
            for r in receipts.iter_mut() {
                if matches!(r.delivery(), Delivery::Queued { reason: None }) {
                    *r = Receipt::new(
                        r.sequence(),
                        Delivery::Queued {
                            reason: Some(reason.clone()),
                        },
                    );
                }
            }
        }
        for r in &receipts {
            if r.is_queued() {
                self.events.broadcast(Event::MessageBuffered);
            }
        }
        Ok(receipts)
    }

    /// Sends an SMS (the Python `sendSMS(destination, message)`). Needs a
    /// transport and authenticator that carry SMS (`cloud` with `csrpsk`).
    /// SMS are not queued: a failure is returned as an error.
    pub fn send_sms(&mut self, destination: &str, text: &str) -> Result<Receipt, Error> {
        let sms = Sms::new(destination, text)?;
        let d = &self.dispatcher;
        if !d.transport.capabilities().sms {
            return Err(Error::Unsupported {
                operation: "SMS",
                kind: AdapterKind::Transport,
                adapter: d.transport_name.clone(),
            });
        }
        if !d.auth.capabilities().sms {
            return Err(Error::Unsupported {
                operation: "SMS",
                kind: AdapterKind::Authenticator,
                adapter: d.auth_name.clone(),
            });
        }
        let sequence = self.next_sequence;
        self.take_sequences(1)?;
        self.dispatcher.send_sms(sequence, &sms)
    }

    /// Sends bytes as they are, with no envelope (the CLI's `--raw`). Not
    /// queued: a failure is returned as an error.
    pub fn send_bytes(&mut self, payload: &[u8]) -> Result<Receipt, Error> {
        let sequence = self.next_sequence;
        self.take_sequences(1)?;
        self.dispatcher.send_bytes(sequence, payload)
    }

    /// Gives out `n` sequence numbers from `next_sequence`; returns the
    /// one after them.
    fn take_sequences(&mut self, n: usize) -> Result<u64, Error> {
        let end = u64::try_from(n)
            .ok()
            .and_then(|n| self.next_sequence.checked_add(n))
            .ok_or_else(|| {
                Error::Outbox(hologram_ports::OutboxError::Damaged {
                    detail:
                        "sequence numbers are used up; move the outbox away and start a new one"
                            .to_owned(),
                })
            })?;
        self.next_sequence = end;
        Ok(end)
    }
}

impl Drop for Hologram {
    fn drop(&mut self) {
        // The bus may outlive us when it was shared through the builder.
        self.events
            .unsubscribe(Event::NetworkConnected, self.link_subscription);
    }
}

impl fmt::Debug for Hologram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hologram")
            .field("credentials", self.credentials())
            .field("network", &self.network_name)
            .field("transport", &self.transport_name())
            .field("endpoint", &self.transport().endpoint().to_string())
            .field("authentication", &self.authentication_name())
            .field("outbox", &self.outbox)
            .finish_non_exhaustive()
    }
}
