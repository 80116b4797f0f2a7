//! The command line.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Measures the cost of a message: the SDK against a bare `std::net` loop
/// and hologram-python 0.10.3, on the loopback cloud simulator.
#[derive(Debug, Parser)]
#[command(
    name = "hologram-bench",
    version,
    after_help = "Run it in release mode: cargo build --release -p hologram-bench -p hologram-cli; \
target/release/hologram-bench. scripts/bench-python.sh adds the hologram-python columns."
)]
pub struct Args {
    /// Messages per client per round of sequential sends.
    #[arg(long, value_name = "N", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub messages: u64,

    /// Rounds of sequential sends; the bare loop and the SDK take turns and
    /// each rate is the median over the rounds.
    #[arg(long, value_name = "R", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub rounds: u64,

    /// Messages queued in the outbox for the flush measurement.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub flush_messages: u64,

    /// Rounds of the flush measurement (median).
    #[arg(long, value_name = "R", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub flush_rounds: u64,

    /// Connections the concurrent flush keeps open at once (the
    /// transport's `max_in_flight`) [default: the transport's, 32].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_in_flight: Option<u64>,

    /// The reply delay, in milliseconds, of the second flush measurement:
    /// a simulator that answers each message after this long stands in for
    /// a network round trip (0 skips it).
    #[arg(long, value_name = "MS", default_value_t = 1.0)]
    pub delay_ms: f64,

    /// Messages of the delayed flush measurement.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub delay_messages: u64,

    /// Where the clients and the simulator run: `auto` shares CPU 0 for
    /// the sequential sends (their CPU cost, no cross-CPU wake-ups) and
    /// gives each its own CPU for the flush (what concurrency buys with two
    /// cores); `same` shares CPU 0 throughout, `split` separates them
    /// throughout, `none` leaves it to the scheduler (see docs/performance.md).
    #[arg(long, value_enum, default_value_t = Pin::Auto)]
    pub pin: Pin,

    /// Host of a running simulator (or Hologram-compatible server) to use
    /// instead of starting one (needs --port).
    #[arg(long, value_name = "HOST", requires = "port")]
    pub host: Option<String>,

    /// Port of a running simulator to use instead of starting one.
    #[arg(long, short = 'p', value_name = "PORT")]
    pub port: Option<u16>,

    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// A Python interpreter with hologram-python 0.10.3 installed (see
    /// scripts/bench-python.sh): adds its columns and the ratios.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// The `hologram` binary to measure (peak RSS, startup, size)
    /// [default: `hologram` next to this binary].
    #[arg(long, value_name = "PATH")]
    pub hologram: Option<PathBuf>,

    /// Skip the instruction counts (valgrind).
    #[arg(long)]
    pub skip_valgrind: bool,

    /// Skip the syscall counts (strace).
    #[arg(long)]
    pub skip_strace: bool,

    /// The two message counts of the two-run difference for Rust clients
    /// (valgrind and strace).
    #[arg(long, value_name = "N1,N2", default_value = "200,1200", value_parser = parse_counts)]
    pub counts: Counts,

    /// The two message counts for the Python SDK under valgrind (slow).
    #[arg(long, value_name = "N1,N2", default_value = "20,60", value_parser = parse_counts)]
    pub python_valgrind_counts: Counts,

    /// Internal: run the cloud simulator in this process and print
    /// `listening on ADDRESS` (stops when standard input closes).
    #[arg(long, hide = true)]
    pub serve: bool,

    /// Internal: with --serve, answer every request after this many microseconds.
    #[arg(long, hide = true, value_name = "US")]
    pub serve_delay_us: Option<u64>,

    /// Internal: with --serve, pin the simulator to this CPU.
    #[arg(long, hide = true, value_name = "CPU")]
    pub serve_cpu: Option<usize>,

    /// Internal: send N messages with --client to --host/--port and exit
    /// (what valgrind and strace measure).
    #[arg(long, hide = true, value_name = "N")]
    pub inner_send: Option<u64>,

    /// Internal: the client of --inner-send.
    #[arg(long, hide = true, value_enum, default_value_t = ClientKind::Cloud)]
    pub client: ClientKind,
}

/// Two message counts, `N1 < N2`, for a two-run difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts(pub u64, pub u64);

fn parse_counts(text: &str) -> Result<Counts, String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("{text:?} is not N1,N2"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("{s:?} is not a message count"))
    };
    let (n1, n2) = (parse(a)?, parse(b)?);
    if n1 >= n2 {
        return Err(format!("N1 ({n1}) must be smaller than N2 ({n2})"));
    }
    Ok(Counts(n1, n2))
}

/// CPU placement of the clients and the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Pin {
    /// `same` for the sequential sends, `split` for the flush.
    Auto,
    /// No pinning: the scheduler decides (results vary between runs).
    None,
    /// Clients and simulator share CPU 0: no cross-CPU wake-ups, one core.
    Same,
    /// Clients on CPU 0, simulator on CPU 1.
    Split,
}

impl Pin {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Pin::Auto => "auto",
            Pin::None => "none",
            Pin::Same => "same",
            Pin::Split => "split",
        }
    }

    /// (clients' CPU, simulator's CPU) for the sequential sends and the
    /// other measurements, if pinned.
    pub fn cpus(self) -> Option<(usize, usize)> {
        match self {
            Pin::None => None,
            Pin::Same | Pin::Auto => Some((0, 0)),
            Pin::Split => Some((0, 1)),
        }
    }

    /// (clients' CPU, simulator's CPU) for the flush, if pinned.
    pub fn flush_cpus(self) -> Option<(usize, usize)> {
        match self {
            Pin::Auto => Some((0, 1)),
            other => other.cpus(),
        }
    }
}

/// A Rust client that sends the benchmark message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientKind {
    /// A bare `std::net` loop: connect, write, read to end, close.
    Bare,
    /// The SDK with the `raw` transport and `csrpsk`.
    Raw,
    /// The SDK with the `cloud` transport and `csrpsk`.
    Cloud,
}

impl ClientKind {
    /// Every client, in table order.
    pub const ALL: [ClientKind; 3] = [ClientKind::Bare, ClientKind::Raw, ClientKind::Cloud];

    /// The name used on the command line and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Bare => "bare",
            ClientKind::Raw => "raw",
            ClientKind::Cloud => "cloud",
        }
    }

    /// The label in the table.
    pub fn label(self) -> &'static str {
        match self {
            ClientKind::Bare => "bare std::net loop",
            ClientKind::Raw => "SDK raw + csrpsk",
            ClientKind::Cloud => "SDK cloud + csrpsk",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn counts() {
        assert_eq!(parse_counts("200,1200"), Ok(Counts(200, 1200)));
        assert!(parse_counts("5").is_err());
        assert!(parse_counts("9,3").is_err());
        let args = Args::try_parse_from(["hologram-bench", "--counts", "10,30"]).unwrap();
        assert_eq!(args.counts, Counts(10, 30));
        assert_eq!(args.python_valgrind_counts, Counts(20, 60));
    }
}
