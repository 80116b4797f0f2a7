//! Messages, topics and SMS: the values an application hands the SDK.

use std::fmt;

/// Longest topic the cloud accepts, in characters (topics must be under 32).
const MAX_TOPIC_LEN: usize = 31;
/// Longest SMS text, in characters.
const MAX_SMS_LEN: usize = 160;
/// Longest destination number, in digits (E.164).
const MAX_DESTINATION_DIGITS: usize = 15;

/// A topic was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// The topic is empty.
    #[error("a topic cannot be empty")]
    Empty,
    /// The topic has 32 characters or more.
    #[error("topic {topic:?} is {len} characters long; topics must be under 32")]
    TooLong {
        /// The topic, cut to 40 characters.
        topic: String,
        /// Its length in characters.
        len: usize,
    },
    /// The topic holds a character other than letters, digits, `-`, `_`, `/`.
    #[error("topic {topic:?} holds {found:?} at position {position}; only letters, digits, '-', '_' and '/' are allowed")]
    InvalidCharacter {
        /// The topic, cut to 40 characters.
        topic: String,
        /// The offending character.
        found: char,
        /// Its zero-based character position.
        position: usize,
    },
}

fn shown(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A message topic: 1 to 31 characters, only ASCII letters, digits, `-`,
/// `_` and `/`.
///
/// Stored inline (32 bytes, `Copy`): a topic never allocates.
///
/// ```
/// use hologram_ports::Topic;
/// assert!(Topic::new("sensor/temp").is_ok());
/// assert!(Topic::new("has space").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic {
    len: u8,
    bytes: [u8; MAX_TOPIC_LEN],
}

impl Topic {
    /// Validates and wraps a topic.
    pub fn new(topic: &str) -> Result<Self, TopicError> {
        if topic.is_empty() {
            return Err(TopicError::Empty);
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/');
        if !topic.bytes().all(allowed) {
            // The slow path, for the error only: count characters, not bytes.
            let (position, found) = topic
                .chars()
                .enumerate()
                .find(|&(_, c)| !c.is_ascii() || !allowed(c as u8))
                .unwrap_or((0, '?'));
            return Err(TopicError::InvalidCharacter {
                topic: shown(topic),
                found,
                position,
            });
        }
        // All characters are ASCII here, so bytes == characters.
        if topic.len() > MAX_TOPIC_LEN {
            return Err(TopicError::TooLong {
                topic: shown(topic),
                len: topic.len(),
            });
        }
        let mut bytes = [0; MAX_TOPIC_LEN];
        bytes[..topic.len()].copy_from_slice(topic.as_bytes());
        Ok(Topic {
            len: topic.len() as u8,
            bytes,
        })
    }

    /// The topic's bytes (ASCII), without the UTF-8 check `as_str` makes:
    /// what an encoder copies onto the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The length in bytes (= characters: topics are ASCII).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a topic has at least one character.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The topic text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored, so this cannot fail.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Topic({:?})", self.as_str())
    }
}

impl PartialOrd for Topic {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Topic {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl AsRef<str> for Topic {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::str::FromStr for Topic {
    type Err = TopicError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Topic::new(s)
    }
}

/// One message: its data and the topics it is filed under.
///
/// ```
/// use hologram_ports::{Message, Topic};
/// let m = Message::new("21.5C").with_topic(Topic::new("temp").unwrap());
/// assert_eq!(m.data(), "21.5C");
/// assert_eq!(m.topics().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    data: String,
    topics: Vec<Topic>,
}

impl Message {
    /// A message with no topics.
    pub fn new(data: impl Into<String>) -> Self {
        Message {
            data: data.into(),
            topics: Vec::new(),
        }
    }

