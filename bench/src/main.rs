//! `hologram-bench`: the cost of a message, measured.
//!
//! Starts the cloud simulator in a child process (`hologram-bench --serve`)
//! or uses `--host/--port`, then measures in one run, side by side:
//!
//! 1. sequential sends through the SDK (`raw` and `cloud`, both with
//!    `csrpsk`) against a bare `std::net` loop (connect, write, read to end,
//!    close) sending the same payload, in alternating rounds: messages per
//!    second (medians) and the ratio;
//! 2. an outbox flush of 10,000 queued messages through the concurrent
//!    transport against the same flush one message at a time
//!    (`ordered_delivery`) and against the bare loop;
//! 3. bytes per message against hologram-python 0.10.3's payloads (the
//!    reference vectors);
//! 4. user-space instructions per message (callgrind) and system calls per
//!    message (strace), each from two runs of the client alone
//!    (`--inner-send N`) with two message counts: `(c2 - c1) / (n2 - n1)`;
//!    and heap allocations per message;
//! 5. the peak RSS of `hologram send` for one message, the start-up time of
//!    `hologram version`, the size of the stripped `hologram` binary.
//!
//! With `--python PATH` (see `scripts/bench-python.sh`) hologram-python's
//! `CustomCloud` runs on the same simulator in every measurement and the
//! ratios are printed. Prints a table; `--json FILE` writes every number.
//!
//! No test asserts on a timing: the bench reports. See
//! `docs/performance.md` for a run, the machine and what limits each number.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod alloc;
mod args;
mod clients;
mod measure;
mod pin;
mod python;
mod report;
mod run;
mod serve;
mod wire;

use std::process::ExitCode;

use clap::Parser;

use args::Args;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

fn main() -> ExitCode {
    let args = Args::parse();
    let result = if args.serve {
        let pinned = args.serve_cpu.map_or(Ok(()), pin::pin_to);
        pinned.and_then(|()| {
            serve::serve(
                args.port,
                args.serve_delay_us.map(std::time::Duration::from_micros),
            )
        })
    } else if let Some(n) = args.inner_send {
        run::inner(&args, n)
    } else {
        run::run(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hologram-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
