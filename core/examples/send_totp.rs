//! Send messages with TOTP authentication (device id + private key).
//!
//! The one-time password changes every 30 s; as in the Python SDK, every
//! message sent in a window carries that window's password, each message in
//! its own payload, with its own reply and receipt. Nothing waits.
//!
//! ```sh
//! cargo run -p hologram --example send_totp
//! ```

use hologram::{Credentials, Hologram};
use hologram_sim::cloud::{CloudSim, Device};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The simulator verifies the password against the devices it knows.
    let cloud = CloudSim::builder()
        .device(Device::totp("89014103211118510720", "310150123456789")?)
        .start()?;

    let credentials = Credentials::totp("89014103211118510720", "310150123456789")?;
    let mut hologram = Hologram::builder()
        .credentials(credentials)
        .network("sim")
        .transport("cloud")
        .authentication("totp")
        .endpoint("127.0.0.1", cloud.port())
        .build()?;

    // Queue three readings while the link is down, then connect: three
    // payloads, three receipts.
    for reading in ["20.1", "20.4", "20.9"] {
        println!("{}", hologram.send_message(reading, &["temp"])?);
    }
    for receipt in hologram.connect()? {
        println!("flushed {receipt}");
    }
    for m in cloud.messages() {
        println!("cloud received from {}: {:?}", m.device, m.data);
    }
    Ok(())
}
