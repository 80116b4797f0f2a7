//! Subscribe to events, unsubscribe, and broadcast your own, as the Python
//! `Event` class.
//!
//! ```sh
//! cargo run -p hologram --example events
//! ```

use hologram::{Credentials, Hologram};
use hologram_sim::cloud::CloudSim;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cloud = CloudSim::builder().start()?;
    let mut hologram = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678")?)
        .network("sim")
        .endpoint("127.0.0.1", cloud.port())
        .build()?;

    let events = hologram.events().clone();
    events.subscribe("wifi.connected", |_| {
        println!("wifiIsUp: the (simulated) Wi-Fi is up")
    });
    events.subscribe_all(|e| println!("  event {e}"));
    let hello = events.subscribe("message.sent", |_| println!("sayHello: a message went out"));

    hologram.connect()?;
    hologram.send_message("first", &[] as &[&str])?;

    events.unsubscribe("message.sent", hello);
    hologram.send_message("second", &[] as &[&str])?;

    // Your own events travel on the same bus.
    events.subscribe("door.opened", |_| println!("the door opened"));
    events.broadcast("door.opened");
    Ok(())
}
