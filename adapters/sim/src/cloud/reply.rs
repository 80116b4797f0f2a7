//! The form of the simulator's answers: as the real cloud, or one form to
//! everything.

use std::fmt;

use hologram_ports::ResultCode;

/// The form of the simulator's answers; see the [simulator's docs](super).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ReplyForm {
    /// As the real cloud: a JSON list (`[0,0]`) to a JSON (CSRPSK)
    /// message, a run of digits (`00`) to an SMS and to a TOTP payload.
    #[default]
    Native,
    /// `[<code>,0]` to everything.
    Json,
    /// `<code>0` to everything. The compact form has one digit per
    /// element: a code above 9 (a fault knob's) is answered as JSON.
    Digits,
}

impl ReplyForm {
    /// Every form, in the order `--help` lists them.
    pub const ALL: [ReplyForm; 3] = [ReplyForm::Native, ReplyForm::Json, ReplyForm::Digits];

    /// Its name: `native`, `json` or `digits`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyForm::Native => "native",
            ReplyForm::Json => "json",
            ReplyForm::Digits => "digits",
        }
    }

    /// The answer `code` to a request starting with `lead` gets.
    ///
    /// ```
    /// use hologram_ports::ResultCode;
    /// use hologram_sim::cloud::ReplyForm;
    /// assert_eq!(ReplyForm::Native.answer(ResultCode::Sent, Some(b'{')), b"[0,0]");
    /// assert_eq!(ReplyForm::Native.answer(ResultCode::BadAuth, Some(b'S')), b"30");
    /// assert_eq!(ReplyForm::Native.answer(ResultCode::Sent, Some(b'C')), b"00");
    /// assert_eq!(ReplyForm::Json.answer(ResultCode::Sent, Some(b'C')), b"[0,0]");
    /// assert_eq!(ReplyForm::Digits.answer(ResultCode::Sent, Some(b'{')), b"00");
    /// assert_eq!(ReplyForm::Digits.answer(ResultCode::Unknown(42), None), b"[42,0]");
    /// ```
    pub fn answer(self, code: ResultCode, lead: Option<u8>) -> Vec<u8> {
        let digits = match self {
            // SMS (`S...`) and TOTP (`C...`) payloads; anything else is
            // answered like a JSON message.
            ReplyForm::Native => matches!(lead, Some(b'S' | b'C')),
            ReplyForm::Json => false,
            ReplyForm::Digits => true,
        };
        match code.code() {
            c @ 0..=9 if digits => format!("{c}0").into_bytes(),
            c => format!("[{c},0]").into_bytes(),
        }
    }
}

impl fmt::Display for ReplyForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ReplyForm {
    type Err = String;

    /// `native`, `json` or `digits`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReplyForm::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a reply form: native, json or digits"))
    }
}
