//! The [`Authenticator`] rules.
//!
//! The kit knows the two wire forms of the Hologram socket API and checks an
//! authenticator against the one it says it speaks, given as an
//! [`AuthUnderTest`]:
//!
//! - [`AuthUnderTest::csrpsk`]: JSON with the device key, `\r\r`-terminated
//!   (and the SMS line when `capabilities().sms`). The factory takes nothing.
//! - [`AuthUnderTest::totp`]: the seed-era `C<device_id> <time> <otp> ...`
//!   form. The encoding depends on the clock, so the factory takes a fixed
//!   unix time and the time window: `Fn(u64, u64) -> A`.
//!
//! The factory returns the concrete adapter type (any
//! `Authenticator + Debug`): the no-leak rule reads its `Debug` output,
//! which `Box<dyn Authenticator>` does not have.
//!
//! # The rules
//!
//! [`RULES`] lists them (`docs/conformance.md` shows the table); each has a
//! `check_auth_*` function.
//!
//! The seed-era TOTP vector that packs two messages in one payload is not
//! reachable through the port (a [`Message`] has one data) and is not used.

use std::fmt;

use hologram_ports::{
    AuthError, Authenticator, CredentialError, CredentialField, Credentials, Message, Sms,
};
use serde_json::Value;

use crate::report::{__conclude, fail, guard, Outcome, Report};
use crate::rules::{find, outcome_of};
use crate::vectors::{wire_vectors, CsrpskVector};

/// An authenticator whose `Debug` output the kit can read.
trait DebugAuthenticator: Authenticator + fmt::Debug {}
impl<T: Authenticator + fmt::Debug> DebugAuthenticator for T {}

type Auth = Box<dyn DebugAuthenticator>;

enum Form {
    Csrpsk(Box<dyn Fn() -> Auth>),
    Totp(Box<dyn Fn(u64, u64) -> Auth>),
}

/// The wire form an authenticator under test speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthForm {
    /// JSON with the device key (and the SMS line).
    Csrpsk,
    /// The seed-era time-based form.
    Totp,
}

/// An authenticator factory and the wire form it speaks.
///
/// ```
/// use hologram_conformance::{AuthForm, AuthUnderTest};
/// use hologram_ports::{AuthCapabilities, AuthError, Authenticator, Credentials, Message};
///
/// #[derive(Debug)]
/// struct Nothing;
/// impl Authenticator for Nothing {
///     fn capabilities(&self) -> AuthCapabilities { AuthCapabilities::MESSAGES_ONLY }
///     fn encode_message(&mut self, _: &Credentials, _: &Message, _: &mut Vec<u8>) -> Result<(), AuthError> {
///         Ok(())
///     }
/// }
/// let under_test = AuthUnderTest::csrpsk(|| Nothing);
/// assert_eq!(under_test.form(), AuthForm::Csrpsk);
/// ```
pub struct AuthUnderTest {
    form: Form,
}

impl AuthUnderTest {
    /// A CSRPSK-form authenticator made by `make`.
    pub fn csrpsk<A, F>(make: F) -> Self
    where
        A: Authenticator + fmt::Debug + 'static,
        F: Fn() -> A + 'static,
    {
        AuthUnderTest {
            form: Form::Csrpsk(Box::new(move || Box::new(make()) as Auth)),
        }
    }

    /// A TOTP-form authenticator made by `make(unix_time, time_window)`,
    /// whose clock stays at `unix_time`.
    pub fn totp<A, F>(make: F) -> Self
    where
        A: Authenticator + fmt::Debug + 'static,
        F: Fn(u64, u64) -> A + 'static,
    {
        AuthUnderTest {
            form: Form::Totp(Box::new(move |t, w| Box::new(make(t, w)) as Auth)),
        }
    }

    /// The wire form.
    pub fn form(&self) -> AuthForm {
        match self.form {
            Form::Csrpsk(_) => AuthForm::Csrpsk,
            Form::Totp(_) => AuthForm::Totp,
        }
    }

    /// A fresh adapter (TOTP: on the kit's fixed clock).
    fn make(&self) -> Auth {
        self.make_at(CLOCK)
    }

    fn make_at(&self, unix_time: u64) -> Auth {
        match &self.form {
            Form::Csrpsk(make) => make(),
            Form::Totp(make) => make(unix_time, WINDOW),
        }
    }
}

