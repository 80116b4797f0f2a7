use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use super::*;

/// A port that hands out scripted chunks, one per read, and records
/// writes. Each write releases the next scripted answer, as a modem answers
/// only once asked; `free` chunks are there from the start (URCs).
struct Script {
    reads: VecDeque<io::Result<Vec<u8>>>,
    answers: VecDeque<Vec<Vec<u8>>>,
    written: Arc<Mutex<Vec<u8>>>,
}

impl Port for Script {
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        match self.reads.pop_front() {
            Some(Ok(mut chunk)) => {
                let n = chunk.len().min(buf.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                if n < chunk.len() {
                    self.reads.push_front(Ok(chunk.split_off(n)));
                }
                Ok(n)
            }
            Some(Err(e)) => Err(e),
            None => {
                std::thread::sleep(timeout.min(Duration::from_millis(1)));
                Ok(0)
            }
        }
    }
    fn write_all(&mut self, data: &[u8], _: Duration) -> io::Result<()> {
        self.written.lock().unwrap().extend_from_slice(data);
        if let Some(answer) = self.answers.pop_front() {
            self.reads.extend(answer.into_iter().map(Ok));
        }
        Ok(())
    }
}

fn scripted(free: &[&[u8]], answers: &[&[&[u8]]]) -> (AtChannel, Arc<Mutex<Vec<u8>>>) {
    let written = Arc::new(Mutex::new(Vec::new()));
    let port = Script {
        reads: free.iter().map(|c| Ok(c.to_vec())).collect(),
        answers: answers
            .iter()
            .map(|a| a.iter().map(|c| c.to_vec()).collect())
            .collect(),
        written: written.clone(),
    };
    (AtChannel::new(Box::new(port)), written)
}

/// One command answered with `chunks`.
fn channel(chunks: &[&[u8]]) -> (AtChannel, Arc<Mutex<Vec<u8>>>) {
    scripted(&[], &[chunks])
}

const T: Duration = Duration::from_secs(5);

