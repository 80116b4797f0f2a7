//! Send an SMS through the Hologram cloud (CSRPSK only), as
//! `hologram_sms.py` does.
//!
//! ```sh
//! cargo run -p hologram --example sms
//! ```

use hologram::{Credentials, Hologram};
use hologram_sim::cloud::CloudSim;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cloud = CloudSim::builder().start()?;
    let mut hologram = Hologram::builder()
        .credentials(Credentials::new("1234", "5678")?)
        .transport("cloud")
        .authentication("csrpsk")
        .endpoint("127.0.0.1", cloud.port())
        .build()?;

    let receipt = hologram.send_sms("+11234567890", "hey there!")?;
    println!("{receipt}");

    // Bad input is a typed error, before anything is sent.
    if let Err(e) = hologram.send_sms("11234567890", "no plus sign") {
        println!("refused locally: {e}");
    }
    for s in cloud.sms() {
        println!("cloud received SMS to {}: {:?}", s.destination, s.text);
    }
    Ok(())
}
