//! The raw and cloud transports against servers started here on loopback.

mod common;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{closed_port, pattern, Action, Framing, Recorder, Server};
use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterDescriptor, AdapterError, ConfigError, Endpoint, Event,
    ResultCode, Transport, TransportError, TransportExt, TransportPhase,
};
use hologram_tcp::{CloudTransport, RawTransport};

/// A generous bound that still proves a short timeout fired (the defaults are 5 s).
const FIRED_WITHIN: Duration = Duration::from_secs(4);

fn raw_to(port: u16) -> RawTransport {
    RawTransport::builder()
        .host("127.0.0.1")
        .port(port)
        .build()
        .unwrap()
}

fn cloud_to(port: u16, events: Arc<Recorder>) -> CloudTransport {
    CloudTransport::builder()
        .host("127.0.0.1")
        .port(port)
        .events(events)
        .build()
        .unwrap()
}

#[test]
fn exact_bytes_are_delivered_for_0_1_64k_1m() {
    for len in [0, 1, 64 * 1024, 1024 * 1024] {
        let payload = pattern(len);
        let server = Server::start(Framing::Len(len), Action::Answer(b"ok".to_vec()));
        let mut raw = raw_to(server.port());
        let reply = raw.send(&payload).unwrap();
        assert_eq!(reply.bytes, b"ok", "{len} B");
        assert_eq!(reply.code, None);
        let got = server.join();
        assert_eq!(got.len(), 1);
        assert!(
            got[0] == payload,
            "{len} B payload arrived altered ({} B)",
            got[0].len()
        );
    }
}

#[test]
fn ipv6_literal_and_host_name_work() {
    match TcpListener::bind("[::1]:0") {
        Ok(listener) => {
            let server = Server::with_listener(
                listener,
                Framing::Len(3),
                1,
                Arc::new(|_: &[u8]| Action::Answer(b"six".to_vec())),
            );
            let mut raw = RawTransport::builder()
                .host("::1")
                .port(server.port())
                .build()
                .unwrap();
            assert_eq!(raw.send(b"abc").unwrap().bytes, b"six");
            assert_eq!(server.join(), vec![b"abc".to_vec()]);
        }
        Err(e) => eprintln!("skipping the IPv6 part: cannot bind ::1: {e}"),
    }
    // `localhost` may resolve to ::1 first: the transport tries each address.
    let server = Server::start(Framing::Len(2), Action::Answer(b"hi".to_vec()));
    let mut raw = RawTransport::builder()
        .host("localhost")
        .port(server.port())
        .build()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(raw.send(b"yo").unwrap().bytes, b"hi");
    }
    assert_eq!(server.join().len(), 3);
}

#[test]
fn unset_host_or_port_is_a_typed_error_saying_which() {
    let events = Arc::new(Recorder::default());
    let mut raw = RawTransport::new(events.clone());
    assert_eq!(
        raw.send(b"x"),
        Err(TransportError::MissingEndpoint {
            missing: "host and port"
        })
    );
    raw.set_host("127.0.0.1");
    assert_eq!(
        raw.send(b"x"),
        Err(TransportError::MissingEndpoint { missing: "port" })
    );
    raw.set_endpoint(Endpoint {
        host: None,
        port: Some(9),
    });
    assert_eq!(
        raw.send(b"x"),
        Err(TransportError::MissingEndpoint { missing: "host" })
    );
    assert!(!raw.send(b"x").unwrap_err().is_network_failure());
    assert!(events.names().is_empty(), "no socket, no event");
}

#[test]
fn every_cloud_code_and_an_unknown_one() {
    let server = Server::on(
        "127.0.0.1:0",
        Framing::Terminator(b"\r\r"),
        usize::MAX,
        |req: &[u8]| {
            let code = String::from_utf8_lossy(req).trim().to_owned();
            Action::Answer(format!("[{code},0]").into_bytes())
        },
    );
    let events = Arc::new(Recorder::default());
    let mut cloud = cloud_to(server.port(), events.clone());
    for code in (0..=8).chain([42]) {
        let reply = cloud.send(format!("{code}\r\r").as_bytes()).unwrap();
        let expected = ResultCode::from_code(code);
        assert_eq!(reply.code, Some(expected));
        assert_eq!(reply.bytes, format!("[{code},0]").as_bytes());
        assert_eq!(reply.code.unwrap().description(), expected.description());
    }
    assert_eq!(
        cloud.send(b"42\r\r").unwrap().code,
        Some(ResultCode::Unknown(42))
    );
    assert_eq!(events.count(&Event::MessageSent), 11);
    assert_eq!(server.join().len(), 11);
}

#[test]
fn events_in_order_for_a_send() {
    let server = Server::start(Framing::Len(1), Action::Answer(b"[0,0]".to_vec()));
    let events = Arc::new(Recorder::default());
    let mut cloud = cloud_to(server.port(), events.clone());
    cloud.send(b"m").unwrap();
    assert_eq!(
        events.names(),
        ["socket.connected", "message.sent", "socket.closed"]
    );
}