impl fmt::Debug for AuthUnderTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthUnderTest")
            .field("form", &self.form())
            .finish_non_exhaustive()
    }
}

crate::__auth_rules!(__rule_table!(AuthCheck));

/// The signature of an authenticator rule's check in [`RULES`].
pub type AuthCheck = fn(&AuthUnderTest) -> Outcome;

/// The kit's fixed clock and window for TOTP.
const CLOCK: u64 = 1_700_000_000;
const WINDOW: u64 = 30;

/// Distinctive secrets, easy to spot in a leak.
const CLOUD_ID: &str = "KITi";
const CLOUD_KEY: &str = "Zq8X";
const DEVICE_ID: &str = "KITDEV01";
const PRIVATE_KEY: &str = "PRIVkit9x7";

fn csrpsk_creds() -> Credentials {
    let mut c = Credentials::new(CLOUD_ID, CLOUD_KEY).expect("valid kit credentials");
    c.set_device_id(DEVICE_ID).expect("valid device id");
    c.set_private_key(PRIVATE_KEY).expect("valid private key");
    c
}

fn totp_creds() -> Credentials {
    Credentials::totp(DEVICE_ID, PRIVATE_KEY).expect("valid kit credentials")
}

fn good_creds(form: AuthForm) -> Credentials {
    match form {
        AuthForm::Csrpsk => csrpsk_creds(),
        AuthForm::Totp => totp_creds(),
    }
}

fn kit_message() -> Message {
    Message::with_topic_strs("kit message", &["kit-a", "kit/b"]).expect("valid kit topics")
}

fn kit_sms() -> Sms {
    Sms::new("+15550100", "kit sms").expect("valid kit sms")
}

fn encode(a: &mut Auth, creds: &Credentials, msg: &Message) -> Result<Vec<u8>, AuthError> {
    let mut out = Vec::new();
    a.encode_message(creds, msg, &mut out).map(|()| out)
}

fn encode_sms(a: &mut Auth, creds: &Credentials, sms: &Sms) -> Result<Vec<u8>, AuthError> {
    let mut out = Vec::new();
    a.encode_sms(creds, sms, &mut out).map(|()| out)
}

fn shown(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// An encode result as a failure message shows it.
fn result_text(r: &Result<Vec<u8>, AuthError>) -> String {
    match r {
        Ok(bytes) => format!("Ok({})", shown(bytes)),
        Err(e) => format!("Err({e:?})"),
    }
}

#[track_caller]
fn expect_encoded(rule: &str, what: &str, r: Result<Vec<u8>, AuthError>) -> Vec<u8> {
    r.unwrap_or_else(|e| {
        fail(
            rule,
            format_args!("{what} to encode"),
            format_args!("Err({e:?})"),
        )
    })
}

#[track_caller]
fn expect_form(rule: &str, a: &Auth, form: AuthForm) {
    let time_based = a.capabilities().time_based;
    if time_based != (form == AuthForm::Totp) {
        fail(
            rule,
            format_args!(
                "capabilities().time_based == {} for a {form:?}-form authenticator",
                !time_based
            ),
            time_based,
        );
    }
}

/// Checks a CSRPSK payload against a reference vector.
#[track_caller]
fn expect_csrpsk(rule: &str, i: usize, v: &CsrpskVector, out: &[u8]) {
    let what = format!("csrpsk_devicekey[{i}]");
    let Some(body) = out.strip_suffix(b"\r\r") else {
        fail(rule, format_args!("{what} to end with \\r\\r"), shown(out));
    };
    if body.ends_with(b"\r") {
        fail(
            rule,
            format_args!("{what} to end with exactly one \\r\\r"),
            shown(out),
        );
    }
    let mut fields = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => fields,
        _ => fail(
            rule,
            format_args!("{what} to be one JSON object then \\r\\r"),
            shown(out),
        ),
    };
    fields.remove("m");
    if fields != v.expected_fields {
        fail(
            rule,
            format_args!(
                "{what} to hold the fields {} (m aside)",
                Value::Object(v.expected_fields.clone())
            ),
            Value::Object(fields),
        );
    }
    if out.len() > v.python_payload.len() {
        fail(
            rule,
            format_args!(
                "{what} no longer than hologram-python's {} bytes",
                v.python_payload.len()
            ),
            format_args!("{} bytes: {}", out.len(), shown(out)),
        );
    }
}

