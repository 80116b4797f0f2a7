//! The dispatcher: everything delivery needs (transport, authenticator,
//! credentials, payload buffer, retry policy, jitter, clock) and the one
//! engine that runs encode → send → classify → retry/pause over the outbox.
//!
//! Every message goes the same way: the facade pushes it to the outbox,
//! then asks the dispatcher to [`drain`](Dispatcher::drain) it. A drain is
//! up to [`RetryPolicy::attempts`] rounds, with a backoff pause between
//! them; a round sends the queued messages oldest first, one payload (and
//! one connection, reply and receipt) per message, and stops at the first
//! that is not delivered. So a dead cloud costs one retry schedule per
//! drain, however many messages wait, and after a drain that ended on a
//! network failure the dispatcher holds off (see [`Dispatcher::held`]) for
//! one backoff interval before the next send tries again.

use std::sync::Arc;
use std::time::Instant;

use hologram_ports::{
    AuthError, Authenticator, Credentials, Event, Message, NetworkInterface, Outbox, Queued, Reply,
    ResultCode, Sms, Transport, TransportError,
};

use crate::clock::Clock;
use crate::events::EventBus;
use crate::receipt::{Delivery, Receipt};
use crate::retry::{Jitter, RetryPolicy};
use crate::Error;

/// How many queued messages one round reads from the outbox at a time:
/// bounds the memory a drain needs.
const CHUNK: usize = 1024;

/// The log line of the Python SDK for each buffered message sent.
const FLUSHED_LINE: &str =
    "A buffered message has been sent since an active connection is established";

/// What one delivery attempt gave.
enum Outcome {
    /// A final answer: the message leaves the outbox.
    Final(Delivery),
    /// Not delivered; keep it and try again later.
    Retry(Failure),
    /// A queued message the authenticator can never encode (e.g. a NUL in
    /// TOTP data): it leaves the outbox, reported, instead of blocking it.
    Unencodable(AuthError),
}

/// Why a message was not delivered: a transport failure, or `None` when
/// the cloud answered code 6.
type Failure = Option<TransportError>;

/// What a drain did.
#[derive(Debug, Default)]
pub(crate) struct Drained {
    /// A receipt per message tried, in sequence order: final ones, and the
    /// ones still queued after the last round.
    pub(crate) receipts: Vec<Receipt>,
    /// The failure that ended the drain when retrying cannot help (a
    /// missing endpoint, an invalid setting).
    pub(crate) stopped_by: Option<TransportError>,
    /// The network failure that ended the drain with messages still queued
    /// (also the reason for those it did not try).
    pub(crate) network_failure: Option<TransportError>,
}

/// The adapters and state that deliver messages.
pub(crate) struct Dispatcher {
    pub(crate) credentials: Credentials,
    pub(crate) transport: Box<dyn Transport>,
    pub(crate) transport_name: String,
    pub(crate) auth: Box<dyn Authenticator>,
    pub(crate) auth_name: String,
    /// Reused for every payload, so a send allocates nothing to encode.
    payload: Vec<u8>,
    retry: RetryPolicy,
    jitter: Jitter,
    clock: Box<dyn Clock>,
    events: Arc<EventBus>,
    log_target: &'static str,
    ordered: bool,
    /// Until when sends queue without an attempt, after a drain that ended
    /// on a network failure, and that failure.
    hold: Option<(Instant, TransportError)>,
    last_acknowledged: Option<u64>,
}

/// The settings a dispatcher starts from.
pub(crate) struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) ordered: bool,
    pub(crate) clock: Box<dyn Clock>,
}

fn up(link: Option<&dyn NetworkInterface>) -> bool {
    link.is_none_or(|n| n.is_connected())
}

impl Dispatcher {
    pub(crate) fn new(
        credentials: Credentials,
        (transport, transport_name): (Box<dyn Transport>, String),
        (auth, auth_name): (Box<dyn Authenticator>, String),
        events: Arc<EventBus>,
        settings: Settings,
    ) -> Self {
        let log_target = if transport.capabilities().result_codes {
            "Cloud"
        } else {
            "Raw"
        };
        Dispatcher {
            credentials,
            transport,
            transport_name,
            auth,
            auth_name,
            payload: Vec::with_capacity(256),
            retry: settings.retry,
            jitter: Jitter::seeded(),
            clock: settings.clock,
            events,
            log_target,
            ordered: settings.ordered,
            hold: None,
            last_acknowledged: None,
        }
    }

