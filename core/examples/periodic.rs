//! A periodic sender: one reading every interval, surviving link drops.
//! The simulated link drops now and then (a seeded fault plan); readings
//! taken while it is down are queued and flushed in order when it is back.
//!
//! ```sh
//! cargo run -p hologram --example periodic -- [COUNT] [INTERVAL_MS]
//! ```

use std::time::Duration;

use hologram::{AdapterConfig, Credentials, Hologram};
use hologram_sim::cloud::CloudSim;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: u32 = args.next().map_or(Ok(10), |a| a.parse())?;
    let interval = Duration::from_millis(args.next().map_or(Ok(100), |a| a.parse())?);

    let cloud = CloudSim::builder().start()?;
    let mut hologram = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678")?)
        .network("sim")
        .network_config(
            AdapterConfig::new()
                .with("connected", "true")
                .with("seed", "42")
                .with("flap_every", "4"),
        )
        .endpoint("127.0.0.1", cloud.port())
        .build()?;

    for i in 0..count {
        let reading = format!(
            "{{\"seq\":{i},\"temp\":{:.1}}}",
            20.0 + f64::from(i % 7) / 10.0
        );
        let receipt = hologram.send_message(&reading, &["periodic"])?;
        println!("{receipt}");
        std::thread::sleep(interval);
    }
    // Whatever is still queued goes out once the link is back.
    for _ in 0..100 {
        if hologram.pending() == 0 {
            break;
        }
        hologram.reconnect()?;
    }
    println!(
        "sent {count}, cloud received {}, still queued {}",
        cloud.messages().len(),
        hologram.pending()
    );
    Ok(())
}
