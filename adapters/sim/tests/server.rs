//! The cloud simulator over real loopback sockets.

use std::collections::BTreeSet;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hologram_ports::ResultCode;
use hologram_sim::cloud::hotp::totp;
use hologram_sim::cloud::{
    AuthForm, CloudSim, CloudSimHandle, Device, Fault, Record, ReplyForm, MAX_DEVICES_FILE_BYTES,
    MAX_DEVICES_FILE_LINE,
};
use proptest::prelude::*;

/// Generous: only a broken simulator waits this long.
const PATIENCE: Duration = Duration::from_secs(20);

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect to the simulator");
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s.set_write_timeout(Some(PATIENCE)).unwrap();
    s
}

/// Reads until the simulator closes; a reset counts as a close.
fn read_reply(mut s: TcpStream) -> String {
    let mut reply = Vec::new();
    match s.read_to_end(&mut reply) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Err(e) => panic!("reading the reply failed: {e}"),
    }
    String::from_utf8(reply).expect("the reply is text")
}

/// Sends one request and returns the reply.
fn send(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(bytes).unwrap();
    read_reply(s)
}

fn start() -> CloudSimHandle {
    CloudSim::builder().start().expect("start the simulator")
}

/// What the real cloud answers `code` to `request`: digits to an SMS or a
/// TOTP payload, a JSON list to anything else.
fn native(code: i64, request: &[u8]) -> String {
    match request.first() {
        Some(b'S' | b'C') => format!("{code}0"),
        _ => format!("[{code},0]"),
    }
}

#[test]
fn python_payload_is_accepted_and_recorded() {
    let sim = start();
    let payload = b"{\"k\": \"12345678\", \"m\": \"\\u0001agnostic-None\", \"t\": [\"t1\", \"t2\"], \"d\": \"hello\"}\r\r";
    assert_eq!(send(sim.addr(), payload), "[0,0]");
    assert!(sim.wait_for_messages(1, PATIENCE));
    let records = sim.messages();
    assert_eq!(records.len(), 1);
    let m = &records[0];
    assert_eq!(m.id, 1);
    assert_eq!(m.device, "1234****");
    assert_eq!(m.auth, AuthForm::Abbreviated);
    assert_eq!(m.data, "hello");
    assert_eq!(m.topics, ["t1", "t2"]);
    assert_eq!(m.metadata.as_deref(), Some("\u{1}agnostic-None"));
    assert!(m.peer.ip().is_loopback());
    assert!(!format!("{m:?}").contains("5678"));
    let stats = sim.stats();
    assert_eq!((stats.requests, stats.accepted, stats.rejected), (1, 1, 0));
}