    pub(crate) fn log_target(&self) -> &'static str {
        self.log_target
    }

    /// Encodes `msg` once, to refuse a message that can never be sent
    /// before it is accepted. The payload is not kept: it is encoded again
    /// when sent (a time-based one must carry the time of sending).
    pub(crate) fn check(&mut self, msg: &Message) -> Result<(), AuthError> {
        self.payload.clear();
        self.auth
            .encode_message(&self.credentials, msg, &mut self.payload)
    }

    /// The failure that holds sends off, if any: a drain ended on it less
    /// than a backoff interval ago, so a new message is queued without an
    /// attempt.
    pub(crate) fn held(&self) -> Option<&TransportError> {
        let (until, failure) = self.hold.as_ref()?;
        (self.clock.now() < *until).then_some(failure)
    }

    /// Ends a hold-off (the network came back).
    pub(crate) fn release_hold(&mut self) {
        self.hold = None;
    }

    /// The highest sequence number answered without refusal.
    pub(crate) fn last_acknowledged(&self) -> Option<u64> {
        self.last_acknowledged
    }

    /// Sends what `outbox` holds, oldest first, making up to the retry
    /// policy's attempts (rounds) while the link is up. Messages numbered
    /// `fresh_from` or above were accepted by the call that drains (they
    /// are not "buffered" in the logs).
    pub(crate) fn drain(
        &mut self,
        outbox: &mut dyn Outbox,
        link: Option<&dyn NetworkInterface>,
        fresh_from: u64,
    ) -> Result<Drained, Error> {
        let mut drained = Drained::default();
        let mut attempt = 1;
        while !outbox.is_empty() && up(link) {
            let (queued, failure) = self.round(outbox, link, &mut drained.receipts, fresh_from)?;
            let Some(failure) = failure else { break };
            let network = match failure {
                None => None,
                Some(e) if !e.is_network_failure() => {
                    drained.stopped_by = Some(e);
                    drained.receipts.extend(queued);
                    break;
                }
                Some(e) => Some(e),
            };
            if attempt >= self.retry.attempts || !up(link) {
                for r in &queued {
                    self.log_kept(r, fresh_from);
                }
                drained.receipts.extend(queued);
                if let Some(e) = network {
                    let wait = self.retry.backoff(attempt, self.jitter.next());
                    log::info!(target: self.log_target, "the network failed {attempt} times; new messages are queued without an attempt for {wait:?}");
                    self.hold = Some((self.clock.now() + wait, e.clone()));
                    drained.network_failure = Some(e);
                }
                break;
            }
            self.pause(attempt);
            attempt += 1;
        }
        drained.receipts.sort_by_key(Receipt::sequence);
        Ok(drained)
    }

    fn log_kept(&self, receipt: &Receipt, fresh_from: u64) {
        if let Delivery::Queued { reason: Some(e) } = receipt.delivery() {
            let sequence = receipt.sequence();
            if sequence >= fresh_from {
                log::warn!(target: self.log_target, "message #{sequence} not delivered ({e}); kept in the outbox for the next flush");
            } else {
                log::warn!(target: self.log_target, "buffered message #{sequence} still not sent: {e}");
            }
        }
    }

    fn pause(&mut self, attempt: u32) {
        let wait = self.retry.backoff(attempt, self.jitter.next());
        log::info!(target: self.log_target, "attempt {attempt} failed; trying again in {wait:?}");
        self.clock.sleep(wait);
    }

    /// One pass over the outbox: final answers go into `receipts`; returns
    /// the receipts of messages tried and not delivered, and the failure
    /// that stopped the pass (`None` when every message was answered).
    fn round(
        &mut self,
        outbox: &mut dyn Outbox,
        link: Option<&dyn NetworkInterface>,
        receipts: &mut Vec<Receipt>,
        fresh_from: u64,
    ) -> Result<(Vec<Receipt>, Option<Failure>), Error> {
        let mut queued = Vec::new();
        let mut tried_up_to = 0;
        loop {
            let chunk: Vec<Queued> = outbox
                .pending(CHUNK)?
                .into_iter()
                .filter(|q| q.sequence > tried_up_to)
                .collect();
            let Some(last) = chunk.last() else { break };
            tried_up_to = last.sequence;
            let outcomes = if self.ordered || chunk.len() == 1 {
                self.one_by_one(&chunk)?
            } else {
                self.concurrently(&chunk)?
            };
            let mut failure = None;
            for (q, outcome) in chunk.iter().zip(outcomes) {
                match outcome {
                    Outcome::Final(delivery) => {
                        outbox.remove(q.sequence)?;
                        self.hold = None;
                        if q.sequence < fresh_from {
                            log::info!(target: self.log_target, "{FLUSHED_LINE}");
                        }
                        self.report(q.sequence, &delivery);
                        receipts.push(Receipt::new(q.sequence, delivery));
                    }
                    Outcome::Retry(reason) => {
                        if failure.is_none() {
                            failure = Some(reason.clone());
                        }
                        queued.push(Receipt::new(q.sequence, Delivery::Queued { reason }));
                    }
                    Outcome::Unencodable(e) => {
                        outbox.remove(q.sequence)?;
                        log::error!(target: self.log_target, "queued message #{} dropped: it can never be sent ({e})", q.sequence);
                        self.events.broadcast(Event::MessageDropped);
                    }
                }
            }
            // Later chunks wait for the next round when this one had
            // failures: the network is likely gone again.
            if failure.is_some() {
                return Ok((queued, failure));
            }
            if !up(link) {
                break;
            }
        }
        Ok((queued, None))
    }

    /// Encodes and sends one message.
    fn attempt(&mut self, msg: &Message) -> Result<Outcome, Error> {
        self.payload.clear();
        match self
            .auth
            .encode_message(&self.credentials, msg, &mut self.payload)
        {
            Ok(()) => Ok(classify(self.transport.send(&self.payload))),
            Err(e) if is_about_the_message(&e) => Ok(Outcome::Unencodable(e)),
            Err(e) => Err(e.into()),
        }
    }

    /// One message at a time, oldest first, stopping at the first that is
    /// not delivered: ordered delivery.
    fn one_by_one(&mut self, chunk: &[Queued]) -> Result<Vec<Outcome>, Error> {
        let mut outcomes = Vec::with_capacity(chunk.len());
        for q in chunk {
            let outcome = self.attempt(&q.message)?;
            let failed = matches!(outcome, Outcome::Retry(_));
            outcomes.push(outcome);
            if failed {
                break;
            }
        }
        Ok(outcomes)
    }

    /// The oldest message alone first (so a dead cloud costs one attempt,
    /// not one per message), then the rest of the chunk handed to the
    /// transport at once, which may send them concurrently.
    fn concurrently(&mut self, chunk: &[Queued]) -> Result<Vec<Outcome>, Error> {
        let Some((first, rest)) = chunk.split_first() else {
            return Ok(Vec::new());
        };
        let mut outcomes = Vec::with_capacity(chunk.len());
        let probe = self.attempt(&first.message)?;
        let failed = matches!(probe, Outcome::Retry(_));
        outcomes.push(probe);
        if failed {
            return Ok(outcomes);
        }
        let mut payloads = Vec::with_capacity(rest.len());
        // Per message: encoded (its payload is in `payloads`) or why not.
        let mut encoded = Vec::with_capacity(rest.len());
        for q in rest {
            let mut p = Vec::with_capacity(self.payload.capacity());
            match self
                .auth
                .encode_message(&self.credentials, &q.message, &mut p)
            {
                Ok(()) => {
                    payloads.push(p);
                    encoded.push(None);
                }
                Err(e) if is_about_the_message(&e) => encoded.push(Some(e)),
                Err(e) => return Err(e.into()),
            }
        }
        let refs: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
        let mut replies = self.transport.send_batch(&refs).into_iter();
        for failure in encoded {
            // A transport that answers fewer payloads than it was given
            // leaves the rest queued for the next flush.
            let outcome = match failure {
                Some(e) => Outcome::Unencodable(e),
                None => match replies.next() {
                    Some(reply) => classify(reply),
                    None => break,
                },
            };
            outcomes.push(outcome);
        }
        // The failures of a concurrent batch need not be the oldest: keep
        // the order the round reports in (each message its own outcome).
        Ok(outcomes)
    }

    fn report(&mut self, sequence: u64, delivery: &Delivery) {
        match delivery {
            Delivery::Refused { code } => {
                log::warn!(target: self.log_target, "message #{sequence} refused: {code}");
                self.events.broadcast(Event::MessageRefused);
            }
            Delivery::Queued { .. } => {}
            Delivery::Acknowledged { .. } | Delivery::Replied { .. } => {
                self.last_acknowledged = self.last_acknowledged.max(Some(sequence));
                log::debug!(target: self.log_target, "message #{sequence} delivered");
            }
        }
    }

    /// Encodes and sends one SMS, once: SMS are not queued.
    pub(crate) fn send_sms(&mut self, sequence: u64, sms: &Sms) -> Result<Receipt, Error> {
        self.payload.clear();
        self.auth
            .encode_sms(&self.credentials, sms, &mut self.payload)?;
        let reply = self.transport.send(&self.payload)?;
        let delivery = final_delivery(reply);
        self.report(sequence, &delivery);
        Ok(Receipt::new(sequence, delivery))
    }

    /// Sends bytes as they are, once.
    pub(crate) fn send_bytes(&mut self, sequence: u64, payload: &[u8]) -> Result<Receipt, Error> {
        let reply = self.transport.send(payload)?;
        Ok(Receipt::new(sequence, final_delivery(reply)))
    }
}

/// A reply as a final delivery: a code, or (no code: a raw transport, or a
/// cloud reply that does not parse) the bytes as they came. A reply that
/// does not parse is final too: the message may have been delivered, and
/// sending it again could loop for ever.
fn final_delivery(reply: Reply) -> Delivery {
    match reply.code {
        None => Delivery::Replied { reply: reply.bytes },
        Some(code) if code.is_success() => Delivery::Acknowledged { code },
        Some(code) => Delivery::Refused { code },
    }
}

/// Whether an encoding error is about one message (so no retry can help
/// it), rather than about the credentials or the authenticator.
fn is_about_the_message(e: &AuthError) -> bool {
    matches!(e, AuthError::Unframeable { .. } | AuthError::Topic(_))
}

fn classify(result: Result<Reply, TransportError>) -> Outcome {
    match result {
        // Code 6 is the cloud's own failure: the message stays queued.
        Ok(Reply {
            code: Some(ResultCode::CloudInternal),
            ..
        }) => Outcome::Retry(None),
        Ok(reply) => Outcome::Final(final_delivery(reply)),
        // No reply, a reset, a timeout: not confirmed, so kept and retried.
        Err(e) => Outcome::Retry(Some(e)),
    }
}