#[track_caller]
fn expect_exact(rule: &str, what: &str, want: &[u8], got: &[u8]) {
    if want != got {
        fail(
            rule,
            format_args!("{what} to be exactly {}", shown(want)),
            shown(got),
        );
    }
}

/// `auth.reference_vectors`: reproduces wire-vectors.json: CSRPSK payloads parse to the expected fields, end in one `\r\r` and are no longer than Python's; SMS (when supported) and TOTP payloads are exact.
pub fn check_auth_reference_vectors(under_test: &AuthUnderTest) -> Outcome {
    let rule = REFERENCE_VECTORS;
    guard(rule, || {
        let v = wire_vectors();
        let form = under_test.form();
        let mut a = under_test.make();
        expect_form(rule, &a, form);
        let caps = a.capabilities();
        match form {
            AuthForm::Csrpsk => {
                for (i, vec) in v.csrpsk_devicekey.iter().enumerate() {
                    let creds = Credentials::with_devicekey(&vec.devicekey).expect("vector key");
                    let msg = Message::with_topic_strs(
                        &vec.data,
                        vec.topics.as_deref().unwrap_or_default(),
                    )
                    .expect("vector topics");
                    let out = expect_encoded(
                        rule,
                        &format!("csrpsk_devicekey[{i}]"),
                        encode(&mut a, &creds, &msg),
                    );
                    expect_csrpsk(rule, i, vec, &out);
                }
                if caps.sms {
                    for (i, vec) in v.sms.iter().enumerate() {
                        let creds = match &vec.devicekey {
                            Some(k) => Credentials::with_devicekey(k),
                            None => Credentials::new(
                                vec.cloud_id.as_deref().unwrap_or_default(),
                                vec.cloud_key.as_deref().unwrap_or_default(),
                            ),
                        }
                        .expect("vector credentials");
                        let sms = Sms::new(&vec.destination, &vec.message).expect("vector sms");
                        let what = format!("sms[{i}]");
                        let out = expect_encoded(rule, &what, encode_sms(&mut a, &creds, &sms));
                        expect_exact(rule, &what, vec.payload().as_bytes(), &out);
                    }
                }
            }
            AuthForm::Totp => {
                for (i, vec) in v.totp_legacy.iter().enumerate() {
                    let [data] = vec.messages.as_slice() else {
                        continue;
                    };
                    let Form::Totp(make) = &under_test.form else {
                        unreachable!("form is Totp")
                    };
                    let mut a = make(vec.timestamp, vec.time_window);
                    let creds =
                        Credentials::totp(&vec.device_id, &vec.private_key).expect("vector key");
                    let msg =
                        Message::with_topic_strs(data, vec.topics.as_deref().unwrap_or_default())
                            .expect("vector topics");
                    let what = format!("totp_legacy[{i}]");
                    let out = expect_encoded(rule, &what, encode(&mut a, &creds, &msg));
                    expect_exact(rule, &what, vec.payload.as_bytes(), &out);
                }
                for (i, h) in v.hotp_rfc4226.iter().enumerate() {
                    let Form::Totp(make) = &under_test.form else {
                        unreachable!("form is Totp")
                    };
                    let t = h.counter * WINDOW;
                    let mut a = make(t, WINDOW);
                    let creds = Credentials::totp("kit", &h.secret_ascii).expect("vector key");
                    let what = format!("hotp_rfc4226[{i}] (clock {t}, window {WINDOW})");
                    let out =
                        expect_encoded(rule, &what, encode(&mut a, &creds, &Message::new("hotp")));
                    let want = format!("Ckit {t} {} Bhotp\0\0", h.otp);
                    expect_exact(rule, &what, want.as_bytes(), &out);
                }
            }
        }
        Outcome::Passed
    })
}