#[test]
fn every_form_is_accepted() {
    let sim = start();
    let requests: [&[u8]; 4] = [
        b"{\"s\": \"abcd\", \"c\": \"wxyz\", \"d\": \"seed\", \"t\": \"x\"}\r\r",
        b"{\"devicekey\": \"12345678\", \"data\": \"full\", \"tags\": [\"a\"]}\r\r",
        b"S12345678+11234567890 hey there!\r\r",
        // No \r\r: the client closes its write side instead.
        b"{\"k\": \"12345678\", \"d\": \"eof\"}",
    ];
    for request in requests {
        let mut s = connect(sim.addr());
        s.write_all(request).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        assert_eq!(
            read_reply(s),
            native(0, request),
            "{:?}",
            String::from_utf8_lossy(request)
        );
    }
    assert!(sim.wait_for_messages(3, PATIENCE));
    assert!(sim.wait_for_sms(1, PATIENCE));
    let forms: Vec<_> = sim
        .messages()
        .iter()
        .map(|m| (m.auth, m.data.clone()))
        .collect();
    assert_eq!(
        forms,
        [
            (AuthForm::SeedEra, "seed".to_owned()),
            (AuthForm::FullWord, "full".to_owned()),
            (AuthForm::Abbreviated, "eof".to_owned())
        ]
    );
    assert_eq!(sim.messages()[0].device, "abcd****");
    let sms = sim.sms();
    assert_eq!(sms.len(), 1);
    assert_eq!(
        (
            sms[0].device.as_str(),
            sms[0].destination.as_str(),
            sms[0].text.as_str()
        ),
        ("1234****", "+11234567890", "hey there!")
    );
    let ids: Vec<u64> = sim.records().iter().map(Record::id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
}

#[test]
fn each_failure_gets_its_code_and_nothing_is_recorded() {
    let sim = start();
    let cases: &[(&[u8], i64)] = &[
        (b"garbage\r\r", 2),
        (b"{\"k\": \"12345678\", \"data\": \"x\"}\r\r", 2),
        (b"{\"k\": \"1234567\", \"d\": \"x\"}\r\r", 3),
        (b"{\"k\": \"12345678\", \"d\": 1}\r\r", 4),
        (b"{\"k\": \"12345678\", \"d\": \"x\", \"m\": 1}\r\r", 7),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": \"a b\"}\r\r",
            8,
        ),
        (b"S12345678 no destination\r\r", 2),
        (b"C42 59 151739 Bx\0\0", 3),
    ];
    for (request, code) in cases {
        assert_eq!(
            send(sim.addr(), request),
            native(*code, request),
            "{:?}",
            String::from_utf8_lossy(request)
        );
    }
    assert!(sim.records().is_empty());
    let stats = sim.stats();
    assert_eq!((stats.requests, stats.rejected, stats.accepted), (8, 8, 0));
}

#[test]
fn totp_is_verified_against_the_clock_and_used_once() {
    let now = 1_700_000_000;
    let sim = CloudSim::builder()
        .clock(move || now)
        .device(Device::totp("89014103211118510720", "310150123456789").unwrap())
        .start()
        .unwrap();
    let otp = totp(b"310150123456789", now, 30);
    let payload = format!("C89014103211118510720 {now} {otp} Tt1\0Tt2\0Bone\0Btwo\0\0");
    // TOTP payloads are answered with digits, as the real cloud does.
    assert_eq!(send(sim.addr(), payload.as_bytes()), "00");
    // A wrong password: refused.
    let wrong = (otp + 1) % 1_000_000;
    let bad = format!("C89014103211118510720 {now} {wrong} Bx\0\0");
    assert_eq!(send(sim.addr(), bad.as_bytes()), "30");
    // The next window (within one of the clock) is fresh.
    let next = now + 30;
    let otp = totp(b"310150123456789", next, 30);
    let payload = format!("C89014103211118510720 {next} {otp} Bthree\0\0\r\r");
    assert_eq!(send(sim.addr(), payload.as_bytes()), "00");
    assert!(sim.wait_for_messages(3, PATIENCE));
    let got: Vec<_> = sim
        .messages()
        .into_iter()
        .map(|m| (m.device, m.auth, m.data, m.topics))
        .collect();
    let id = "89014103211118510720".to_owned();
    let topics = vec!["t1".to_owned(), "t2".to_owned()];
    assert_eq!(
        got,
        [
            (id.clone(), AuthForm::Totp, "one".to_owned(), topics.clone()),
            (id.clone(), AuthForm::Totp, "two".to_owned(), topics),
            (id, AuthForm::Totp, "three".to_owned(), vec![]),
        ]
    );
    // A key form is refused: the registry holds only the TOTP device.
    assert_eq!(
        send(sim.addr(), b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r"),
        "[3,0]"
    );
}

#[test]
fn a_window_password_serves_several_messages_unless_single_use() {
    let now = 1_700_000_000;
    let otp = totp(b"310150123456789", now, 30);
    // hologram-python 0.10.3's payload: with its metadata record.
    let payload = |data: &str| {
        format!("C89014103211118510720 {now} {otp} M\u{1}agnostic-0.9.1\0Tt1\0B{data}\0\0")
    };
    for (single_use, second) in [(false, "00"), (true, "30")] {
        let sim = CloudSim::builder()
            .clock(move || now)
            .single_use_totp(single_use)
            .device(Device::totp("89014103211118510720", "310150123456789").unwrap())
            .start()
            .unwrap();
        assert_eq!(send(sim.addr(), payload("one").as_bytes()), "00");
        assert_eq!(send(sim.addr(), payload("two").as_bytes()), second);
        assert!(sim.wait_for_messages(1, PATIENCE));
        let m = &sim.messages()[0];
        assert_eq!(m.data, "one");
        assert_eq!(m.metadata.as_deref(), Some("\u{1}agnostic-0.9.1"));
    }
}

#[test]
fn registered_devices_only_when_registered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devices.hjson");
    std::fs::write(
        &path,
        "{ devices: [ { cloud_id: \"abcd\", cloud_key: \"wxyz\" } ] }",
    )
    .unwrap();
    let sim = CloudSim::builder()
        .device(Device::devicekey("12345678").unwrap())
        .devices_file(&path)
        .unwrap()
        .start()
        .unwrap();
    let msg = |key: &str| format!("{{\"k\": \"{key}\", \"d\": \"x\"}}\r\r");
    assert_eq!(send(sim.addr(), msg("12345678").as_bytes()), "[0,0]");
    assert_eq!(send(sim.addr(), msg("abcdwxyz").as_bytes()), "[0,0]");
    assert_eq!(
        send(
            sim.addr(),
            b"{\"s\": \"abcd\", \"c\": \"wxyz\", \"d\": \"x\"}\r\r"
        ),
        "[0,0]"
    );
    assert_eq!(send(sim.addr(), msg("87654321").as_bytes()), "[3,0]");
    assert_eq!(send(sim.addr(), b"S87654321+1 hi\r\r"), "30");
    sim.register_device("87654321".parse().unwrap());
    assert_eq!(send(sim.addr(), msg("87654321").as_bytes()), "[0,0]");
    assert_eq!(send(sim.addr(), b"S87654321+1 hi\r\r"), "00");

    std::fs::write(&path, "{ devices: [ { devicekey: \"short\" } ] }").unwrap();
    let err = CloudSim::builder()
        .devices_file(&path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("entry 1") && err.contains("devicekey"),
        "{err}"
    );
}

