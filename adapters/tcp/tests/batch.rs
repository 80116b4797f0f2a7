//! Batches: many payloads over concurrent connections on one poller.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{closed_port, Action, Framing, Recorder, Server};
use hologram_ports::{Event, ResultCode, Transport, TransportError, TransportPhase};
use hologram_tcp::{CloudTransport, RawTransport};

/// What the batch server does with message `i`.
fn answer_for(i: usize) -> Action {
    match i % 10 {
        3 => Action::Answer(b"[3,0]".to_vec()),
        6 => Action::Answer(b"[6,0]".to_vec()),
        7 => Action::Close,
        9 if i % 20 == 9 => Action::Answer(b"nope".to_vec()),
        _ => Action::Answer(b"[0,0]".to_vec()),
    }
}

fn index_of(request: &[u8]) -> usize {
    String::from_utf8_lossy(request)
        .trim()
        .parse()
        .expect("request carries its index")
}

#[test]
fn a_thousand_payloads_answered_some_with_errors_in_input_order() {
    const N: usize = 1000;
    let server = Server::on(
        "127.0.0.1:0",
        Framing::Terminator(b"\r\r"),
        N,
        |req: &[u8]| answer_for(index_of(req)),
    );
    let events = Arc::new(Recorder::default());
    let mut cloud = CloudTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .events(events.clone())
        .build()
        .unwrap();
    let payloads: Vec<Vec<u8>> = (0..N).map(|i| format!("{i}\r\r").into_bytes()).collect();
    let refs: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();

    let results = cloud.send_batch(&refs);

    assert_eq!(results.len(), N);
    for (i, result) in results.iter().enumerate() {
        match (answer_for(i), result) {
            (Action::Answer(bytes), Ok(reply)) if bytes != b"nope" => {
                assert_eq!(reply.bytes, bytes, "message {i}");
                assert_eq!(
                    reply.code,
                    Some(ResultCode::parse_reply(&bytes).unwrap()),
                    "message {i}"
                );
            }
            (Action::Answer(_), Ok(reply)) => {
                // Not a code: an answer all the same, with its bytes.
                assert_eq!(reply.bytes, b"nope", "message {i}");
                assert_eq!(reply.code, None, "message {i}");
            }
            (Action::Close, Err(TransportError::NoReply { .. })) => {}
            (expected, got) => panic!("message {i}: expected {expected:?}, got {got:?}"),
        }
    }
    let unanswered = (0..N).filter(|i| i % 10 == 7).count();
    assert_eq!(events.count(&Event::SocketConnected), N);
    assert_eq!(events.count(&Event::SocketClosed), N);
    assert_eq!(events.count(&Event::MessageSent), N - unanswered);

    let got = server.join();
    assert_eq!(got.len(), N);
    let mut seen: Vec<usize> = got.iter().map(|r| index_of(r)).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..N).collect::<Vec<_>>(),
        "every payload delivered once"
    );
}

#[test]
fn raw_batch_returns_each_reply_with_its_payload() {
    const N: usize = 200;
    let server = Server::on(
        "127.0.0.1:0",
        Framing::Terminator(b"\n"),
        2 * N,
        |req: &[u8]| {
            let mut echo = b"echo:".to_vec();
            echo.extend_from_slice(req);
            Action::Answer(echo)
        },
    );
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .max_in_flight(7)
        .build()
        .unwrap();
    let payloads: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("{}\n", "p".repeat(i)).into_bytes())
        .collect();
    let refs: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
    for round in 0..2 {
        let results = raw.send_batch(&refs);
        for (i, result) in results.into_iter().enumerate() {
            let reply = result.unwrap_or_else(|e| panic!("round {round} message {i}: {e}"));
            assert_eq!(
                reply.bytes,
                [b"echo:".as_slice(), &payloads[i]].concat(),
                "message {i}"
            );
        }
    }
    drop(server);
}

#[test]
fn connections_really_are_concurrent_and_timeouts_stay_per_message() {
    // Never answered: each message ends in its own read timeout, and the
    // server saw more than one connection open at once.
    const N: usize = 64;
    let server = Server::start(Framing::Len(1), Action::Never);
    let mut cloud = CloudTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .read_timeout(Duration::from_millis(250))
        .build()
        .unwrap();
    let refs: Vec<&[u8]> = vec![b"x"; N];
    let results = cloud.send_batch(&refs);
    assert_eq!(results.len(), N);
    for r in &results {
        assert!(
            matches!(
                r,
                Err(TransportError::Timeout {
                    phase: TransportPhase::Read,
                    ..
                })
            ),
            "{r:?}"
        );
    }
    assert!(server.peak.load(std::sync::atomic::Ordering::SeqCst) > 1);
}

#[test]
fn batch_failures_before_the_network_give_one_error_per_payload() {
    let events = Arc::new(Recorder::default());
    let mut raw = RawTransport::new(events.clone());
    let refs: Vec<&[u8]> = vec![b"a", b"b", b"c"];
    let results = raw.send_batch(&refs);
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| matches!(
        r,
        Err(TransportError::MissingEndpoint {
            missing: "host and port"
        })
    )));

    raw.set_endpoint(hologram_ports::Endpoint::new("127.0.0.1", closed_port()));
    let results = raw.send_batch(&refs);
    assert!(results
        .iter()
        .all(|r| matches!(r, Err(TransportError::Refused { .. }))));
    assert_eq!(events.count(&Event::SocketClosed), 3);
    assert!(raw.send_batch(&[]).is_empty());
}