#[test]
fn answer_with_echo_and_urc_in_the_middle() {
    let (mut at, written) = channel(&[
        b"AT+CSQ\r\r\n+CSQ: 1",
        b"7,99\r\n+UUSORD: 0,5\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
    ]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    at.on_urc("+UUSORD", move |u| s.lock().unwrap().push(u.to_owned()));
    let r = at.command("AT+CSQ", T).unwrap();
    assert_eq!(r.value("+CSQ"), Some("20,99"));
    assert_eq!(*seen.lock().unwrap(), ["+UUSORD: 0,5"]);
    assert_eq!(*written.lock().unwrap(), b"AT+CSQ\r");
    assert_eq!(at.stats().urcs, 1);
}

#[test]
fn bare_answers_and_unhandled_urcs_are_kept() {
    let (mut at, _) = channel(&[b"\r\n+CEREG: 5\r\n310410123456789\r\nOK\r\n"]);
    let r = at.command("AT+CIMI", T).unwrap();
    assert_eq!(r.bare(), Some("310410123456789"));
    assert_eq!(at.take_urcs(), ["+CEREG: 5"]);
}

#[test]
fn errors_are_typed() {
    let (mut at, _) = scripted(
        &[],
        &[
            &[b"\r\n+CME ERROR: 10\r\n"],
            &[b"\r\nERROR\r\n"],
            &[b"\r\n+CMS ERROR: 500\r\n"],
            &[b"\r\nNO CARRIER\r\n"],
        ],
    );
    let e = at.command("AT+CCID", T).unwrap_err();
    assert_eq!(e.cme_code(), Some(10));
    assert!(e.to_string().contains("SIM not inserted"), "{e}");
    assert!(matches!(at.command("AT+X", T), Err(AtError::Error { .. })));
    assert!(matches!(
        at.command("AT+CMGS=1", T),
        Err(AtError::Cms { .. })
    ));
    assert!(matches!(
        at.command("ATD*99#", T),
        Err(AtError::Other { .. })
    ));
    assert_eq!(at.consecutive_failures(), 0);
}

#[test]
fn timeout_and_io_errors_count_as_failures() {
    let (mut at, _) = channel(&[b"+CSQ: 1,1\r\n"]);
    let e = at.command("AT+CSQ", Duration::from_millis(20)).unwrap_err();
    assert!(matches!(e, AtError::Timeout { .. }), "{e:?}");
    assert!(e.is_channel_failure());
    assert_eq!(at.consecutive_failures(), 1);

    let written = Arc::new(Mutex::new(Vec::new()));
    let port = Script {
        reads: [Err(io::Error::from_raw_os_error(5))].into_iter().collect(),
        answers: VecDeque::new(),
        written,
    };
    let mut at = AtChannel::new(Box::new(port));
    let e = at.command("AT", T).unwrap_err();
    assert!(matches!(e, AtError::Io { .. }), "{e:?}");
    assert_eq!(at.consecutive_failures(), 1);
}

#[test]
fn a_late_answer_is_not_taken_for_the_next_command() {
    // The first command times out; its answer arrives before the second
    // command is sent and must be set aside.
    let (mut at, _) = scripted(&[], &[&[], &[b"SARA-U201\r\nOK\r\n"]]);
    assert!(at.command("AT+CGMM", Duration::from_millis(5)).is_err());
    // The stale answer is released after the second write here; make it
    // arrive before instead: it is in the port before the next command.
    let (mut at, _) = scripted(&[b"SARA-U201\r\nOK\r\n"], &[&[]]);
    let e = at.command("AT+CGMI", Duration::from_millis(5)).unwrap_err();
    assert!(matches!(e, AtError::Timeout { .. }));
    assert_eq!(at.stats().stray_lines, 2);
}

#[test]
fn prompt_then_data() {
    let (mut at, written) = channel(&[b"\r\n> ", b"\r\n+USOWR: 0,3\r\nOK\r\n"]);
    let r = at.command_with_data("AT+USOWR=0,3", b"abc", T).unwrap();
    assert_eq!(r.value("+USOWR"), Some("0,3"));
    assert_eq!(*written.lock().unwrap(), b"AT+USOWR=0,3\rabc");
}

#[test]
fn a_megabyte_line_is_cut_and_the_answer_still_arrives() {
    let big = vec![b'7'; 1 << 20];
    let (mut at, _) = channel(&[b"\r\n", &big, b"\r\n+CSQ: 9,9\r\nOK\r\n"]);
    let r = at.command("AT+CSQ", T).unwrap();
    assert_eq!(r.value("+CSQ"), Some("9,9"));
    assert_eq!(at.stats().cut_lines, 1);
}

#[test]
fn invalid_commands_are_refused_and_pins_masked() {
    let (mut at, written) = channel(&[]);
    assert!(matches!(at.command("CSQ", T), Err(AtError::Invalid { .. })));
    let e = at.command("AT+CPIN=\"1234\"\r", T).unwrap_err();
    assert!(!e.to_string().contains("1234"), "{e}");
    assert!(written.lock().unwrap().is_empty());
    assert_eq!(masked("AT+CPIN=\"1234\""), "AT+CPIN=***");
    assert_eq!(masked("AT+CSQ"), "AT+CSQ");
}

#[test]
fn urcs_between_commands_and_wait_urc() {
    let (mut at, _) = scripted(&[b"+UUSORD: 0,2\r\n", b"+CMTI: \"ME\",1\r\n"], &[]);
    let u = at.wait_urc("+CMTI", T).unwrap();
    assert_eq!(u, "+CMTI: \"ME\",1");
    assert_eq!(at.take_urcs(), ["+UUSORD: 0,2"]);
    let e = at.wait_urc("+UULOC", Duration::from_millis(5)).unwrap_err();
    assert!(matches!(e, AtError::Timeout { .. }));
}

#[test]
fn prefixes() {
    assert_eq!(response_prefix("AT+CSQ").as_deref(), Some("+CSQ"));
    assert_eq!(response_prefix("AT+cops?").as_deref(), Some("+COPS"));
    assert_eq!(response_prefix("AT+UDOPN=12").as_deref(), Some("+UDOPN"));
    assert_eq!(response_prefix("AT^ICCID?").as_deref(), Some("^ICCID"));
    assert_eq!(response_prefix("ATI9"), None);
}

fn urc_line() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..7, 0u16..1500).prop_map(|(s, n)| format!("+UUSORD: {s},{n}")),
        (0u8..7).prop_map(|s| format!("+UUSOCL: {s}")),
        (0u16..50).prop_map(|i| format!("+CMTI: \"ME\",{i}")),
        (0u8..6).prop_map(|s| format!("+CEREG: {s}")),
        (0u8..12, 0u16..1500).prop_map(|(s, n)| format!("+QIURC: \"recv\",{s},{n}")),
        Just("+UULOC: 01/12/2026,10:00:00.000,52.5,13.4,0,50".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never panic the splitter or the engine.
    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8)) {
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let (mut at, _) = scripted(&refs[..refs.len() / 2], &[&refs[refs.len() / 2..]]);
        let _ = at.command("AT+CSQ", Duration::from_millis(2));
        let _ = at.poll_urcs(Duration::ZERO);
        let mut s = LineSplitter::new(64);
        let mut out = Vec::new();
        for c in &chunks { s.push(c, &mut out); }
        for p in &out {
            match p {
                Piece::Line(l) => prop_assert!(!l.is_empty() && !l.contains(['\r', '\n'])),
                Piece::Overlong { len, .. } => prop_assert!(*len > 64),
            }
        }
    }

    /// URCs interleaved anywhere in an answer, split at arbitrary points:
    /// the final result arrives, every URC is dispatched once, in order, and
    /// the answer's own lines are intact.
    #[test]
    fn interleaved_urcs_never_lose_the_final(
        urcs in prop::collection::vec((urc_line(), 0usize..4), 0..10),
        answer in prop::collection::vec("[A-Za-z0-9 ,.]{1,20}", 0..3),
        fin in prop_oneof![Just("OK"), Just("ERROR"), Just("+CME ERROR: 3"), Just("+CMS ERROR: 331")],
        cuts in prop::collection::vec(1usize..40, 0..20),
        echo in any::<bool>(),
    ) {
        let mut body: Vec<String> = answer.iter().map(|a| format!("+CSQ: {a}")).collect();
        for (urc, at) in &urcs {
            let at = (*at).min(body.len());
            body.insert(at, urc.clone());
        }
        let mut bytes = Vec::new();
        if echo { bytes.extend_from_slice(b"AT+CSQ\r"); }
        for l in &body { bytes.extend_from_slice(format!("\r\n{l}\r\n").as_bytes()); }
        bytes.extend_from_slice(format!("\r\n{fin}\r\n").as_bytes());
        let mut chunks = Vec::new();
        let mut rest = bytes.as_slice();
        for c in cuts {
            if rest.is_empty() { break; }
            let (a, b) = rest.split_at(c.min(rest.len()));
            chunks.push(a.to_vec());
            rest = b;
        }
        chunks.push(rest.to_vec());
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let (mut at, _) = channel(&refs);
        let seen = Arc::new(Mutex::new(Vec::new()));
        for p in ["+UUSORD", "+UUSOCL", "+CMTI", "+CEREG", "+QIURC", "+UULOC"] {
            let s = seen.clone();
            at.on_urc(p, move |u| s.lock().unwrap().push(u.to_owned()));
        }
        let r = at.command("AT+CSQ", Duration::from_secs(5));
        match fin {
            "OK" => {
                let r = r.unwrap();
                let want: Vec<String> = answer.iter().map(|a| format!("+CSQ: {a}")).collect();
                let got: Vec<String> = r.lines.iter().map(|l| l.trim().to_owned()).collect();
                prop_assert_eq!(got, want.iter().map(|w| w.trim().to_owned()).collect::<Vec<_>>());
            }
            _ => prop_assert!(r.is_err() && !r.unwrap_err().is_channel_failure()),
        }
        let want: Vec<String> = body.iter().filter(|l| !l.starts_with("+CSQ")).cloned().collect();
        prop_assert_eq!(&*seen.lock().unwrap(), &want);
        prop_assert_eq!(at.consecutive_failures(), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Noise lines (arbitrary bytes that do not form a line end or a final
    /// result) before, inside and after an answer: the final result still
    /// ends the command, and the answer's own line is still there.
    #[test]
    fn noise_never_hides_the_final(
        noise in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no line end", |b| *b != b'\r' && *b != b'\n'), 1..200), 0..6),
        at_line in 0usize..3,
    ) {
        let mut lines: Vec<Vec<u8>> = vec![b"+CSQ: 7,99".to_vec()];
        for (i, n) in noise.iter().enumerate() {
            let text = String::from_utf8_lossy(n);
            let t = text.trim_matches(|c: char| c == ' ' || c == '\0');
            if classify(t).is_some() {
                continue;
            }
            lines.insert((i + at_line).min(lines.len()), n.clone());
        }
        let mut bytes = Vec::new();
        for l in &lines {
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(l);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\nOK\r\n");
        let (mut at, _) = channel(&[&bytes]);
        let r = at.command("AT+CSQ", Duration::from_secs(5)).unwrap();
        prop_assert_eq!(r.value("+CSQ"), Some("7,99"));
        prop_assert_eq!(at.consecutive_failures(), 0);
    }
}
