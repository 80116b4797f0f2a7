//! Send a message with topics through the Hologram cloud, CSRPSK
//! authentication (the device key), as `hologram_send.py` does.
//!
//! Runs against the embedded cloud simulator. To send to the real cloud,
//! drop the simulator and the `.endpoint(..)` line and use your device key.
//!
//! ```sh
//! cargo run -p hologram --example send_csrpsk
//! ```

use hologram::{Credentials, Hologram};
use hologram_sim::cloud::CloudSim;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cloud = CloudSim::builder().start()?;

    let credentials = Credentials::with_devicekey("12345678")?;
    let mut hologram = Hologram::builder()
        .credentials(credentials)
        .transport("cloud")
        .authentication("csrpsk")
        .endpoint("127.0.0.1", cloud.port())
        .build()?;

    let receipt = hologram.send_message("21.5C", &["sensor/temp", "room-1"])?;
    println!("receipt: {receipt}");

    for m in cloud.messages() {
        println!("cloud received: topics={:?} data={:?}", m.topics, m.data);
    }
    Ok(())
}
