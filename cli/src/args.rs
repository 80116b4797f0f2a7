//! The command line: every command and option, parsed with clap.
//!
//! Long options are kebab-case (`--cloud-id`); the spellings of the Python
//! SDK's scripts (`--cloud_id`) are accepted as visible aliases, so
//! `hologram_send.py` command lines keep working.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const TOP_AFTER_HELP: &str = "\
Examples:
  hologram send --simulate \"hello\" -t demo       try it: no account, no network
  hologram send -f creds.hjson \"21.5C\" -t temp    send to the Hologram cloud
  sensor | hologram send -f creds.hjson - -t temp  one message per input line
  hologram sms -f creds.hjson --destination +11234567890 \"hey there!\"
  hologram cloud-sim --port 9999                   a local cloud to test against

Keys: keep them out of the command line, which every user sees in `ps`. Put
them in the credentials file (-f FILE, mode 600), a key file (--devicekey-file
FILE, --private-key-file FILE; - reads standard input) or the environment
(HOLOGRAM_DEVICEKEY, HOLOGRAM_CLOUD_KEY, HOLOGRAM_PRIVATE_KEY). --devicekey,
--cloud-key and --private-key still work, with a warning.

Exit codes:
  0  every message was delivered
  1  the cloud refused at least one message (its code is printed)
  2  usage or configuration error (bad option, credential, topic, file)
  3  network or transport error (a message was not delivered)
  4  messages kept in the outbox were lost to damaged records (printed even
     with -q; the damage was repaired, the other messages kept)";

const SEND_AFTER_HELP: &str = "\
Where messages go:
  By default to the Hologram cloud, cloudsocket.hologram.io:9999, encoded with
  your device key (csrpsk) or device id + private key (totp). --host/--port
  send the same encoded messages to a relay or simulator instead. --raw sends
  each message's bytes as they are to --host/--port, with no envelope.
  --simulate starts a cloud simulator on a loopback port and sends there.

Output (one line per message, on standard output):
  message 1: DATA RECEIVED: [0,0] Message sent successfully
  message 2: REFUSED: [3,0] Auth section of the message was invalid
  message 3: NOT DELIVERED: connection to 127.0.0.1:9999 was refused
  With --json, one JSON object per message instead:
  {\"index\":1,\"sequence\":1,\"status\":\"acknowledged\",\"code\":0,
   \"description\":\"Message sent successfully\",\"reply\":null}
  status: acknowledged, refused, replied (--raw), queued (kept in --outbox)
  or failed (not delivered). With --simulate, lines with a \"type\" field are
  what the simulated cloud received.

Keys, most private first (the first found wins: option, key file, variable,
then the credentials file):
  -f FILE                 the credentials file below (mode 600; - for stdin)
  --devicekey-file FILE   a file holding only the device key (- for stdin)
  --private-key-file FILE a file holding only the TOTP private key
  HOLOGRAM_DEVICEKEY, HOLOGRAM_CLOUD_KEY, HOLOGRAM_PRIVATE_KEY  variables
  --devicekey, --cloud-key, --private-key: visible to every user in `ps`;
  the command warns when a key comes from one of them.

Credentials file (-f, HJSON, comments allowed; options override it):
  {
    // 8-character device key from the dashboard (or cloud_id + cloud_key)
    devicekey: \"xxxxxxxx\"
    // optional: host, port, network, ssid, authtype, device_id, private_key,
    // passphrase (Wi-Fi; or the HOLOGRAM_WIFI_PASSPHRASE variable),
    // network_options: { interface: \"wlp2s0\" }
  }

Timeouts: --timeout is a deadline for each step of one attempt (connect,
write, reply). A message is tried up to 3 times with 0.25 s, then 0.5 s, of
backoff between attempts, so its worst case is 3 x 3 x TIMEOUT + 0.75 s (about
46 s with the default 5 s). With --outbox, once one message fails that way the
rest are kept in the outbox without further attempts.

Examples:
  hologram send --simulate \"hello\" -t demo
  hologram send \"message message\" \"one more message\" -f creds.hjson -t topic-example
  HOLOGRAM_DEVICEKEY=$(cat key.txt) hologram send \"21.5C\" -t temp
  hologram send --outbox /var/lib/hologram/outbox -f creds.hjson m1 m2 m3
  sensor | hologram send -f creds.hjson --json - -t temp
  hologram send --raw --host 192.0.2.10 -p 7000 \"PING\"

Note: -t takes every value up to the next option, so put messages before -t
(or end the topics with --).

Exit codes:
  0  every message was delivered
  1  the cloud refused at least one message (its code is printed)
  2  usage or configuration error
  3  network or transport error (a message was not delivered, or its
     delivery was not confirmed: the server closed without a reply)
  4  messages kept in the outbox were lost to damaged records (printed even
     with -q)";

const SMS_AFTER_HELP: &str = "\
The SMS goes through the Hologram cloud (or --host/--port, or --simulate),
authenticated with your device key (csrpsk). The destination is '+' and the
country code and number; the text is at most 160 characters.

The device key: -f FILE, --devicekey-file FILE or HOLOGRAM_DEVICEKEY (not
--devicekey, which every user sees in `ps`).

Example:
  hologram sms -f creds.hjson --destination +11234567890 \"hey there!\"

Exit codes: 0 sent, 1 refused by the cloud, 2 usage or configuration error,
3 network or transport error.";

const CLOUD_SIM_AFTER_HELP: &str = "\
The first line on standard output is `listening on ADDRESS:PORT` (useful with
--port 0, which picks a free port); then one JSON object per line for each
message or SMS it accepted (device shown as `1234****`, never a key), or a
line of text each with --text. Stop it with Ctrl-C.

