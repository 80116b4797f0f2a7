//! Sends a message with the `raw` or `cloud` transport and prints the reply.
//!
//! ```text
//! cargo run -p hologram-tcp --example send -- raw|cloud HOST PORT MESSAGE [REPEAT]
//! ```
//!
//! `REPEAT` (default 1) sends the same message that many times on one
//! transport, e.g. to count system calls per message with `strace -c`.

use std::process::ExitCode;
use std::sync::Arc;

use hologram_ports::{Endpoint, NullEventSink, Transport};
use hologram_tcp::{CloudTransport, RawTransport};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, host, port, message, rest @ ..] = args.as_slice() else {
        eprintln!("usage: send raw|cloud HOST PORT MESSAGE [REPEAT]");
        return ExitCode::from(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("bad port {port:?}");
        return ExitCode::from(2);
    };
    let repeat = rest
        .first()
        .and_then(|r| r.parse::<usize>().ok())
        .unwrap_or(1);
    let sink = Arc::new(NullEventSink);
    let mut transport: Box<dyn Transport> = match kind.as_str() {
        "raw" => Box::new(RawTransport::new(sink)),
        "cloud" => Box::new(CloudTransport::new(sink)),
        other => {
            eprintln!("unknown transport {other:?}: raw or cloud");
            return ExitCode::from(2);
        }
    };
    transport.set_endpoint(Endpoint::new(host.as_str(), port));
    let mut last = None;
    for _ in 0..repeat {
        match transport.send(message.as_bytes()) {
            Ok(reply) => last = Some(reply),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(reply) = last {
        println!(
            "reply: {:?} code: {}",
            String::from_utf8_lossy(&reply.bytes),
            reply.code.map_or_else(|| "-".to_owned(), |c| c.to_string())
        );
    }
    ExitCode::SUCCESS
}