#[test]
fn fault_knobs_apply_to_the_next_n_requests() {
    let sim = start();
    let ok = b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r";
    sim.push_fault(Fault::Answer(ResultCode::CloudInternal), 2);
    sim.push_fault(Fault::CloseWithoutAnswer, 1);
    sim.push_fault(Fault::Delay(Duration::from_millis(300)), 1);
    assert_eq!(send(sim.addr(), ok), "[6,0]");
    assert_eq!(send(sim.addr(), ok), "[6,0]");
    assert_eq!(send(sim.addr(), ok), "");
    assert!(
        sim.records().is_empty(),
        "answered and closed requests are not recorded"
    );
    let started = Instant::now();
    assert_eq!(send(sim.addr(), ok), "[0,0]");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.messages().len(), 1, "a delayed request is recorded");
    assert_eq!(send(sim.addr(), ok), "[0,0]");
    sim.push_fault(Fault::Answer(ResultCode::Unknown(42)), 5);
    sim.clear_faults();
    assert_eq!(send(sim.addr(), ok), "[0,0]");
    assert_eq!(sim.stats().faulted, 4);
}

#[test]
fn the_longest_timers_do_not_stop_the_simulator() {
    let sim = CloudSim::builder()
        .idle_timeout(Duration::MAX)
        .start()
        .unwrap();
    let ok = b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r";
    assert_eq!(send(sim.addr(), ok), "[0,0]");
    sim.push_fault(Fault::Delay(Duration::MAX), 1);
    let mut held = connect(sim.addr());
    held.write_all(ok).unwrap();
    assert!(sim.wait_for_stats(PATIENCE, |s| s.faulted == 1));
    // Still serving while that answer is held back.
    assert_eq!(send(sim.addr(), ok), "[0,0]");
    // Waiting "forever" for what already happened returns at once.
    assert!(sim.wait_for_messages(2, Duration::MAX));
    drop(held);
    sim.shutdown().unwrap();
}