Memory: it keeps no record (each is printed, then dropped); requests in flight
take at most 1024 connections x 64 KiB. Output waits in a 4 MiB buffer: when
standard output is not read, records are dropped and counted (a `dropped` line).

Devices file (HJSON): with no file, any well-formed device key is accepted.
  { devices: [ { devicekey: \"12345678\" }, { device_id: \"42\", private_key: \"abc\" } ] }

Example:
  hologram cloud-sim --port 9999 &
  HOLOGRAM_DEVICEKEY=12345678 hologram send --host 127.0.0.1 -p 9999 \"hello\"";

/// The `hologram` command.
#[derive(Debug, Parser)]
#[command(
    name = "hologram",
    version,
    about = "Send messages and SMS through the Hologram cloud, or raw messages to your own server.",
    long_about = "Send messages (with topics) and SMS through the Hologram cloud, or raw messages \
to a TCP server of your own, over a network interface the SDK manages (Wi-Fi, the simulator, or a \
plugin). Re-creates the Python SDK's hologram_send.py and hologram_sms.py.",
    after_help = TOP_AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// More log output on standard error: -v info, -vv debug, -vvv trace (default: warnings).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print errors only (no warnings, no notes).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send messages to the Hologram cloud, a relay, a raw server or the simulator.
    #[command(after_help = SEND_AFTER_HELP)]
    Send(SendArgs),
    /// Send an SMS through the Hologram cloud (the Python hologram_sms.py).
    #[command(after_help = SMS_AFTER_HELP)]
    Sms(SmsArgs),
    /// Run the Hologram cloud simulator on a local port until stopped.
    #[command(name = "cloud-sim", after_help = CLOUD_SIM_AFTER_HELP)]
    CloudSim(CloudSimArgs),
    /// List or inspect adapters and plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Query and control a cellular modem (the Python `hologram modem`).
    #[command(subcommand)]
    Modem(crate::modem::ModemCommand),
    /// Run a simulated cellular modem on a pseudo-terminal until stopped; prints its path.
    #[command(name = "modem-sim")]
    ModemSim(crate::modem_sim::ModemSimArgs),
    /// Print the SDK version (the Python getSDKVersion()).
    Version,
}

/// The authentication used to encode messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthType {
    /// The device key (cloud id + cloud key) in a JSON envelope.
    Csrpsk,
    /// Device id + one-time password from the private key.
    Totp,
}

impl AuthType {
    /// The authenticator's registered name.
    pub fn name(self) -> &'static str {
        match self {
            AuthType::Csrpsk => "csrpsk",
            AuthType::Totp => "totp",
        }
    }
}

/// Options shared by `send` and `sms`: credentials, where to send, the network.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Credentials and connection")]
pub struct Connection {
    /// Credentials file (HJSON, mode 600; `-` reads standard input); its
    /// keys are the long options' names (cloud_id, devicekey, host, ...).
    /// Options given on the command line win. The best place for keys.
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// A file holding only the 8-character device key (`-` reads standard
    /// input). Or set HOLOGRAM_DEVICEKEY.
    #[arg(long, value_name = "FILE")]
    pub devicekey_file: Option<PathBuf>,

    /// A file holding only the 4-character cloud key (`-` reads standard
    /// input). Or set HOLOGRAM_CLOUD_KEY.
    #[arg(long, value_name = "FILE")]
    pub cloud_key_file: Option<PathBuf>,

