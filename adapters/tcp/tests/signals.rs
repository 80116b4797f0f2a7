//! A signal that interrupts the wait for readiness does not restart the
//! wait: a timeout still fires on time. (Its own test binary: it installs a
//! process-wide handler for SIGUSR1.)

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Action, Framing, Server};
use hologram_ports::{Transport, TransportError, TransportPhase};
use hologram_tcp::RawTransport;

/// How many signals at most, 20 ms apart: 20 times the 300 ms timeout.
const SIGNALS: usize = 300;

extern "C" fn do_nothing(_: libc::c_int) {}

#[test]
#[allow(unsafe_code)]
fn signals_every_few_milliseconds_do_not_postpone_a_read_timeout() {
    // SAFETY: a zeroed `sigaction` is valid; the handler does nothing, so it
    // is async-signal-safe; nothing else in this binary uses SIGUSR1.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = do_nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    let server = Server::start(Framing::Len(1), Action::Never);
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    // SAFETY: plain FFI call with no arguments.
    let me = unsafe { libc::pthread_self() };
    let done = Arc::new(AtomicBool::new(false));
    let signaller = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            // Bounded: stops when the send returns, or after SIGNALS signals
            // (at least 6 s).
            let mut sent = 0;
            while !done.load(Ordering::SeqCst) && sent < SIGNALS {
                // SAFETY: `me` is alive: the sending thread joins this
                // thread before it returns.
                unsafe { libc::pthread_kill(me, libc::SIGUSR1) };
                sent += 1;
                thread::sleep(Duration::from_millis(20));
            }
            sent
        })
    };
    let result = raw.send(b"x");
    done.store(true, Ordering::SeqCst);
    let sent = signaller.join().unwrap();

    assert!(
        matches!(
            result,
            Err(TransportError::Timeout {
                phase: TransportPhase::Read,
                ..
            })
        ),
        "{result:?}"
    );
    // The send returned while the signals still came: had each one
    // restarted the wait, it would have outlasted all of them.
    assert!(sent < SIGNALS, "the send outlasted {sent} signals");
}
