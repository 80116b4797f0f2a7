//! The Hologram cloud's result codes and the parser for its reply.

use std::fmt;

/// The code the Hologram cloud answers a message with (`[code,0]`).
///
/// ```
/// use hologram_ports::ResultCode;
/// let code = ResultCode::parse_reply(b"[0,0]").unwrap();
/// assert_eq!(code, ResultCode::Sent);
/// assert!(code.is_success());
/// assert_eq!(code.description(), "Message sent successfully");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultCode {
    /// 0: the message was sent.
    Sent,
    /// 1: the connection closed before the whole message was read; the
    /// message may be fine, and this counts as success.
    ConnectionClosed,
    /// 2: the cloud could not parse the message.
    Unparseable,
    /// 3: the authentication section was invalid.
    BadAuth,
    /// 4: the payload type was invalid.
    BadPayloadType,
    /// 5: the protocol type was invalid.
    BadProtocol,
    /// 6: an internal error in the cloud; worth retrying.
    CloudInternal,
    /// 7: the metadata was formatted incorrectly.
    BadMetadata,
    /// 8: a topic was formatted incorrectly.
    BadTopic,
    /// Any other code.
    Unknown(i64),
}

impl ResultCode {
    /// Every known code, in numeric order.
    pub const KNOWN: [ResultCode; 9] = [
        ResultCode::Sent,
        ResultCode::ConnectionClosed,
        ResultCode::Unparseable,
        ResultCode::BadAuth,
        ResultCode::BadPayloadType,
        ResultCode::BadProtocol,
        ResultCode::CloudInternal,
        ResultCode::BadMetadata,
        ResultCode::BadTopic,
    ];

    /// The code for a number.
    pub fn from_code(code: i64) -> Self {
        match code {
            0..=8 => Self::KNOWN[code as usize],
            other => ResultCode::Unknown(other),
        }
    }

    /// The number on the wire.
    pub fn code(self) -> i64 {
        match self {
            ResultCode::Sent => 0,
            ResultCode::ConnectionClosed => 1,
            ResultCode::Unparseable => 2,
            ResultCode::BadAuth => 3,
            ResultCode::BadPayloadType => 4,
            ResultCode::BadProtocol => 5,
            ResultCode::CloudInternal => 6,
            ResultCode::BadMetadata => 7,
            ResultCode::BadTopic => 8,
            ResultCode::Unknown(c) => c,
        }
    }

    /// The description the Python SDK gives for the code.
    pub fn description(self) -> &'static str {
        match self {
            ResultCode::Sent => "Message sent successfully",
            ResultCode::ConnectionClosed => {
                "Connection was closed so we couldn't read the whole message"
            }
            ResultCode::Unparseable => "Failed to parse the message",
            ResultCode::BadAuth => "Auth section of the message was invalid",
            ResultCode::BadPayloadType => "Payload type was invalid",
            ResultCode::BadProtocol => "Protocol type was invalid",
            ResultCode::CloudInternal => "Internal error in Hologram Cloud",
            ResultCode::BadMetadata => "Metadata was formatted incorrectly",
            ResultCode::BadTopic => "Topic was formatted incorrectly",
            ResultCode::Unknown(_) => "Unknown error",
        }
    }

    /// Codes 0 and 1 count as success.
    pub fn is_success(self) -> bool {
        matches!(self, ResultCode::Sent | ResultCode::ConnectionClosed)
    }

    /// Whether sending the same message again may succeed (code 6 only).
    pub fn is_retryable(self) -> bool {
        matches!(self, ResultCode::CloudInternal)
    }

    /// Parses the cloud's reply. The cloud answers in two forms (as the
    /// reference SDK reads them), and both are accepted for any payload:
    ///
    /// - a JSON list whose first element is the code, `[0,0]` (the answer to
    ///   a CSRPSK message); every element must be an integer;
    /// - a run of ASCII digits, one per element, whose first digit is the
    ///   code, `00` or `30` (the answer to an SMS and to a TOTP payload).
    ///
    /// Whitespace around the reply (a trailing CR/LF, say) is ignored.
    /// Nothing but whitespace is [`ReplyError::Empty`]; anything else is
    /// [`ReplyError::Malformed`], showing the reply cut short.
    ///
    /// ```
    /// use hologram_ports::{ReplyError, ResultCode};
    /// assert_eq!(ResultCode::parse_reply(b"[3,0]"), Ok(ResultCode::BadAuth));
    /// assert_eq!(ResultCode::parse_reply(b"00\r\n"), Ok(ResultCode::Sent));
    /// assert_eq!(ResultCode::parse_reply(b" \r\n"), Err(ReplyError::Empty));
    /// assert!(matches!(ResultCode::parse_reply(b"OK"), Err(ReplyError::Malformed { .. })));
    /// ```
    pub fn parse_reply(reply: &[u8]) -> Result<ResultCode, ReplyError> {
        // The answers to nearly every message, recognised without parsing.
        if reply == b"[0,0]" || reply == b"00" {
            return Ok(ResultCode::Sent);
        }
        let text = reply.trim_ascii();
        match text.first() {
            None => Err(ReplyError::Empty),
            Some(b'[') => parse_list(text).ok_or_else(|| ReplyError::malformed(reply)),
            Some(d) if text.iter().all(u8::is_ascii_digit) => {
                Ok(ResultCode::from_code(i64::from(d - b'0')))
            }
            Some(_) => Err(ReplyError::malformed(reply)),
        }
    }
}

/// `[a, b, ...]`: integers only, at least one; the first is the code.
fn parse_list(text: &[u8]) -> Option<ResultCode> {
    let inner = text.strip_prefix(b"[")?.strip_suffix(b"]")?;
    let mut fields = inner.split(|&b| b == b',');
    let code = parse_int(fields.next()?)?;
    for field in fields {
        parse_int(field)?;
    }
    Some(ResultCode::from_code(code))
}

