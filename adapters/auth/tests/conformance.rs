//! The conformance kit's authenticator rules, on `csrpsk` (the default compact form)
//! and `totp` (on a fixed clock).

mod csrpsk_compact {
    hologram_conformance::auth_tests!(csrpsk: hologram_auth::Csrpsk::new);
}

mod totp {
    use hologram_auth::{FixedClock, Totp};

    fn make(now: u64, window: u64) -> Totp {
        Totp::with_clock(Box::new(FixedClock::new(now)))
            .with_time_window(window)
            .expect("the kit asks for a valid window")
    }

    hologram_conformance::auth_tests!(totp: make);
}