    /// The 4-character cloud id from your dashboard.
    #[arg(long, visible_alias = "cloud_id", value_name = "ID")]
    pub cloud_id: Option<String>,

    /// The 4-character cloud key. Visible to every user in `ps`: prefer
    /// HOLOGRAM_CLOUD_KEY, --cloud-key-file or the credentials file.
    #[arg(long, visible_alias = "cloud_key", value_name = "KEY")]
    pub cloud_key: Option<String>,

    /// The 8-character device key (cloud id + cloud key). Visible to every
    /// user in `ps`: prefer HOLOGRAM_DEVICEKEY, --devicekey-file or the
    /// credentials file.
    #[arg(long, visible_alias = "device-key", value_name = "KEY")]
    pub devicekey: Option<String>,

    /// Server host name or IP address: a relay or simulator for the cloud, or
    /// your server with --raw [default: cloudsocket.hologram.io].
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,

    /// Server port [default: 9999 for the cloud].
    #[arg(short = 'p', long, value_name = "PORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// SSID of the Wi-Fi network to join (implies --network wifi when no
    /// network is given). The passphrase comes from the file's `passphrase`
    /// key or the HOLOGRAM_WIFI_PASSPHRASE variable, never from an option.
    #[arg(long, value_name = "SSID")]
    pub ssid: Option<String>,

    /// Network interface for the SDK to bring up first: `wifi`, `sim`, or a
    /// plugin's name [default: none: use the host's connectivity as it is].
    #[arg(long, value_name = "NAME")]
    pub network: Option<String>,

    /// A setting for the network interface, e.g. `interface=wlp2s0` for
    /// wifi (repeatable; the adapter lists its settings when one is unknown).
    #[arg(long = "network-option", value_name = "KEY=VALUE", value_parser = parse_setting)]
    pub network_options: Vec<(String, String)>,

    /// Deadline in seconds for each step of an attempt (connect, write,
    /// reply), more than 0 and at most 86400 [default: 5]. See "Timeouts"
    /// below for the worst case of a whole send.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<f64>,

    /// Directory of network plugins (.so) [default: $HOLOGRAM_PLUGINS_DIR].
    /// Plugins are loaded only when --network names one that is not built
    /// in, and only from directories and files that no other user may
    /// write (see docs/plugins.md).
    #[arg(long, value_name = "DIR")]
    pub plugins_dir: Option<PathBuf>,

    /// Load plugins even from directories or files that other users may
    /// write or own: they run with your privileges. Only for those who
    /// mean it.
    #[arg(long)]
    pub allow_untrusted_plugins: bool,

    /// Start the embedded cloud simulator on a loopback port with the `sim`
    /// network, send there, and print what the cloud received.
    #[arg(long, conflicts_with_all = ["host", "port"])]
    pub simulate: bool,

    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `hologram send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// Messages to send, each as its own message, in order; `-` reads
    /// messages from standard input, one per line.
    #[arg(value_name = "MESSAGE")]
    pub messages: Vec<String>,

    /// Topics for every message (repeatable, several values each).
    #[arg(short = 't', long = "topic", value_name = "TOPIC", num_args = 1.., action = ArgAction::Append)]
    pub topics: Vec<String>,

    /// The device id, for totp authentication.
    #[arg(long, visible_alias = "device_id", value_name = "ID")]
    pub device_id: Option<String>,

    /// A file holding only the private key, for totp authentication
    /// (`-` reads standard input). Or set HOLOGRAM_PRIVATE_KEY.
    #[arg(long, value_name = "FILE")]
    pub private_key_file: Option<PathBuf>,

    /// The private key, for totp authentication. Visible to every user in
    /// `ps`: prefer HOLOGRAM_PRIVATE_KEY, --private-key-file or the
    /// credentials file.
    #[arg(long, visible_alias = "private_key", value_name = "KEY")]
    pub private_key: Option<String>,

    /// Send the metadata record with every message, as hologram-python
    /// 0.10.3 does (the modem type, or `agnostic`, and the SDK's version).
    #[arg(long, conflicts_with = "raw")]
    pub metadata: bool,

    /// Authentication [default: csrpsk, or totp when only device id and
    /// private key are given].
    #[arg(long, value_enum, value_name = "TYPE")]
    pub authtype: Option<AuthType>,

    /// Send each message's bytes as they are to --host/--port (no envelope,
    /// no credentials) and print the server's reply.
    #[arg(long, conflicts_with_all = ["topics", "simulate", "outbox", "authtype"])]
    pub raw: bool,

    /// Durable outbox directory: messages are kept there until the cloud
    /// answers, across runs. With no MESSAGE, just sends what it holds.
    #[arg(long, value_name = "DIR")]
    pub outbox: Option<PathBuf>,

    #[command(flatten)]
    pub connection: Connection,
}

/// `hologram sms`.
#[derive(Debug, Clone, Args)]
#[command(mut_arg("host", |a| a.help(
    "Server host name or IP address: a relay or simulator instead of the cloud \
     [default: cloudsocket.hologram.io]"
)))]
pub struct SmsArgs {
    /// The destination number: '+', the country code and the number.
    #[arg(long, value_name = "NUMBER")]
    pub destination: String,

    /// The text, at most 160 characters.
    #[arg(value_name = "MESSAGE")]
    pub message: String,

    #[command(flatten)]
    pub connection: Connection,
}

/// `hologram cloud-sim`.
#[derive(Debug, Clone, Args)]
pub struct CloudSimArgs {
    /// Port to listen on (0 picks a free one, printed on the first line).
    #[arg(short = 'p', long, value_name = "PORT", default_value_t = 9999)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,

    /// Devices file (HJSON) listing the keys the simulator accepts
    /// [default: any well-formed key].
    #[arg(long, value_name = "FILE")]
    pub devices: Option<PathBuf>,

    /// A device the simulator accepts, besides those of --devices
    /// (repeatable): `DEVICEKEY` (8 characters), `CLOUDID:CLOUDKEY` or
    /// `totp:DEVICE_ID:PRIVATE_KEY`. Test keys only: the command line shows
    /// in `ps`.
    #[arg(long = "device", value_name = "SPEC")]
    pub device: Vec<String>,

    /// One line of text per received message or SMS (`CLOUD RECEIVED:
    /// ...`) instead of the default, one JSON object per line.
    #[arg(long)]
    pub text: bool,

