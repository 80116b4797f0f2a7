//! Messages sent while the network is down wait in the outbox and go out,
//! in order and once, when it is back. With logging on, each flushed message
//! logs `INFO:Cloud:A buffered message has been sent since an active
//! connection is established`, as in the Python SDK.
//!
//! ```sh
//! cargo run -p hologram --example buffered
//! ```

use hologram::{Credentials, Hologram};
use hologram_sim::cloud::CloudSim;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The program picks the logger; this one prints the Python SDK's lines.
    fern::Dispatch::new()
        .format(|out, message, record| {
            out.finish(format_args!(
                "{}",
                hologram::logging::format_line(record.level(), record.target(), message)
            ))
        })
        .level(log::LevelFilter::Info)
        .chain(std::io::stderr())
        .apply()
        .ok();
    let cloud = CloudSim::builder().start()?;
    let mut hologram = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678")?)
        .network("sim")
        .endpoint("127.0.0.1", cloud.port())
        .build()?;

    hologram.events().subscribe("message.buffered", |_| {
        println!("event: message.buffered");
    });

    // The simulated link starts down.
    for i in 1..=3 {
        let receipt = hologram.send_message(&format!("reading {i}"), &["buffered"])?;
        println!("{receipt}");
    }
    println!("{} messages wait for the network", hologram.pending());

    for receipt in hologram.connect()? {
        println!("{receipt}");
    }
    // A second reconnect sends nothing again.
    hologram.reconnect()?;
    println!("cloud received {} messages", cloud.messages().len());
    Ok(())
}
