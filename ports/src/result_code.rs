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

    /// Parses the cloud's reply, `[code,0]`: a JSON array of integers whose
    /// first element is the code. Surrounding ASCII whitespace is ignored.
    pub fn parse_reply(reply: &[u8]) -> Result<ResultCode, ReplyError> {
        // The answer to nearly every message, recognised without parsing.
        if reply == b"[0,0]" {
            return Ok(ResultCode::Sent);
        }
        let text = reply.trim_ascii();
        if text.is_empty() {
            return Err(ReplyError::Empty);
        }
        let inner = text
            .strip_prefix(b"[")
            .and_then(|t| t.strip_suffix(b"]"))
            .ok_or(ReplyError::NotAnArray)?;
        let mut fields = inner.split(|&b| b == b',');
        let code = parse_int(fields.next().unwrap_or_default())?;
        for field in fields {
            parse_int(field)?;
        }
        Ok(ResultCode::from_code(code))
    }
}

fn parse_int(field: &[u8]) -> Result<i64, ReplyError> {
    let field = field.trim_ascii();
    let (negative, digits) = match field.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, field),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ReplyError::NotAnInteger);
    }
    let value = digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    Ok(if negative { -value } else { value })
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.description())
    }
}

/// The cloud's reply could not be read as `[code,0]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Nothing but whitespace was received.
    #[error("the reply was empty")]
    Empty,
    /// The reply is not enclosed in `[` and `]`.
    #[error("the reply is not a [code,0] array")]
    NotAnArray,
    /// An element of the array is not an integer.
    #[error("the reply holds something other than integers")]
    NotAnInteger,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_code_round_trips() {
        for code in 0..=8 {
            let reply = format!("[{code},0]");
            let parsed = ResultCode::parse_reply(reply.as_bytes()).unwrap();
            assert_eq!(parsed.code(), code);
            assert_eq!(parsed.is_success(), code <= 1);
        }
        assert_eq!(
            ResultCode::parse_reply(b" [42, 0]\r\n"),
            Ok(ResultCode::Unknown(42))
        );
        assert_eq!(ResultCode::parse_reply(b"[3]"), Ok(ResultCode::BadAuth));
    }

    #[test]
    fn malformed_replies_rejected() {
        assert_eq!(ResultCode::parse_reply(b""), Err(ReplyError::Empty));
        assert_eq!(ResultCode::parse_reply(b"OK"), Err(ReplyError::NotAnArray));
        assert_eq!(
            ResultCode::parse_reply(b"[a,0]"),
            Err(ReplyError::NotAnInteger)
        );
        assert_eq!(
            ResultCode::parse_reply(b"[]"),
            Err(ReplyError::NotAnInteger)
        );
        assert_eq!(
            ResultCode::parse_reply(b"[99999999999999999999,0]"),
            Err(ReplyError::NotAnInteger)
        );
    }

    proptest! {
        #[test]
        fn arbitrary_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = ResultCode::parse_reply(&bytes);
        }

        #[test]
        fn any_integer_code_parses(code in -999_999i64..999_999, extra in 0i64..10) {
            let reply = format!("[{code},{extra}]");
            prop_assert_eq!(ResultCode::parse_reply(reply.as_bytes()).unwrap().code(), code);
        }
    }
}