    /// A message with topics given as strings, each validated.
    pub fn with_topic_strs<S: AsRef<str>>(
        data: impl Into<String>,
        topics: &[S],
    ) -> Result<Self, TopicError> {
        let topics = topics
            .iter()
            .map(|t| Topic::new(t.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Message {
            data: data.into(),
            topics,
        })
    }

    /// Replaces data and topics in place, reusing this message's buffers,
    /// so a sender that keeps one `Message` allocates nothing per message.
    /// On an invalid topic the message is left with no topics.
    pub fn refill<S: AsRef<str>>(&mut self, data: &str, topics: &[S]) -> Result<(), TopicError> {
        self.data.clear();
        self.data.push_str(data);
        self.topics.clear();
        for t in topics {
            match Topic::new(t.as_ref()) {
                Ok(topic) => self.topics.push(topic),
                Err(e) => {
                    self.topics.clear();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Adds one topic.
    pub fn with_topic(mut self, topic: Topic) -> Self {
        self.topics.push(topic);
        self
    }

    /// Replaces the topics.
    pub fn with_topics(mut self, topics: Vec<Topic>) -> Self {
        self.topics = topics;
        self
    }

    /// The message data.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The topics, in the order given.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }
}

/// An SMS destination or text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmsError {
    /// The destination does not start with `+`.
    #[error("SMS destination must start with '+' followed by the country code, e.g. +11234567890")]
    MissingPlus,
    /// The destination has no digits, too many, or something other than digits after `+`.
    #[error("SMS destination must be '+' followed by 1 to 15 digits")]
    InvalidDestination,
    /// The text is empty.
    #[error("SMS text cannot be empty")]
    EmptyText,
    /// The text is longer than 160 characters.
    #[error("SMS text is {len} characters long; the limit is 160")]
    TextTooLong {
        /// Its length in characters.
        len: usize,
    },
    /// The text holds a carriage return or NUL, which would end the frame early.
    #[error("SMS text cannot contain a carriage return or NUL character")]
    InvalidTextCharacter,
}

/// An SMS destination number: `+` then 1 to 15 digits.
///
/// ```
/// use hologram_ports::SmsDestination;
/// assert!(SmsDestination::new("+11234567890").is_ok());
/// assert!(SmsDestination::new("11234567890").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmsDestination(String);

impl SmsDestination {
    /// Validates a destination number.
    pub fn new(number: &str) -> Result<Self, SmsError> {
        let digits = number.strip_prefix('+').ok_or(SmsError::MissingPlus)?;
        if digits.is_empty()
            || digits.len() > MAX_DESTINATION_DIGITS
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(SmsError::InvalidDestination);
        }
        Ok(SmsDestination(number.to_owned()))
    }

    /// The number, with its `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SmsDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An SMS text: 1 to 160 characters, no carriage return or NUL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmsText(String);

impl SmsText {
    /// Validates an SMS text.
    pub fn new(text: &str) -> Result<Self, SmsError> {
        if text.is_empty() {
            return Err(SmsError::EmptyText);
        }
        let len = text.chars().count();
        if len > MAX_SMS_LEN {
            return Err(SmsError::TextTooLong { len });
        }
        if text.contains(['\r', '\0']) {
            return Err(SmsError::InvalidTextCharacter);
        }
        Ok(SmsText(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One SMS: where it goes and what it says.
///
/// ```
/// use hologram_ports::Sms;
/// let sms = Sms::new("+11234567890", "hey there!").unwrap();
/// assert_eq!(sms.text().as_str(), "hey there!");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    destination: SmsDestination,
    text: SmsText,
}

impl Sms {
    /// Validates both parts of an SMS.
    pub fn new(destination: &str, text: &str) -> Result<Self, SmsError> {
        Ok(Sms {
            destination: SmsDestination::new(destination)?,
            text: SmsText::new(text)?,
        })
    }

    /// The destination number.
    pub fn destination(&self) -> &SmsDestination {
        &self.destination
    }

    /// The text.
    pub fn text(&self) -> &SmsText {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn topic_edges() {
        assert!(Topic::new(&"a".repeat(31)).is_ok());
        assert!(matches!(
            Topic::new(&"a".repeat(32)),
            Err(TopicError::TooLong { len: 32, .. })
        ));
        assert_eq!(Topic::new(""), Err(TopicError::Empty));
        assert!(matches!(
            Topic::new("a b"),
            Err(TopicError::InvalidCharacter {
                found: ' ',
                position: 1,
                ..
            })
        ));
    }

    #[test]
    fn refill_reuses_the_message_and_topics_sort_as_text() {
        let mut m = Message::new(String::with_capacity(64));
        m.refill("first", &["b", "a"]).unwrap();
        assert_eq!((m.data(), m.topics().len()), ("first", 2));
        assert!(m.topics()[1] < m.topics()[0]);
        assert!(Topic::new("ab").unwrap() < Topic::new("b").unwrap());
        assert!(m.refill("second", &["ok", "not ok"]).is_err());
        assert_eq!((m.data(), m.topics().len()), ("second", 0));
        m.refill("third", &[] as &[&str]).unwrap();
        assert_eq!(m, Message::new("third"));
        assert_eq!(
            format!("{:?}", Topic::new("x/y").unwrap()),
            "Topic(\"x/y\")"
        );
    }

    #[test]
    fn sms_edges() {
        assert!(SmsText::new(&"x".repeat(160)).is_ok());
        assert_eq!(
            SmsText::new(&"x".repeat(161)),
            Err(SmsError::TextTooLong { len: 161 })
        );
        assert_eq!(SmsText::new(""), Err(SmsError::EmptyText));
        assert_eq!(SmsText::new("a\rb"), Err(SmsError::InvalidTextCharacter));
        assert_eq!(SmsDestination::new("123"), Err(SmsError::MissingPlus));
        assert_eq!(SmsDestination::new("+"), Err(SmsError::InvalidDestination));
        assert_eq!(
            SmsDestination::new("+12a"),
            Err(SmsError::InvalidDestination)
        );
        assert_eq!(
            SmsDestination::new(&format!("+{}", "1".repeat(16))),
            Err(SmsError::InvalidDestination)
        );
    }

    proptest! {
        #[test]
        fn valid_topics_accepted(t in "[A-Za-z0-9_/-]{1,31}") {
            let topic = Topic::new(&t).unwrap();
            prop_assert_eq!(topic.as_str(), t.as_str());
        }

        #[test]
        fn long_topics_rejected(t in "[A-Za-z0-9_/-]{32,80}") {
            let is_too_long = matches!(Topic::new(&t), Err(TopicError::TooLong { .. }));
            prop_assert!(is_too_long);
        }

        #[test]
        fn topics_with_other_characters_rejected(
            pre in "[a-z]{0,10}", bad in "[^A-Za-z0-9_/-]", post in "[a-z]{0,10}"
        ) {
            let t = format!("{pre}{bad}{post}");
            let is_invalid = matches!(
                Topic::new(&t),
                Err(TopicError::InvalidCharacter { position, .. }) if position == pre.len()
            );
            prop_assert!(is_invalid);
        }

        #[test]
        fn valid_sms_accepted(d in "\\+[0-9]{1,15}", t in "[^\r\u{0}]{1,160}") {
            prop_assert!(Sms::new(&d, &t).is_ok());
        }

        #[test]
        fn long_sms_rejected(t in "[^\r\u{0}]{161,300}") {
            let is_too_long = matches!(SmsText::new(&t), Err(SmsError::TextTooLong { .. }));
            prop_assert!(is_too_long);
        }

        #[test]
        fn destinations_without_plus_rejected(d in "[0-9]{1,15}") {
            prop_assert_eq!(SmsDestination::new(&d), Err(SmsError::MissingPlus));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC*") {
            let _ = Topic::new(&s);
            let _ = SmsDestination::new(&s);
            let _ = SmsText::new(&s);
        }
    }
}
