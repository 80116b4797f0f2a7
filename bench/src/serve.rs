//! The simulator every client sends to: `hologram-bench --serve`, a child
//! process, so that its instructions and system calls are never counted with
//! a client's, and the bare loop, the SDK and Python all meet the same one.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hologram_sim::cloud::{CloudSim, Fault};

/// Records kept by the benchmark simulator: it only needs to answer.
const RECORD_LIMIT: usize = 16;

/// `--serve`: runs the simulator on an ephemeral loopback port (or
/// `port`), answering every request after `delay` if given, prints
/// `listening on ADDRESS`, and exits when standard input closes (so it
/// never outlives the benchmark).
pub fn serve(port: Option<u16>, delay: Option<Duration>) -> Result<(), String> {
    let builder = CloudSim::builder()
        .port(port.unwrap_or(0))
        .record_limit(RECORD_LIMIT);
    let wait_for_stdin = || {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    };
    match delay {
        None => {
            let sim = builder
                .bind()
                .map_err(|e| format!("cannot start the simulator: {e}"))?;
            println!("listening on {}", sim.local_addr());
            std::thread::spawn(move || {
                wait_for_stdin();
                std::process::exit(0);
            });
            sim.run(|_| {})
                .map_err(|e| format!("the simulator stopped: {e}"))
        }
        Some(delay) => {
            // The event loop on its own thread; every answer delayed.
            let sim = builder
                .start()
                .map_err(|e| format!("cannot start the simulator: {e}"))?;
            sim.push_fault(Fault::Delay(delay), u32::MAX);
            println!("listening on {}", sim.addr());
            wait_for_stdin();
            Ok(())
        }
    }
}

/// A simulator child process; killed and reaped when dropped.
#[derive(Debug)]
pub struct Simulator {
    child: Child,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl Simulator {
    /// Starts `hologram-bench --serve` (answering after `delay`, if given;
    /// pinned to `cpu`, if given) and waits for its address.
    pub fn start(delay: Option<Duration>, cpu: Option<usize>) -> Result<Simulator, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
        let mut command = Command::new(exe);
        command.arg("--serve");
        if let Some(cpu) = cpu {
            command.arg("--serve-cpu").arg(cpu.to_string());
        }
        if let Some(d) = delay {
            command
                .arg("--serve-delay-us")
                .arg(d.as_micros().to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        let stdout = child.stdout.take().ok_or("no simulator stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let addr = match read {
            Ok(_) => line
                .trim()
                .strip_prefix("listening on ")
                .and_then(|a| a.parse().ok()),
            Err(_) => None,
        };
        match addr {
            Some(addr) => Ok(Simulator { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("the simulator said {line:?}, not its address"))
            }
        }
    }

    /// The simulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // Closing its standard input stops it; kill it in case it hangs.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
