//! Send a message to a TCP server of your own (the Python `Raw` type):
//! set host and port after construction, then send. The reply bytes come
//! back in the receipt.
//!
//! ```sh
//! cargo run -p hologram --example raw_tcp
//! ```

use std::io::{Read, Write};
use std::net::TcpListener;

use hologram::{Credentials, Hologram, TransportExt};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A one-shot server standing in for yours: it answers "OK <bytes>".
    let server = TcpListener::bind("127.0.0.1:0")?;
    let port = server.local_addr()?.port();
    let handle = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
        let (mut conn, _) = server.accept()?;
        let mut buf = vec![0; 4096];
        let mut got = Vec::new();
        // The CSRPSK frame ends with \r\r.
        while !got.ends_with(b"\r\r") {
            let n = conn.read(&mut buf)?;
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        conn.write_all(format!("OK {}", got.len()).as_bytes())?;
        Ok(got)
    });

    let credentials = Credentials::new("abcd", "wxyz")?;
    let mut hologram = Hologram::new(credentials, "", "raw", "csrpsk")?;
    hologram.transport_mut().set_host("127.0.0.1");
    hologram.transport_mut().set_port(port);

    let receipt = hologram.send_message("hello, my server", &[] as &[&str])?;
    let reply = receipt.reply().unwrap_or_default();
    println!("server replied: {}", String::from_utf8_lossy(reply));

    let payload = handle.join().map_err(|_| "server thread panicked")??;
    println!("server received: {:?}", String::from_utf8_lossy(&payload));
    Ok(())
}