/// `auth.deterministic`: the same credentials, message and clock give the same bytes, from one instance (CSRPSK) and from two fresh ones.
pub fn check_auth_deterministic(under_test: &AuthUnderTest) -> Outcome {
    let rule = DETERMINISTIC;
    guard(rule, || {
        let form = under_test.form();
        let creds = good_creds(form);
        let msg = kit_message();
        let mut a = under_test.make();
        let mut b = under_test.make();
        let first = expect_encoded(rule, "the kit message", encode(&mut a, &creds, &msg));
        let other = expect_encoded(
            rule,
            "the kit message on a second instance",
            encode(&mut b, &creds, &msg),
        );
        if first != other {
            fail(
                rule,
                format_args!(
                    "two instances on one clock to give the same bytes {}",
                    shown(&first)
                ),
                shown(&other),
            );
        }
        if form == AuthForm::Csrpsk {
            let again = expect_encoded(rule, "the kit message again", encode(&mut a, &creds, &msg));
            if again != first {
                fail(
                    rule,
                    format_args!("the same bytes again {}", shown(&first)),
                    shown(&again),
                );
            }
            if a.capabilities().sms {
                let sms = kit_sms();
                let one = expect_encoded(rule, "the kit SMS", encode_sms(&mut a, &creds, &sms));
                let two =
                    expect_encoded(rule, "the kit SMS again", encode_sms(&mut b, &creds, &sms));
                if one != two {
                    fail(
                        rule,
                        format_args!("the same SMS bytes {}", shown(&one)),
                        shown(&two),
                    );
                }
            }
        }
        Outcome::Passed
    })
}

/// `auth.window_password_reused`: a TOTP authenticator uses one password per clock window for every message in it (as hologram-python 0.10.3): each message is its own payload with the window's `C<id> <time> <otp> ` header, never refused; the next window has its own password.
pub fn check_auth_window_password_reused(under_test: &AuthUnderTest) -> Outcome {
    let rule = WINDOW_PASSWORD_REUSED;
    guard(rule, || {
        if under_test.form() != AuthForm::Totp {
            return Outcome::skipped("not time based: there is no window");
        }
        let creds = totp_creds();
        let mut a = under_test.make();
        let first = expect_encoded(
            rule,
            "the first message of the window",
            encode(&mut a, &creds, &kit_message()),
        );
        let header = |p: &[u8]| {
            p.splitn(4, |&b| b == b' ')
                .take(3)
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        };
        let other = expect_encoded(
            rule,
            "another message in the window",
            encode(&mut a, &creds, &Message::new("kit other")),
        );
        if header(&other) != header(&first) || other == first {
            fail(
                rule,
                format_args!(
                    "a payload of its own with the window's header, as in {}",
                    shown(&first)
                ),
                shown(&other),
            );
        }
        let again = expect_encoded(
            rule,
            "the first message again in the window",
            encode(&mut a, &creds, &kit_message()),
        );
        if again != first {
            fail(
                rule,
                format_args!("the same payload again in the window {}", shown(&first)),
                shown(&again),
            );
        }
        let mut next = under_test.make_at(CLOCK + WINDOW);
        let later = expect_encoded(
            rule,
            "a message in the next window",
            encode(&mut next, &creds, &kit_message()),
        );
        if header(&later) == header(&first) {
            fail(
                rule,
                "the next window to have its own time and password",
                format_args!("the same header: {}", shown(&later)),
            );
        }
        Outcome::Passed
    })
}

/// The credential fields a form may name as missing.
fn may_be_missing(form: AuthForm) -> &'static [CredentialField] {
    match form {
        AuthForm::Csrpsk => &[
            CredentialField::DeviceKey,
            CredentialField::CloudId,
            CredentialField::CloudKey,
        ],
        AuthForm::Totp => &[CredentialField::DeviceId, CredentialField::PrivateKey],
    }
}

#[track_caller]
fn expect_missing(
    rule: &str,
    what: &str,
    r: Result<Vec<u8>, AuthError>,
    fields: &[CredentialField],
) {
    match r {
        Err(AuthError::Credential(CredentialError::Missing { field }))
            if fields.contains(&field) => {}
        other => fail(
            rule,
            format_args!(
                "{what} to be Err(Credential(Missing {{ field }})) naming one of {fields:?}"
            ),
            result_text(&other),
        ),
    }
}