#[test]
fn idle_and_unfinished_connections_are_closed_without_answer() {
    let sim = CloudSim::builder()
        .idle_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let silent = connect(sim.addr());
    let mut partial = connect(sim.addr());
    partial.write_all(b"{\"k\": \"12345678\", \"d\": ").unwrap();
    assert_eq!(read_reply(silent), "");
    assert_eq!(read_reply(partial), "");
    assert!(sim.wait_for_stats(PATIENCE, |s| s.idle_closed == 2));
    // Connecting and closing at once gets no answer and is no request.
    drop(connect(sim.addr()));
    assert_eq!(
        send(sim.addr(), b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r"),
        "[0,0]"
    );
    assert_eq!(sim.stats().requests, 1);
}

#[test]
fn a_trickling_request_is_cut_off() {
    let idle = Duration::from_millis(100);
    let sim = CloudSim::builder().idle_timeout(idle).start().unwrap();
    let s = connect(sim.addr());
    let mut writer = s.try_clone().unwrap();
    let started = Instant::now();
    let trickle = std::thread::spawn(move || {
        // Never idle for long, never complete; stops when the server closes.
        while started.elapsed() < PATIENCE {
            if writer.write_all(b"{").is_err() {
                break;
            }
            std::thread::sleep(idle / 4);
        }
    });
    assert_eq!(read_reply(s), "");
    // Cut off by the request time limit (12 idle timeouts: 1.2 s), long
    // before the writer would stop by itself.
    assert!(started.elapsed() < PATIENCE / 2, "{:?}", started.elapsed());
    trickle.join().unwrap();
    assert_eq!(sim.stats().idle_closed, 1);
}

#[test]
fn oversized_requests_get_2() {
    let sim = CloudSim::builder().max_request_bytes(1024).start().unwrap();
    let mut s = connect(sim.addr());
    // Never terminated, and bigger than the limit: refused without waiting.
    s.write_all(&[b'{'; 4096]).unwrap();
    assert_eq!(read_reply(s), "[2,0]");
    // A request just under the limit is fine.
    let data = "x".repeat(900);
    let payload = format!("{{\"k\": \"12345678\", \"d\": \"{data}\"}}\r\r");
    assert_eq!(send(sim.addr(), payload.as_bytes()), "[0,0]");
}

#[test]
fn bytes_after_the_request_are_drained_not_reset() {
    let sim = start();
    let mut s = connect(sim.addr());
    s.write_all(b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r")
        .unwrap();
    let mut reply = [0u8; 5];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"[0,0]");
    // The client still writes after the answer: the simulator discards it.
    let _ = s.write_all(b"\r\rmore bytes");
    assert_eq!(read_reply(s), "");
    assert_eq!(sim.messages().len(), 1);
}

#[test]
fn connections_beyond_the_limit_wait_and_are_served_never_closed_unanswered() {
    let sim = CloudSim::builder().max_connections(2).start().unwrap();
    let a = connect(sim.addr());
    let b = connect(sim.addr());
    assert!(sim.wait_for_stats(PATIENCE, |s| s.connections == 2));
    // A third waits in the listen queue: its request is not read yet.
    let mut c = connect(sim.addr());
    c.write_all(b"{\"k\": \"12345678\", \"d\": \"third\"}\r\r")
        .unwrap();
    assert!(sim.wait_for_stats(PATIENCE, |s| s.limit_reached == 1));
    assert_eq!(sim.stats().connections, 2, "not accepted at the limit");
    // Room again: the waiting connection is accepted and answered (an
    // accept-and-close at the limit would have given it an empty reply).
    drop((a, b));
    assert_eq!(read_reply(c), "[0,0]");
    assert!(sim.wait_for_messages(1, PATIENCE));
    assert_eq!(sim.messages()[0].data, "third");
    let stats = sim.stats();
    assert_eq!((stats.connections, stats.accepted), (3, 1));
}

#[test]
fn the_reply_form_knob_answers_json_or_digits_to_everything() {
    let message: &[u8] = b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r";
    let sms: &[u8] = b"S12345678+11234567890 hi\r\r";
    let bad_sms: &[u8] = b"S12345678 no destination\r\r";
    for (form, expected) in [
        (ReplyForm::Native, ["[0,0]", "00", "20"]),
        (ReplyForm::Json, ["[0,0]", "[0,0]", "[2,0]"]),
        (ReplyForm::Digits, ["00", "00", "20"]),
    ] {
        let sim = CloudSim::builder().reply_form(form).start().unwrap();
        let got = [message, sms, bad_sms].map(|r| send(sim.addr(), r));
        assert_eq!(got, expected, "{form}");
        // A fault's code comes in the same form.
        sim.push_fault(Fault::Answer(ResultCode::CloudInternal), 1);
        let expected = if form == ReplyForm::Json {
            "[6,0]"
        } else {
            "60"
        };
        assert_eq!(send(sim.addr(), sms), expected, "{form}");
    }
    assert_eq!("digits".parse::<ReplyForm>(), Ok(ReplyForm::Digits));
    assert!("xml"
        .parse::<ReplyForm>()
        .unwrap_err()
        .contains("native, json or digits"));
}

#[test]
fn the_records_kept_are_bounded_in_count_and_bytes() {
    let sim = CloudSim::builder()
        .record_limit(3)
        .record_bytes(3300)
        .start()
        .unwrap();
    for i in 0..5 {
        let m = format!("{{\"k\": \"12345678\", \"d\": \"m{i}\"}}\r\r");
        assert_eq!(send(sim.addr(), m.as_bytes()), "[0,0]");
    }
    assert!(sim.wait_for_messages(5, PATIENCE));
    let data: Vec<String> = sim.messages().into_iter().map(|m| m.data).collect();
    assert_eq!(data, ["m2", "m3", "m4"], "the newest three");
    // One large message pushes out all that no longer fit the bytes.
    let big = "x".repeat(3000);
    let m = format!("{{\"k\": \"12345678\", \"d\": \"{big}\"}}\r\r");
    assert_eq!(send(sim.addr(), m.as_bytes()), "[0,0]");
    assert!(sim.wait_for_messages(6, PATIENCE));
    let data: Vec<usize> = sim.messages().into_iter().map(|m| m.data.len()).collect();
    // Each record weighs its text plus 128: 3136 for the large one and 138
    // for the others, so only one of those fits beside it in 3300.
    assert_eq!(data, [2, 3000]);
}

#[test]
fn a_devices_file_must_be_a_small_regular_file_with_short_lines() {
    let dir = tempfile::tempdir().unwrap();
    let problem = |path: &std::path::Path| {
        CloudSim::builder()
            .devices_file(path)
            .unwrap_err()
            .to_string()
    };
    // Devices, directories and FIFOs are refused without being opened for a
    // read that would never end (or, for a FIFO, never start).
    assert!(problem("/dev/zero".as_ref()).contains("not a regular file"));
    assert!(problem(dir.path()).contains("not a regular file"));
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    assert!(problem(&fifo).contains("not a regular file"));

    let big = dir.path().join("big.hjson");
    std::fs::write(&big, vec![b' '; MAX_DEVICES_FILE_BYTES as usize + 1]).unwrap();
    assert!(problem(&big).contains("larger than 1048576 bytes"));

    let long = dir.path().join("long.hjson");
    let line = format!("{{ devices: [] }} #{}\n", "x".repeat(MAX_DEVICES_FILE_LINE));
    std::fs::write(&long, format!("# devices\n{line}")).unwrap();
    assert!(problem(&long).contains("line 2 is longer than 4096 bytes"));

    let fine = dir.path().join("fine.hjson");
    std::fs::write(&fine, "{ devices: [ { devicekey: \"12345678\" } ] }\n").unwrap();
    assert!(CloudSim::builder().devices_file(&fine).is_ok());
}

#[test]
fn two_hundred_concurrent_clients_lose_nothing() {
    const CLIENTS: usize = 200;
    let sim = start();
    let addr = sim.addr();
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut s = connect(addr);
                barrier.wait();
                let payload = format!(
                    "{{\"k\": \"dev{i:05}\", \"d\": \"message {i}\", \"t\": [\"load\"]}}\r\r"
                );
                s.write_all(payload.as_bytes()).unwrap();
                read_reply(s)
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), "[0,0]");
    }
    assert!(sim.wait_for_messages(CLIENTS, PATIENCE));
    let messages = sim.messages();
    assert_eq!(messages.len(), CLIENTS);
    let data: BTreeSet<String> = messages.iter().map(|m| m.data.clone()).collect();
    let expected: BTreeSet<String> = (0..CLIENTS).map(|i| format!("message {i}")).collect();
    assert_eq!(data, expected);
    let stats = sim.stats();
    assert_eq!(
        (stats.connections, stats.accepted, stats.limit_reached),
        (200, 200, 0)
    );
}

