//! A signal that interrupts the wait for readiness does not restart the
//! wait: a timeout still fires on time. (Its own test binary: it installs a
//! process-wide handler for SIGUSR1.)

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Action, Framing, Server};
use hologram_ports::{Transport, TransportError, TransportPhase};
use hologram_tcp::RawTransport;

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
            // Bounded: stops when the send returns, or after 6 s at most.
            let until = Instant::now() + Duration::from_secs(6);
            while !done.load(Ordering::SeqCst) && Instant::now() < until {
                // SAFETY: `me` is alive: the sending thread joins this
                // thread before it returns.
                unsafe { libc::pthread_kill(me, libc::SIGUSR1) };
                thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let result = raw.send(b"x");
    let elapsed = started.elapsed();
    done.store(true, Ordering::SeqCst);
    signaller.join().unwrap();

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
    // Generous, yet far below the 6 s the signals go on for if each one
    // restarted the wait.
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
}