/// `auth.rejects_bad_input`: missing credentials are `Credential(Missing)` naming the field, TOTP data with a NUL is `Unframeable`, SMS without support is `Unsupported`, and the same instance encodes afterwards.
pub fn check_auth_rejects_bad_input(under_test: &AuthUnderTest) -> Outcome {
    let rule = REJECTS_BAD_INPUT;
    guard(rule, || {
        let form = under_test.form();
        let mut a = under_test.make();
        let msg = kit_message();
        let any = may_be_missing(form);
        expect_missing(
            rule,
            "no credentials",
            encode(&mut a, &Credentials::default(), &msg),
            any,
        );
        match form {
            AuthForm::Csrpsk => {
                let totp_only = totp_creds();
                expect_missing(
                    rule,
                    "TOTP credentials only",
                    encode(&mut a, &totp_only, &msg),
                    any,
                );
                let half = Credentials::new(CLOUD_ID, "").expect("valid cloud id");
                expect_missing(
                    rule,
                    "a cloud id without its key",
                    encode(&mut a, &half, &msg),
                    any,
                );
            }
            AuthForm::Totp => {
                let no_key = Credentials::totp(DEVICE_ID, "").expect("valid device id");
                expect_missing(
                    rule,
                    "no private key",
                    encode(&mut a, &no_key, &msg),
                    &[CredentialField::PrivateKey],
                );
                let no_id = Credentials::totp("", PRIVATE_KEY).expect("valid key");
                expect_missing(
                    rule,
                    "no device id",
                    encode(&mut a, &no_id, &msg),
                    &[CredentialField::DeviceId],
                );
                let csrpsk_only = Credentials::new(CLOUD_ID, CLOUD_KEY).expect("valid pair");
                expect_missing(
                    rule,
                    "CSRPSK credentials only",
                    encode(&mut a, &csrpsk_only, &msg),
                    any,
                );
                match encode(&mut a, &totp_creds(), &Message::new("kit\0nul")) {
                    Err(AuthError::Unframeable { .. }) => {}
                    other => fail(
                        rule,
                        "data holding a NUL to be Err(Unframeable { .. }) in the TOTP form",
                        result_text(&other),
                    ),
                }
            }
        }
        let sms = kit_sms();
        if a.capabilities().sms {
            expect_missing(
                rule,
                "an SMS without credentials",
                encode_sms(&mut a, &Credentials::default(), &sms),
                any,
            );
        } else {
            match encode_sms(&mut a, &good_creds(form), &sms) {
                Err(AuthError::Unsupported { .. }) => {}
                other => fail(
                    rule,
                    "encode_sms to be Err(Unsupported { .. }) when capabilities().sms is false",
                    result_text(&other),
                ),
            }
        }
        expect_encoded(
            rule,
            "a good message on the same instance after the errors",
            encode(&mut a, &good_creds(form), &msg),
        );
        Outcome::Passed
    })
}

/// Fails if `text` shows one of `secrets`.
#[track_caller]
fn expect_hidden(rule: &str, what: &str, text: &str, secrets: &[(&str, String)]) {
    for (name, value) in secrets {
        if !value.is_empty() && text.contains(value.as_str()) {
            fail(
                rule,
                format_args!("{what} to hide the {name}"),
                format_args!("it shows it: {text}"),
            );
        }
    }
}

fn expect_error_hidden(
    rule: &str,
    what: &str,
    r: &Result<Vec<u8>, AuthError>,
    secrets: &[(&str, String)],
) {
    if let Err(e) = r {
        expect_hidden(
            rule,
            &format!("the error of {what} (Debug)"),
            &format!("{e:?}"),
            secrets,
        );
        expect_hidden(
            rule,
            &format!("the error of {what} (Display)"),
            &e.to_string(),
            secrets,
        );
    }
}

fn expect_debug_hidden(rule: &str, when: &str, a: &Auth, secrets: &[(&str, String)]) {
    expect_hidden(
        rule,
        &format!("Debug of the authenticator {when}"),
        &format!("{a:?}"),
        secrets,
    );
    expect_hidden(
        rule,
        &format!("{{:#?}} of the authenticator {when}"),
        &format!("{a:#?}"),
        secrets,
    );
}