fn parse_int(field: &[u8]) -> Option<i64> {
    let field = field.trim_ascii();
    let (negative, digits) = match field.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, field),
    };
    // 18 digits always fit an i64: no overflow to check.
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    Some(if negative { -value } else { value })
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.description())
    }
}

/// The cloud's reply could not be read as a result code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Nothing but whitespace was received.
    #[error("the reply was empty")]
    Empty,
    /// The reply is neither a JSON list of integers nor a run of digits.
    #[error("the reply is neither a [code,...] list nor a run of digits: {received:?}")]
    Malformed {
        /// What was received, cut to [`ReplyError::SHOWN_BYTES`] bytes and shown
        /// lossily (invalid UTF-8 as U+FFFD).
        received: String,
    },
}

impl ReplyError {
    /// How many bytes of a malformed reply [`ReplyError::Malformed`] shows.
    pub const SHOWN_BYTES: usize = 64;

    /// A [`ReplyError::Malformed`] showing `reply` cut short.
    pub fn malformed(reply: &[u8]) -> Self {
        let cut = &reply[..reply.len().min(Self::SHOWN_BYTES)];
        ReplyError::Malformed {
            received: String::from_utf8_lossy(cut).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn malformed(reply: &[u8]) -> bool {
        matches!(
            ResultCode::parse_reply(reply),
            Err(ReplyError::Malformed { .. })
        )
    }

    #[test]
    fn every_code_round_trips_in_both_forms() {
        for code in 0..=8 {
            let parsed = ResultCode::parse_reply(format!("[{code},0]").as_bytes()).unwrap();
            assert_eq!(parsed.code(), code);
            assert_eq!(parsed.is_success(), code <= 1);
            assert_eq!(
                ResultCode::parse_reply(format!("{code}0").as_bytes()),
                Ok(parsed)
            );
            assert_eq!(
                ResultCode::parse_reply(format!("{code}").as_bytes()),
                Ok(parsed)
            );
        }
        assert_eq!(
            ResultCode::parse_reply(b" [42, 0]\r\n"),
            Ok(ResultCode::Unknown(42))
        );
        assert_eq!(ResultCode::parse_reply(b"[3]"), Ok(ResultCode::BadAuth));
        assert_eq!(ResultCode::parse_reply(b"90"), Ok(ResultCode::Unknown(9)));
        assert_eq!(
            ResultCode::parse_reply(b"10\n"),
            Ok(ResultCode::ConnectionClosed)
        );
    }

    #[test]
    fn empty_and_malformed_replies_are_told_apart() {
        for empty in [&b""[..], b" ", b"\r\n", b" \t\r\n  "] {
            assert_eq!(ResultCode::parse_reply(empty), Err(ReplyError::Empty));
        }
        for bad in [
            &b"OK"[..],
            b"[a,0]",
            b"[]",
            b"[0,0",
            b"0,0]",
            b"[0,0]x",
            b"0 0",
            b"00x",
            b"-1",
            b"+0",
            b"[99999999999999999999,0]",
        ] {
            assert!(malformed(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn malformed_shows_the_reply_cut_short() {
        match ResultCode::parse_reply(&[b'x'; 500]) {
            Err(ReplyError::Malformed { received }) => {
                assert_eq!(received, "x".repeat(ReplyError::SHOWN_BYTES))
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = ResultCode::parse_reply(b"\xffOK").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the reply is neither a [code,...] list nor a run of digits: \"\u{fffd}OK\""
        );
    }

    /// The `reply_forms` of the shipped wire vectors: each reply and the
    /// code a client must read from it (`null`: none).
    #[test]
    fn the_reply_forms_of_the_wire_vectors() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../conformance-tests/vectors/wire-vectors.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        let forms = vectors["reply_forms"].as_array().expect("reply_forms");
        assert!(forms.len() >= 11, "{} reply forms", forms.len());
        for form in forms {
            let reply = form["reply"].as_str().unwrap().as_bytes();
            let parsed = ResultCode::parse_reply(reply);
            match form["code"].as_i64() {
                Some(code) => assert_eq!(parsed.map(ResultCode::code), Ok(code), "{form}"),
                None if reply.trim_ascii().is_empty() => {
                    assert_eq!(parsed, Err(ReplyError::Empty), "{form}")
                }
                None => assert!(malformed(reply), "{form}: {parsed:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            match ResultCode::parse_reply(&bytes) {
                Ok(_) => {}
                Err(ReplyError::Empty) => prop_assert!(bytes.trim_ascii().is_empty()),
                Err(ReplyError::Malformed { received }) => {
                    prop_assert!(received.chars().count() <= ReplyError::SHOWN_BYTES)
                }
            }
        }

        #[test]
        fn any_json_list_of_integers_gives_its_first(
            code in -999_999i64..999_999,
            rest in proptest::collection::vec(-99i64..99, 0..4),
            pad in "[ \t\r\n]{0,3}",
        ) {
            let mut reply = format!("{pad}[{code}");
            for r in rest {
                reply.push_str(&format!(",{pad}{r}"));
            }
            reply.push(']');
            reply.push_str(&pad);
            prop_assert_eq!(ResultCode::parse_reply(reply.as_bytes()).unwrap().code(), code);
        }

        #[test]
        fn any_run_of_digits_gives_its_first(digits in "[0-9]{1,40}", tail in "[ \r\n]{0,3}") {
            let reply = format!("{digits}{tail}");
            let first = i64::from(digits.as_bytes()[0] - b'0');
            prop_assert_eq!(ResultCode::parse_reply(reply.as_bytes()).unwrap().code(), first);
        }
    }
}