    /// One JSON object per received message or SMS (the default; kept so
    /// scripts may say it).
    #[arg(long, conflicts_with = "text")]
    pub json: bool,

    /// The form of the answers: `native` (as the real cloud: `[0,0]` to a
    /// JSON message, `00` to an SMS or a TOTP payload), `json` or `digits`
    /// (that form to everything).
    #[arg(long, value_name = "FORM", default_value = "native")]
    pub reply_form: hologram_sim::cloud::ReplyForm,
}

/// `hologram plugins ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum PluginsCommand {
    /// List the built-in and loaded adapters by kind and name.
    List(PluginsListArgs),
}

/// `hologram plugins list`.
#[derive(Debug, Clone, Args)]
pub struct PluginsListArgs {
    /// Directory of plugins (.so) to load [default: $HOLOGRAM_PLUGINS_DIR].
    #[arg(long, value_name = "DIR")]
    pub plugins_dir: Option<PathBuf>,

    /// Load plugins even from directories or files that other users may
    /// write or own (they run with your privileges).
    #[arg(long)]
    pub allow_untrusted_plugins: bool,

    /// One JSON object per adapter instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `KEY=VALUE`, for `--network-option`.
fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// A timeout in seconds: positive, at most a day.
fn parse_timeout(text: &str) -> Result<f64, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if secs.is_nan() {
        Err(format!("{text:?} is not a number of seconds"))
    } else if secs <= 0.0 {
        Err(format!(
            "the timeout must be more than 0 seconds (at most 86400, a day); {text} is not"
        ))
    } else if secs > 86_400.0 {
        Err(format!(
            "the timeout is at most 86400 seconds (a day); {text} is more"
        ))
    } else {
        Ok(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn spec_spellings_and_multi_valued_topics() {
        let cli = Cli::try_parse_from([
            "hologram",
            "send",
            "a",
            "b",
            "--cloud_id",
            "abcd",
            "-t",
            "x",
            "y",
            "--topic",
            "z",
        ])
        .unwrap();
        let Command::Send(s) = cli.command else {
            panic!("not send")
        };
        assert_eq!(s.messages, ["a", "b"]);
        assert_eq!(s.topics, ["x", "y", "z"]);
        assert_eq!(s.connection.cloud_id.as_deref(), Some("abcd"));
    }

    #[test]
    fn timeouts_are_bounded() {
        assert!(parse_timeout("2.5").is_ok());
        for bad in ["0", "-1", "x", "1e9", "NaN", "inf"] {
            let e = parse_timeout(bad).unwrap_err();
            assert!(!e.contains("between 0"), "{bad}: {e}");
        }
        assert!(parse_timeout("0")
            .unwrap_err()
            .contains("more than 0 seconds"));
    }
}
