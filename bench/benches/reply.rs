//! Micro-benchmarks of the cloud's reply parser,
//! `hologram_ports::ResultCode::parse_reply`, on every reply of the
//! reference vectors and on the malformed and empty cases.
//!
//! `cargo bench -p hologram-bench --bench reply`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hologram_conformance::vectors::wire_vectors;
use hologram_ports::ResultCode;

fn replies(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_reply");
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("sent [0,0]".into(), b"[0,0]".to_vec()),
        ("with whitespace".into(), b" [0, 0]\r\n".to_vec()),
        ("unknown [42,0]".into(), b"[42,0]".to_vec()),
        ("empty".into(), Vec::new()),
        ("not an array".into(), b"OK".to_vec()),
        ("1 KiB of junk".into(), vec![b'x'; 1024]),
    ];
    for v in &wire_vectors().response_codes {
        if v.code != 0 {
            cases.push((format!("vector {}", v.reply), v.reply.as_bytes().to_vec()));
        }
    }
    for (name, bytes) in &cases {
        group.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| ResultCode::parse_reply(black_box(bytes)))
        });
    }
    group.finish();
}

criterion_group!(benches, replies);
criterion_main!(benches);
