//! Allocations per message on the send path, counted on the sending thread.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::{Action, Framing, Server};
use hologram_ports::Transport;
use hologram_tcp::{CloudTransport, RawTransport};

struct Counting;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    let before = COUNT.with(Cell::get);
    f();
    COUNT.with(Cell::get) - before
}

#[test]
fn a_send_allocates_only_the_reply() {
    const SENDS: usize = 20;
    let server = Server::start(Framing::Len(4), Action::Answer(b"[0,0]".to_vec()));
    let mut raw = RawTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build()
        .unwrap();
    let mut cloud = CloudTransport::builder()
        .host("127.0.0.1")
        .port(server.port())
        .build()
        .unwrap();
    // The first send creates the poller, the buffers and the cached address.
    raw.send(b"warm").unwrap();
    cloud.send(b"warm").unwrap();
    let mut replies = Vec::with_capacity(2 * SENDS);
    let n = allocations(|| {
        for _ in 0..SENDS {
            replies.push(raw.send(b"ping").unwrap());
            replies.push(cloud.send(b"ping").unwrap());
        }
    });
    assert_eq!(n, 2 * SENDS, "one allocation per message: the reply bytes");
    assert!(replies.iter().all(|r| r.bytes == b"[0,0]"));
}