#[test]
fn records_are_json_lines_and_reach_the_callback() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let sim = CloudSim::builder()
        .bind()
        .unwrap()
        .spawn_with(move |r: &Record| sink.lock().unwrap().push(r.to_json_line()))
        .unwrap();
    send(
        sim.addr(),
        b"{\"k\": \"12345678\", \"d\": \"a\\nb\", \"t\": \"x\"}\r\r",
    );
    send(sim.addr(), b"S12345678+15550000 hi\r\r");
    assert!(sim.wait_for_sms(1, PATIENCE));
    sim.shutdown().unwrap();
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert!(!line.contains('\n'));
        assert!(!line.contains("5678"), "{line}");
    }
    let m: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(m["type"], "message");
    assert_eq!(m["device"], "1234****");
    assert_eq!(m["auth"], "k");
    assert_eq!(m["data"], "a\nb");
    assert_eq!(m["topics"], serde_json::json!(["x"]));
    assert!(m["metadata"].is_null());
    assert!(m["time"].as_f64().unwrap() > 1.6e9);
    let s: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(s["type"], "sms");
    assert_eq!(s["destination"], "+15550000");
    assert_eq!(s["text"], "hi");
}

#[test]
fn shutdown_stops_listening_and_bind_errors_are_typed() {
    let sim = start();
    let addr = sim.addr();
    // Taking a port that is in use fails with a typed error naming it.
    let err = CloudSim::builder().addr(addr).bind().unwrap_err();
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    sim.shutdown().unwrap();
    assert!(TcpStream::connect(addr).is_err());
    // Dropping a running handle stops it too.
    let sim = start();
    let addr = sim.addr();
    drop(sim);
    assert!(TcpStream::connect(addr).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Arbitrary bytes never crash the server: each connection gets
    /// `[n,0]` (`n0` to what starts like an SMS or TOTP payload) or a close,
    /// and the server keeps answering.
    #[test]
    fn arbitrary_bytes_get_a_code_or_a_close(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        terminate in any::<bool>(),
    ) {
        static SIM: std::sync::OnceLock<CloudSimHandle> = std::sync::OnceLock::new();
        let sim = SIM.get_or_init(|| {
            CloudSim::builder().max_request_bytes(256).start().unwrap()
        });
        let mut s = connect(sim.addr());
        // The server may answer (and close) before everything is written.
        let _ = s.write_all(&bytes);
        if terminate {
            let _ = s.write_all(b"\r\r");
        }
        let _ = s.shutdown(Shutdown::Write);
        let reply = read_reply(s);
        let is_json = reply.strip_prefix('[')
            .and_then(|r| r.strip_suffix(",0]"))
            .is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()));
        let is_digits = matches!(bytes.first(), Some(b'S' | b'C'))
            && reply.len() == 2
            && reply.ends_with('0')
            && reply.as_bytes()[0].is_ascii_digit();
        let is_code = if matches!(bytes.first(), Some(b'S' | b'C')) { is_digits } else { is_json };
        prop_assert!(reply.is_empty() || is_code, "reply {:?}", reply);
        prop_assert_eq!(send(sim.addr(), b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r"), "[0,0]");
    }
}