/// `auth.no_secret_leak`: no cloud key, device key, private key or OTP appears in the adapter's `Debug` (before and after use) or in the `Debug`/`Display` of any error it returns.
pub fn check_auth_no_secret_leak(under_test: &AuthUnderTest) -> Outcome {
    let rule = NO_SECRET_LEAK;
    guard(rule, || {
        let form = under_test.form();
        let mut secrets: Vec<(&str, String)> = vec![
            ("cloud key", CLOUD_KEY.to_owned()),
            ("private key", PRIVATE_KEY.to_owned()),
        ];
        let mut a = under_test.make();
        expect_debug_hidden(rule, "before use", &a, &secrets);
        let creds = good_creds(form);
        let msg = kit_message();
        let out = expect_encoded(rule, "the kit message", encode(&mut a, &creds, &msg));
        if form == AuthForm::Totp {
            if let Some(otp) = String::from_utf8_lossy(&out).split(' ').nth(2) {
                secrets.push(("one-time password", otp.to_owned()));
            }
        }
        expect_debug_hidden(rule, "after an encode", &a, &secrets);
        let mut attempts: Vec<(&str, Result<Vec<u8>, AuthError>)> = vec![
            ("the same message again", encode(&mut a, &creds, &msg)),
            (
                "data with a NUL",
                encode(&mut a, &creds, &Message::new("kit\0nul")),
            ),
            ("an SMS", encode_sms(&mut a, &creds, &kit_sms())),
        ];
        let wrong = match form {
            AuthForm::Csrpsk => totp_creds(),
            AuthForm::Totp => {
                let mut c = csrpsk_creds();
                c.set_private_key("").expect("clearing works");
                c
            }
        };
        attempts.push(("the other form's credentials", encode(&mut a, &wrong, &msg)));
        attempts.push((
            "an SMS with the other form's credentials",
            encode_sms(&mut a, &wrong, &kit_sms()),
        ));
        for (what, r) in &attempts {
            expect_error_hidden(rule, what, r, &secrets);
        }
        expect_debug_hidden(rule, "after errors", &a, &secrets);
        Outcome::Passed
    })
}

/// Runs every [`Authenticator`] rule of [`RULES`]. Every rule runs; if
/// one failed, this panics with the whole report.
pub fn run_auth_suite(under_test: &AuthUnderTest) -> Report {
    let mut report = Report::new("auth");
    for rule in RULES {
        report.run(rule.id, || (rule.check)(under_test));
    }
    report.finish()
}

/// Runs one rule for a `#[test]` of [`auth_tests!`](crate::auth_tests).
#[doc(hidden)]
#[track_caller]
pub fn __test(rule: &str, under_test: &AuthUnderTest) {
    let check = find(RULES, rule).check;
    __conclude(rule, outcome_of(rule, || check(under_test)));
}

/// The table: test name, rule-id constant, rule id, what it needs
/// (`totp`: a time-based authenticator; `any`), the check, to what it
/// applies, what it checks. One row per rule; everything else is written
/// from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __auth_rules {
    ($cb:ident!($($args:tt)*)) => {
        $crate::$cb! { ($($args)*)
            auth_reference_vectors REFERENCE_VECTORS "auth.reference_vectors"
                [any] check_auth_reference_vectors "every authenticator"
                "CSRPSK: each `csrpsk_devicekey` vector parses back to the expected JSON fields (`m` aside; `t` is a list as Python sends it), ends in exactly one `\\r\\r` and is no longer than hologram-python's payload; the `sms` vectors byte for byte when `capabilities().sms`. TOTP: the one-message `totp_legacy` vectors and the ten RFC 4226 HOTP values byte for byte. `capabilities().time_based` must match the form";
            auth_deterministic DETERMINISTIC "auth.deterministic"
                [any] check_auth_deterministic "every authenticator"
                "the same credentials, message (and SMS) and clock give the same bytes, from one instance and from two";
            auth_window_password_reused WINDOW_PASSWORD_REUSED "auth.window_password_reused"
                [totp] check_auth_window_password_reused "time-based (TOTP) authenticators"
                "every message in one clock window is encoded, never refused, each its own payload with the window's `C<id> <time> <otp> ` header (the same message twice, the same bytes); the next window has its own time and password";
            auth_rejects_bad_input REJECTS_BAD_INPUT "auth.rejects_bad_input"
                [any] check_auth_rejects_bad_input "every authenticator"
                "missing credentials are `Err(Credential(Missing { field }))` naming a field the form needs; TOTP data holding a NUL is `Err(Unframeable)`; `encode_sms` without the capability is `Err(Unsupported)`; the same instance encodes fine afterwards";
            auth_no_secret_leak NO_SECRET_LEAK "auth.no_secret_leak"
                [any] check_auth_no_secret_leak "every authenticator"
                "the cloud key, private key and OTP never appear in the authenticator's `Debug` / `{:#?}` (before use, after an encode, after errors) nor in the `Debug` or `Display` of any error it returns";
        }
    };
}