#[test]
fn a_server_that_never_answers_is_a_read_timeout() {
    let server = Server::start(Framing::Len(4), Action::Never);
    let events = Arc::new(Recorder::default());
    let mut cloud = CloudTransport::builder()
        .endpoint(Endpoint::new("127.0.0.1", server.port()))
        .read_timeout(Duration::from_millis(200))
        .events(events.clone())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = cloud.send(b"ping").unwrap_err();
    assert!(started.elapsed() < FIRED_WITHIN);
    match &err {
        TransportError::Timeout {
            phase,
            after,
            endpoint,
        } => {
            assert_eq!(*phase, TransportPhase::Read);
            assert_eq!(*after, Duration::from_millis(200));
            assert_eq!(*endpoint, format!("127.0.0.1:{}", server.port()));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_network_failure());
    assert_eq!(events.names(), ["socket.connected", "socket.closed"]);
    assert_eq!(server.join(), vec![b"ping".to_vec()]);
}

#[test]
fn a_close_before_the_reply_is_code_1_on_cloud_and_empty_on_raw() {
    let server = Server::start(Framing::Len(5), Action::Close);
    let reply = cloud_to(server.port(), Arc::default())
        .send(b"hello")
        .unwrap();
    assert_eq!(reply.code, Some(ResultCode::ConnectionClosed));
    assert!(reply.code.unwrap().is_success());
    let reply = raw_to(server.port()).send(b"hello").unwrap();
    assert_eq!(reply.bytes, b"");
    assert_eq!(server.join(), vec![b"hello".to_vec(), b"hello".to_vec()]);
}

#[test]
fn a_server_that_accepts_and_closes_at_once() {
    let server = Server::start(Framing::Nothing, Action::Close);
    let events = Arc::new(Recorder::default());
    for _ in 0..5 {
        // The close may race the payload: an EOF (code 1) or a reset, never a panic or a hang.
        match cloud_to(server.port(), events.clone()).send(b"hello\r\r") {
            Ok(reply) => assert_eq!(reply.code, Some(ResultCode::ConnectionClosed)),
            Err(TransportError::Reset { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(events.count(&Event::SocketClosed), 5);
}

#[test]
fn a_dripped_reply_arrives_whole() {
    let server = Server::start(
        Framing::Len(3),
        Action::Drip(b"[0,0]".to_vec(), Duration::from_millis(15)),
    );
    let reply = cloud_to(server.port(), Arc::default())
        .send(b"abc")
        .unwrap();
    assert_eq!(reply.code, Some(ResultCode::Sent));
    assert_eq!(reply.bytes, b"[0,0]");
    let reply = raw_to(server.port()).send(b"abc").unwrap();
    assert_eq!(reply.bytes, b"[0,0]");
}

#[test]
fn the_read_timeout_is_an_idle_timeout() {
    // 20 bytes 50 ms apart: 1 s in all, never 600 ms without a byte (a
    // margin of 12 gaps, so a loaded machine does not fire it by accident).
    let reply: Vec<u8> = (b'a'..=b't').collect();
    let server = Server::start(
        Framing::Len(1),
        Action::Drip(reply.clone(), Duration::from_millis(50)),
    );
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .read_timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    assert_eq!(raw.send(b"x").unwrap().bytes, reply);
}

#[test]
fn a_reply_over_the_byte_limit_is_cut() {
    let server = Server::start(Framing::Len(1), Action::Flood(256 * 1024));
    let reply = raw_to(server.port()).send(b"a").unwrap();
    assert_eq!(reply.bytes, vec![b'x'; 1024], "default limit 1024");

    let mut small = RawTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .max_reply_bytes(10)
        .build()
        .unwrap();
    assert_eq!(small.send(b"b").unwrap().bytes, b"xxxxxxxxxx");

    match cloud_to(server.port(), Arc::default()).send(b"c") {
        Err(TransportError::MalformedReply { received, .. }) => {
            assert_eq!(received, "x".repeat(64))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_garbage_reply_is_malformed_and_keeps_the_message() {
    let server = Server::start(
        Framing::Len(1),
        Action::Answer(b"HTTP/1.1 400 Bad Request\r\n".to_vec()),
    );
    let events = Arc::new(Recorder::default());
    let err = cloud_to(server.port(), events.clone())
        .send(b"a")
        .unwrap_err();
    assert!(
        matches!(err, TransportError::MalformedReply { ref received, .. } if received.starts_with("HTTP/1.1"))
    );
    assert!(err.is_network_failure());
    assert_eq!(events.count(&Event::MessageSent), 0);
}

#[test]
fn no_listener_is_refused() {
    let events = Arc::new(Recorder::default());
    let port = closed_port();
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(port)
        .events(events.clone())
        .build()
        .unwrap();
    let err = raw.send(b"x").unwrap_err();
    assert_eq!(
        err,
        TransportError::Refused {
            endpoint: format!("127.0.0.1:{port}")
        }
    );
    assert!(err.is_network_failure());
    assert_eq!(events.names(), ["socket.closed"]);
}

#[test]
fn a_name_that_does_not_resolve() {
    let mut raw = RawTransport::builder()
        .host("no-such-host.invalid")
        .port(9999)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = raw.send(b"x").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(
        matches!(err, TransportError::Resolve { ref host, .. } if host == "no-such-host.invalid"),
        "{err:?}"
    );
    assert!(err.is_network_failure());
}

#[test]
fn a_full_accept_queue_is_a_connect_timeout() {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    socket.listen(0).unwrap();
    let listener: TcpListener = socket.into();
    let port = listener.local_addr().unwrap().port();
    // Fill the queue (backlog 0 holds one), never accept: later SYNs are dropped.
    let _filler = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(port)
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = raw.send(b"x").unwrap_err();
    assert!(started.elapsed() < FIRED_WITHIN);
    assert!(
        matches!(err, TransportError::Timeout { phase: TransportPhase::Connect, after, .. } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    drop(listener);
}

#[test]
fn a_peer_that_never_reads_is_a_write_timeout() {
    let server = Server::start(Framing::Nothing, Action::Stall);
    let payload = vec![7u8; 64 * 1024 * 1024];
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .write_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = raw.send(&payload).unwrap_err();
    assert!(started.elapsed() < FIRED_WITHIN);
    assert!(
        matches!(
            err,
            TransportError::Timeout {
                phase: TransportPhase::Write,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn one_transport_serves_many_sends_and_endpoint_changes() {
    let a = Server::start(Framing::Len(1), Action::Answer(b"A".to_vec()));
    let b = Server::start(Framing::Len(1), Action::Answer(b"B".to_vec()));
    let mut raw = raw_to(a.port());
    for _ in 0..20 {
        assert_eq!(raw.send(b"1").unwrap().bytes, b"A");
    }
    raw.set_port(b.port());
    assert_eq!(raw.send(b"1").unwrap().bytes, b"B");
    raw.set_port(closed_port());
    assert!(matches!(
        raw.send(b"1"),
        Err(TransportError::Refused { .. })
    ));
    raw.set_port(a.port());
    assert_eq!(raw.send(b"1").unwrap().bytes, b"A");
    assert_eq!(a.join().len(), 21);
}

#[test]
fn registered_by_name_with_config() {
    let find = |name: &str| {
        hologram_ports::inventory::iter::<AdapterDescriptor>()
            .find(|d| d.name == name)
            .and_then(|d| d.factory_for::<dyn hologram_ports::Transport>())
            .unwrap_or_else(|| panic!("{name} is not registered"))
    };
    let server = Server::start(Framing::Len(2), Action::Answer(b"[0,0]".to_vec()));
    let events = Arc::new(Recorder::default());
    let config = AdapterConfig::new()
        .with("host", "127.0.0.1")
        .with("port", server.port().to_string())
        .with("timeout", "2");
    let mut cloud = find("cloud")(&AdapterContext::new(events.clone(), config.clone())).unwrap();
    let caps = cloud.capabilities();
    assert!(caps.result_codes && caps.sms && caps.concurrent_batch);
    assert_eq!(cloud.send(b"hi").unwrap().code, Some(ResultCode::Sent));
    assert_eq!(events.count(&Event::MessageSent), 1);

    let mut raw = find("raw")(&AdapterContext::new(events.clone(), config)).unwrap();
    let caps = raw.capabilities();
    assert!(!caps.result_codes && !caps.sms && caps.concurrent_batch);
    assert_eq!(
        raw.send(b"hi").unwrap(),
        hologram_ports::Reply {
            bytes: b"[0,0]".to_vec(),
            code: None
        }
    );

    let bad = AdapterConfig::new().with("hots", "x");
    match find("raw")(&AdapterContext::new(events, bad)) {
        Err(AdapterError::Config(ConfigError::UnknownKey { key, .. })) => assert_eq!(key, "hots"),
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("an unknown key was accepted"),
    }
    let cloud = find("cloud")(&AdapterContext::detached()).unwrap();
    assert_eq!(
        cloud.endpoint(),
        &Endpoint::new("cloudsocket.hologram.io", 9999)
    );
    let raw = find("raw")(&AdapterContext::detached()).unwrap();
    assert_eq!(raw.endpoint(), &Endpoint::default());
}

mod replies {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        /// Whatever the peer answers, the cloud path returns a code or a typed error.
        #[test]
        fn arbitrary_reply_bytes_never_panic(reply in proptest::collection::vec(any::<u8>(), 0..300)) {
            let server = Server::start(Framing::Len(1), Action::Answer(reply.clone()));
            let result = cloud_to(server.port(), Arc::default()).send(b"p");
            match result {
                Ok(r) => { prop_assert!(r.code.is_some()); prop_assert_eq!(r.bytes, reply); }
                Err(TransportError::MalformedReply { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
