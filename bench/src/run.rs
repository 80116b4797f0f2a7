//! The benchmark run: every measurement in turn, into a [`Report`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Value};

use crate::alloc::allocations;
use crate::args::{Args, ClientKind};
use crate::clients::{self, Client, Target};
use crate::measure::{self, median, per_message, Scratch};
use crate::python::PythonSdk;
use crate::report::{finite, num, Report, Status};
use crate::serve::Simulator;
use crate::wire;

/// Messages each client sends before the rounds start.
const WARMUP: u64 = 200;
/// Runs of `hologram send` for the peak RSS.
const RSS_RUNS: usize = 5;
/// Runs of `hologram version` for the start-up time.
const STARTUP_RUNS: usize = 50;
/// Runs of the Python interpreter for its RSS and start-up.
const PYTHON_RUNS: usize = 5;
/// Kernel clock ticks per second in `/proc/PID/stat` (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;
/// The RSS target of `hologram send`, in KiB.
const RSS_TARGET_KIB: f64 = 5.0 * 1024.0;

/// `--inner-send N`: the client alone, for valgrind and strace.
pub fn inner(args: &Args, n: u64) -> Result<(), String> {
    let port = args.port.ok_or("--inner-send needs --port")?;
    let target = Target::new(args.host.as_deref().unwrap_or("127.0.0.1"), port)?;
    let mut client = Client::new(args.client, &target)?;
    match client.send(n) {
        0 => Ok(()),
        failures => Err(format!("{failures} of {n} messages failed")),
    }
}

/// Everything a measurement needs.
struct Ctx<'a> {
    args: &'a Args,
    target: Target,
    exe: PathBuf,
    scratch: Scratch,
    python: Option<PythonSdk>,
    sim_pid: Option<u32>,
    /// Cores of the machine (before pinning).
    cores: usize,
    /// (clients' CPU, simulator's CPU) when pinned.
    pin: Option<(usize, usize)>,
    /// The same for the flush.
    flush_pin: Option<(usize, usize)>,
    /// The payload size hologram-python reported for the benchmark message.
    python_payload: Option<u64>,
    report: Report,
}

/// The whole benchmark: prints the table, writes the JSON if asked.
pub fn run(args: &Args) -> Result<(), String> {
    let scratch = Scratch::new()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let python = match &args.python {
        Some(p) => Some(PythonSdk::new(p.clone(), &scratch)?),
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let fits = |p: Option<(usize, usize)>| p.filter(|&(c, s)| c.max(s) < cores);
    let pin = fits(args.pin.cpus());
    let flush_pin = fits(args.pin.flush_cpus());
    let sim = match args.port {
        Some(_) => None,
        None => Some(Simulator::start(None, pin.map(|p| p.1))?),
    };
    // After the simulator started: it gets its own CPU, not ours.
    if let Some((client, _)) = pin {
        crate::pin::pin_to(client)?;
    }
    let target = match (&sim, args.port) {
        (Some(s), _) => Target::new(&s.addr.ip().to_string(), s.addr.port())?,
        (None, Some(port)) => Target::new(args.host.as_deref().unwrap_or("127.0.0.1"), port)?,
        (None, None) => return Err("no simulator and no --port".to_owned()),
    };
    let mut cx = Ctx {
        args,
        target,
        exe,
        scratch,
        python,
        sim_pid: sim.as_ref().map(Simulator::pid),
        cores,
        pin,
        flush_pin,
        python_payload: None,
        report: Report::new(),
    };
    header(&mut cx, sim.is_some());
    sequential(&mut cx)?;
    flush(&mut cx)?;
    wire_bytes(&mut cx);
    instructions(&mut cx);
    syscalls(&mut cx);
    process(&mut cx);
    drop(sim);

    print!("{}", cx.report.render());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&cx.report.to_json()).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        println!("\nJSON written to {}", path.display());
    }
    Ok(())
}

fn progress(what: &str) {
    eprintln!("hologram-bench: {what}...");
}

fn first_line_with(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

fn header(cx: &mut Ctx<'_>, own_sim: bool) {
    let cpu = first_line_with("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".into());
    let cores = cx.cores;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let memory = first_line_with("/proc/meminfo", "MemTotal").unwrap_or_default();
    let rustc = measure::tool_present("rustc", "-V").unwrap_or_else(|| "not on PATH".into());
    let valgrind = measure::tool_present("valgrind", "--version");
    let strace = measure::tool_present("strace", "-V");
    let release = !cfg!(debug_assertions);
    let server = if own_sim {
        "hologram-bench --serve (a separate process; it shares the cores with the client)"
    } else {
        "given with --host/--port"
    };
    let r = &mut cx.report;
    r.section(format!(
        "hologram-bench {} ({} build)",
        env!("CARGO_PKG_VERSION"),
        if release {
            "release"
        } else {
            "DEBUG: numbers are meaningless"
        }
    ));
    r.note(format!(
        "machine: {cpu}, {cores} cores, {memory}, Linux {kernel}"
    ));
    r.note(format!("toolchain: {rustc}"));
    r.note(format!(
        "server: {} at {}:{}",
        server, cx.target.host, cx.target.port
    ));
    r.note(format!(
        "message: data {:?}, topics {:?}, devicekey {}",
        clients::DATA,
        clients::TOPICS,
        clients::DEVICEKEY
    ));
    if let Some(py) = &cx.python {
        r.note(format!("python: {}", py.version));
    }
    r.note(format!(
        "placement (--pin {}): {}; for the flush: {}",
        cx.args.pin.name(),
        placement(cx.pin),
        placement(cx.flush_pin)
    ));
    r.json.insert(
        "machine".into(),
        json!({
            "cpu": cpu, "cores": cores, "memory": memory, "kernel": kernel, "rustc": rustc,
            "valgrind": valgrind, "strace": strace, "release_build": release,
            "python": cx.python.as_ref().map(|p| p.version.clone()),
        }),
    );
    r.json.insert(
        "config".into(),
        json!({
            "messages": cx.args.messages, "rounds": cx.args.rounds,
            "flush_messages": cx.args.flush_messages, "flush_rounds": cx.args.flush_rounds,
            "counts": [cx.args.counts.0, cx.args.counts.1],
            "python_valgrind_counts": [cx.args.python_valgrind_counts.0, cx.args.python_valgrind_counts.1],
            "server": format!("{}:{}", cx.target.host, cx.target.port), "own_simulator": own_sim,
            "pin": cx.args.pin.name(), "pinned_cpus": cx.pin.map(|(c, s)| [c, s]),
            "flush_pinned_cpus": cx.flush_pin.map(|(c, s)| [c, s]),
            "data": clients::DATA, "topics": clients::TOPICS,
        }),
    );
}

fn placement(pin: Option<(usize, usize)>) -> String {
    match pin {
        Some((c, s)) if c == s => format!("clients and simulator share CPU {c}"),
        Some((c, s)) => format!("clients on CPU {c}, simulator on CPU {s}"),
        None => "left to the scheduler".to_owned(),
    }
}

/// Moves the simulator (if ours) to its CPU of `pin`.
fn place_simulator(cx: &Ctx<'_>, pin: Option<(usize, usize)>) -> Result<(), String> {
    match (cx.sim_pid, pin) {
        (Some(pid), Some((_, cpu))) => crate::pin::pin_pid(pid, cpu),
        _ => Ok(()),
    }
}

fn wire_bytes(cx: &mut Ctx<'_>) {
    let sdk_bench = clients::payload().len();
    let python_bench = cx.python_payload;
    let r = &mut cx.report;
    r.section("3. bytes per message: the payload (csrpsk compact) vs hologram-python 0.10.3 (wire-vectors.json)");
    match wire::compare() {
        Ok(rows) => {
            let mut all_ok = true;
            let (mut sdk_total, mut py_total) = (0usize, 0usize);
            let mut json_rows = Vec::new();
            for row in &rows {
                let ok = row.sdk <= row.python;
                all_ok &= ok;
                sdk_total += row.sdk;
                py_total += row.python;
                r.row(
                    row.label.clone(),
                    format!("{} B vs {} B", row.sdk, row.python),
                    "<= python",
                    Status::from(ok),
                );
                json_rows.push(json!({"vector": row.label, "sdk": row.sdk, "python": row.python}));
            }
            r.target(
                "payload_never_longer",
                "all vectors (SDK vs python, total)",
                sdk_total as f64,
                format!(
                    "{} B vs {} B ({:.0}%)",
                    sdk_total,
                    py_total,
                    100.0 * sdk_total as f64 / py_total.max(1) as f64
                ),
                "never longer",
                all_ok,
            );
            if let Some(py) = python_bench {
                r.row(
                    "benchmark message, as sent by both in section 1",
                    format!("{sdk_bench} B vs {py} B"),
                    "<= python",
                    Status::from(sdk_bench as u64 <= py),
                );
            }
            r.note("Each message is also one TCP connection: its framing (handshake, FIN/ACK, headers) is the same for both SDKs.");
            r.json.insert(
                "wire".into(),
                json!({"vectors": json_rows, "sdk_total": sdk_total, "python_total": py_total,
                       "bench_payload_sdk": sdk_bench, "bench_payload_python": python_bench}),
            );
        }
        Err(e) => {
            r.info("vectors", format!("error: {e}"));
        }
    }
}

/// CPU seconds (user + system) of a process so far, from `/proc/PID/stat`.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at 3.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

/// How often a process moved to another CPU so far (`se.nr_migrations` of
/// `/proc/PID/sched`, present when the kernel has scheduler debugging).
fn migrations(pid: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/sched")).ok()?;
    let line = text.lines().find(|l| l.starts_with("se.nr_migrations"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

#[derive(Debug, Default, Clone)]
struct Contest {
    migrations: f64,
    sim_migrations: f64,
    rates: Vec<f64>,
    allocs: Vec<f64>,
    failures: u64,
    cpu: f64,
    sim_cpu: f64,
    messages: u64,
}

fn sequential(cx: &mut Ctx<'_>) -> Result<(), String> {
    let n = cx.args.messages;
    progress(&format!(
        "sequential sends: {} rounds of {n} messages per client",
        cx.args.rounds
    ));
    let mut clients = Vec::new();
    for kind in ClientKind::ALL {
        let mut client = Client::new(kind, &cx.target)?;
        if client.send(WARMUP) == WARMUP {
            return Err(format!(
                "{}: every warm-up message failed: is the server at {}:{} answering?",
                kind.label(),
                cx.target.host,
                cx.target.port
            ));
        }
        clients.push((kind, client));
    }
    if let Some(py) = &cx.python {
        py.run(&cx.target, 50)?;
    }
    let sim_pid = cx.sim_pid.map(|p| p.to_string());
    let contestants = clients.len() + usize::from(cx.python.is_some());
    let mut results = vec![Contest::default(); contestants];
    for round in 0..cx.args.rounds as usize {
        for i in 0..contestants {
            let c = (i + round) % contestants;
            let res = &mut results[c];
            if let Some((_, client)) = clients.get_mut(c) {
                let cpu0 = cpu_seconds("self");
                let sim0 = sim_pid.as_deref().and_then(cpu_seconds);
                let mig0 = migrations("self");
                let smig0 = sim_pid.as_deref().and_then(migrations);
                let a0 = allocations();
                let start = Instant::now();
                res.failures += client.send(n);
                let elapsed = start.elapsed().as_secs_f64();
                let a = allocations() - a0;
                if let (Some(c0), Some(c1)) = (cpu0, cpu_seconds("self")) {
                    res.cpu += c1 - c0;
                }
                if let (Some(s0), Some(s1)) = (sim0, sim_pid.as_deref().and_then(cpu_seconds)) {
                    res.sim_cpu += s1 - s0;
                }
                if let (Some(m0), Some(m1)) = (mig0, migrations("self")) {
                    res.migrations += m1 - m0;
                }
                if let (Some(m0), Some(m1)) = (smig0, sim_pid.as_deref().and_then(migrations)) {
                    res.sim_migrations += m1 - m0;
                }
                res.rates.push(n as f64 / elapsed);
                res.allocs.push(a as f64 / n as f64);
                res.messages += n;
            } else if let Some(py) = &cx.python {
                let run = py.run(&cx.target, n)?;
                cx.python_payload = Some(run.payload_bytes);
                res.failures += run.failures;
                res.rates.push(n as f64 / run.seconds);
                res.messages += n;
            }
        }
    }

    let rate = |i: usize| median(&results[i].rates).unwrap_or(f64::NAN);
    let bare = rate(0);
    let r = &mut cx.report;
    r.section(format!(
        "1. sequential sends: median of {} rounds of {n} messages, clients taking turns; {}",
        cx.args.rounds,
        placement(cx.pin)
    ));
    let mut json_clients = serde_json::Map::new();
    let shown = |rate: f64| format!("{} msg/s ({} us/msg)", num(rate, 0), num(1e6 / rate, 1));
    for (i, (kind, _)) in clients.iter().enumerate() {
        let res = &results[i];
        let rt = rate(i);
        r.info(kind.label(), shown(rt));
        if *kind != ClientKind::Bare {
            let ratio = rt / bare;
            r.target(
                &format!("sequential_{}_vs_bare", kind.name()),
                format!("  ratio {} / bare", kind.name()),
                ratio,
                format!("{}x", num(ratio, 2)),
                ">= 0.9x",
                ratio >= 0.9,
            );
        }
        let msgs = res.messages.max(1) as f64;
        json_clients.insert(
            kind.name().into(),
            json!({
                "rates": res.rates, "median_rate": finite(rt), "failures": res.failures,
                "allocations_per_message": finite(median(&res.allocs).unwrap_or(f64::NAN)),
                "cpu_us_per_message": finite(res.cpu * 1e6 / msgs),
                "simulator_cpu_us_per_message": finite(res.sim_cpu * 1e6 / msgs),
                "migrations_per_message": finite(res.migrations / msgs),
                "simulator_migrations_per_message": finite(res.sim_migrations / msgs),
            }),
        );
    }
    if cx.python.is_some() {
        let i = clients.len();
        let py = rate(i);
        r.info("hologram-python CustomCloud", shown(py));
        let cloud = rate(2);
        r.info("  ratio python / bare", format!("{}x", num(py / bare, 2)));
        r.info(
            "  ratio SDK cloud / python",
            format!("{}x", num(cloud / py, 2)),
        );
        json_clients.insert(
            "python".into(),
            json!({"rates": results[i].rates, "median_rate": finite(py), "failures": results[i].failures}),
        );
    }
    let cpu_line: Vec<String> = clients
        .iter()
        .enumerate()
        .map(|(i, (kind, _))| {
            let msgs = results[i].messages.max(1) as f64;
            format!(
                "{} {} + simulator {}",
                kind.name(),
                num(results[i].cpu * 1e6 / msgs, 1),
                num(results[i].sim_cpu * 1e6 / msgs, 1)
            )
        })
        .collect();
    r.note(format!(
        "CPU us per message (client + simulator, 10 ms ticks): {}",
        cpu_line.join("; ")
    ));
    if migrations("self").is_some() {
        let mig: Vec<String> = clients
            .iter()
            .enumerate()
            .map(|(i, (kind, _))| {
                let msgs = results[i].messages.max(1) as f64;
                format!(
                    "{} {} + simulator {}",
                    kind.name(),
                    num(results[i].migrations / msgs, 3),
                    num(results[i].sim_migrations / msgs, 3)
                )
            })
            .collect();
        r.note(format!(
            "CPU migrations per message (client + simulator): {}",
            mig.join("; ")
        ));
    }
    let failures: u64 = results.iter().map(|c| c.failures).sum();
    if failures > 0 {
        r.note(format!("WARNING: {failures} messages were not delivered"));
    }
    let alloc_line: Vec<String> = clients
        .iter()
        .enumerate()
        .map(|(i, (kind, _))| {
            format!(
                "{} {}",
                kind.name(),
                num(median(&results[i].allocs).unwrap_or(f64::NAN), 1)
            )
        })
        .collect();
    r.note(format!(
        "heap allocations per message: {}",
        alloc_line.join(", ")
    ));
    r.json
        .insert("sequential".into(), Value::Object(json_clients));
    Ok(())
}

/// One flush measurement: medians per variant (concurrent, ordered, bare).
#[derive(Debug, Default)]
struct FlushRuns {
    times: [Vec<f64>; 3],
    failures: [u64; 3],
    cpu: [f64; 3],
    sim_cpu: [f64; 3],
    messages: [u64; 3],
}

impl FlushRuns {
    fn median(&self, i: usize) -> f64 {
        median(&self.times[i]).unwrap_or(f64::NAN)
    }

    /// CPU microseconds per message of the client and of the simulator.
    fn cpu_us(&self, i: usize) -> (f64, f64) {
        let m = self.messages[i].max(1) as f64;
        (self.cpu[i] * 1e6 / m, self.sim_cpu[i] * 1e6 / m)
    }
}

/// `rounds` rounds of the three variants taking turns, against `target`.
fn flush_runs(
    target: &Target,
    n: u64,
    rounds: u64,
    max_in_flight: Option<u64>,
    sim_pid: Option<u32>,
    with_bare: bool,
) -> Result<FlushRuns, String> {
    let sim_pid = sim_pid.map(|p| p.to_string());
    let mut runs = FlushRuns::default();
    let variants = if with_bare { 3 } else { 2 };
    for round in 0..rounds as usize {
        for i in 0..variants {
            let which = (i + round) % variants;
            let cpu0 = cpu_seconds("self");
            let sim0 = sim_pid.as_deref().and_then(cpu_seconds);
            let f = match which {
                0 => clients::flush(target, n, false, max_in_flight)?,
                1 => clients::flush(target, n, true, None)?,
                _ => clients::timed_bare(target, n)?,
            };
            if let (Some(c0), Some(c1)) = (cpu0, cpu_seconds("self")) {
                runs.cpu[which] += c1 - c0;
            }
            if let (Some(s0), Some(s1)) = (sim0, sim_pid.as_deref().and_then(cpu_seconds)) {
                runs.sim_cpu[which] += s1 - s0;
            }
            runs.times[which].push(f.elapsed.as_secs_f64());
            runs.failures[which] += f.failures;
            runs.messages[which] += n;
        }
    }
    Ok(runs)
}

fn flush(cx: &mut Ctx<'_>) -> Result<(), String> {
    place_simulator(cx, cx.flush_pin)?;
    let result = flush_placed(cx);
    place_simulator(cx, cx.pin)?;
    result
}

fn flush_placed(cx: &mut Ctx<'_>) -> Result<(), String> {
    let n = cx.args.flush_messages;
    progress(&format!(
        "outbox flush: {} rounds of {n} messages",
        cx.args.flush_rounds
    ));
    let runs = flush_runs(
        &cx.target,
        n,
        cx.args.flush_rounds,
        cx.args.max_in_flight,
        cx.sim_pid,
        true,
    )?;
    let (conc, ordered, bare) = (runs.median(0), runs.median(1), runs.median(2));
    let in_flight = cx
        .args
        .max_in_flight
        .map_or_else(|| "32 (default)".to_owned(), |m| m.to_string());
    let r = &mut cx.report;
    r.section(format!(
        "2. outbox flush of {n} queued messages (cloud + csrpsk): median of {} rounds; {}",
        cx.args.flush_rounds,
        placement(cx.flush_pin)
    ));
    let shown =
        |secs: f64, n: u64| format!("{} s ({} msg/s)", num(secs, 3), num(n as f64 / secs, 0));
    r.info(
        format!("concurrent flush (send_batch, max_in_flight {in_flight})"),
        shown(conc, n),
    );
    r.info(
        "ordered flush (ordered_delivery: one at a time)",
        shown(ordered, n),
    );
    r.info("bare std::net loop, sequential", shown(bare, n));
    r.target(
        "flush_vs_sequential_sdk",
        "  ratio: concurrent vs SDK one at a time",
        ordered / conc,
        format!("{}x", num(ordered / conc, 2)),
        ">= 3x",
        ordered / conc >= 3.0,
    );
    r.target(
        "flush_vs_bare_loop",
        "  ratio: concurrent vs bare sequential loop",
        bare / conc,
        format!("{}x", num(bare / conc, 2)),
        ">= 3x",
        bare / conc >= 3.0,
    );
    let cpu: Vec<String> = ["concurrent", "ordered", "bare"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (c, s) = runs.cpu_us(i);
            format!("{name} {} + simulator {}", num(c, 1), num(s, 1))
        })
        .collect();
    r.note(format!(
        "CPU us per message (client + simulator): {}",
        cpu.join("; ")
    ));
    let (c, s) = runs.cpu_us(0);
    let ceiling = match cx.flush_pin {
        Some((a, b)) if a == b => 1e6 / (c + s),
        Some(_) => 1e6 / c.max(s),
        None => cx.cores as f64 * 1e6 / (c + s),
    };
    r.note(format!(
        "CPU-bound ceiling of the concurrent flush with this placement: {} msg/s (it reached {}%).",
        num(ceiling, 0),
        num(100.0 * (n as f64 / conc) / ceiling, 0)
    ));
    if runs.failures.iter().any(|&f| f > 0) {
        r.note(format!(
            "WARNING: not delivered: concurrent {}, ordered {}, bare {}",
            runs.failures[0], runs.failures[1], runs.failures[2]
        ));
    }
    let mut json_flush = json!({
        "messages": n, "max_in_flight": cx.args.max_in_flight.unwrap_or(32),
        "concurrent_seconds": runs.times[0], "ordered_seconds": runs.times[1], "bare_seconds": runs.times[2],
        "median_concurrent": finite(conc), "median_ordered": finite(ordered), "median_bare": finite(bare),
        "cpu_us_per_message": [finite(runs.cpu_us(0).0), finite(runs.cpu_us(1).0), finite(runs.cpu_us(2).0)],
        "simulator_cpu_us_per_message": [finite(runs.cpu_us(0).1), finite(runs.cpu_us(1).1), finite(runs.cpu_us(2).1)],
        "failures": runs.failures,
    });

    if cx.args.delay_ms > 0.0 && cx.args.delay_ms.is_finite() {
        let delay = std::time::Duration::from_secs_f64(cx.args.delay_ms / 1e3);
        let dn = cx.args.delay_messages;
        progress(&format!(
            "outbox flush against a simulator answering after {} ms: {dn} messages",
            cx.args.delay_ms
        ));
        let sim = Simulator::start(Some(delay), cx.flush_pin.map(|p| p.1))?;
        let target = Target::new(&sim.addr.ip().to_string(), sim.addr.port())?;
        let runs = flush_runs(
            &target,
            dn,
            1,
            cx.args.max_in_flight,
            Some(sim.pid()),
            false,
        )?;
        drop(sim);
        let (conc, ordered) = (runs.median(0), runs.median(1));
        let r = &mut cx.report;
        r.info(
            format!(
                "with a {} ms reply delay (a round-trip stand-in), {dn} messages: concurrent",
                cx.args.delay_ms
            ),
            shown(conc, dn),
        );
        r.info("  ... ordered, one at a time", shown(ordered, dn));
        r.info(
            "  ratio: concurrent vs one at a time, delayed",
            format!("{}x", num(ordered / conc, 1)),
        );
        if runs.failures.iter().any(|&f| f > 0) {
            r.note(format!(
                "WARNING: not delivered (delayed): concurrent {}, ordered {}",
                runs.failures[0], runs.failures[1]
            ));
        }
        json_flush["delayed"] = json!({
            "delay_ms": cx.args.delay_ms, "messages": dn,
            "concurrent_seconds": finite(conc), "ordered_seconds": finite(ordered),
            "failures": [runs.failures[0], runs.failures[1]],
        });
    }
    cx.report.json.insert("flush".into(), json_flush);
    Ok(())
}

fn inner_command(cx: &Ctx<'_>, kind: ClientKind, n: u64) -> Vec<OsString> {
    vec![
        cx.exe.clone().into(),
        "--inner-send".into(),
        n.to_string().into(),
        "--client".into(),
        kind.name().into(),
        "--host".into(),
        cx.target.host.clone().into(),
        "--port".into(),
        cx.target.port.to_string().into(),
    ]
}

/// A client measured by two runs: its name, the two commands, the two
/// message counts.
type TwoRuns = (String, [Vec<OsString>; 2], (u64, u64));

/// The commands measured per message: the Rust clients, then Python.
fn contestants(cx: &Ctx<'_>, python_counts: (u64, u64)) -> Vec<TwoRuns> {
    let (n1, n2) = (cx.args.counts.0, cx.args.counts.1);
    let mut list: Vec<_> = ClientKind::ALL
        .iter()
        .map(|&k| {
            (
                k.name().to_owned(),
                [inner_command(cx, k, n1), inner_command(cx, k, n2)],
                (n1, n2),
            )
        })
        .collect();
    if let Some(py) = &cx.python {
        let (p1, p2) = python_counts;
        list.push((
            "python".to_owned(),
            [py.command(&cx.target, p1), py.command(&cx.target, p2)],
            (p1, p2),
        ));
    }
    list
}

fn label(name: &str) -> &'static str {
    match name {
        "bare" => ClientKind::Bare.label(),
        "raw" => ClientKind::Raw.label(),
        "cloud" => ClientKind::Cloud.label(),
        _ => "hologram-python CustomCloud",
    }
}

fn instructions(cx: &mut Ctx<'_>) {
    let r = &mut cx.report;
    r.section("4a. user-space instructions per message (valgrind --tool=callgrind, whole client process, two counts)");
    if cx.args.skip_valgrind {
        r.info("instructions", "skipped (--skip-valgrind)");
        return;
    }
    if measure::tool_present("valgrind", "--version").is_none() {
        r.info("instructions", "not measured: valgrind is not installed");
        return;
    }
    progress("instructions per message (valgrind)");
    let pc = (
        cx.args.python_valgrind_counts.0,
        cx.args.python_valgrind_counts.1,
    );
    let list = contestants(cx, pc);
    let file = cx.scratch.path("callgrind.out");
    let mut json_rows = serde_json::Map::new();
    let mut per = BTreeMap::new();
    for (name, cmds, (n1, n2)) in &list {
        let result = measure::callgrind(&cmds[0], &file)
            .and_then(|i1| measure::callgrind(&cmds[1], &file).map(|i2| (i1, i2)));
        let r = &mut cx.report;
        match result {
            Ok((i1, i2)) => {
                let p = per_message(i1 as f64, i2 as f64, *n1, *n2);
                per.insert(name.clone(), p);
                let shown = format!("{} instr/msg", num(p, 0));
                if name == "cloud" {
                    r.target(
                        "instructions_cloud",
                        label(name),
                        p,
                        shown,
                        "<= 3,000",
                        p <= 3000.0,
                    );
                } else {
                    r.info(label(name), shown);
                }
                json_rows.insert(
                    name.clone(),
                    json!({"counts": [n1, n2], "instructions": [i1, i2], "per_message": finite(p)}),
                );
            }
            Err(e) => {
                r.info(label(name), "error");
                r.note(e);
            }
        }
    }
    let r = &mut cx.report;
    let (n1, n2) = (cx.args.counts.0, cx.args.counts.1);
    r.note(format!(
        "Rust clients: {n1} and {n2} messages; python: {} and {} (slow under valgrind).",
        pc.0, pc.1
    ));
    if let (Some(cloud), Some(py)) = (per.get("cloud"), per.get("python")) {
        r.info(
            "  ratio python / SDK cloud",
            format!("{}x", num(py / cloud, 1)),
        );
    }
    r.json
        .insert("instructions".into(), Value::Object(json_rows));
}

fn syscalls(cx: &mut Ctx<'_>) {
    let r = &mut cx.report;
    r.section("4b. system calls per message (strace -f -c, whole client process, two counts)");
    if cx.args.skip_strace {
        r.info("syscalls", "skipped (--skip-strace)");
        return;
    }
    if measure::tool_present("strace", "-V").is_none() {
        r.info("syscalls", "not measured: strace is not installed");
        return;
    }
    progress("system calls per message (strace)");
    let (n1, n2) = (cx.args.counts.0, cx.args.counts.1);
    let list = contestants(cx, (n1, n2));
    let file = cx.scratch.path("strace.out");
    let mut json_rows = serde_json::Map::new();
    for (name, cmds, (n1, n2)) in &list {
        let result = measure::strace(&cmds[0], &file)
            .and_then(|c1| measure::strace(&cmds[1], &file).map(|c2| (c1, c2)));
        let r = &mut cx.report;
        match result {
            Ok((c1, c2)) => {
                let total = |c: &BTreeMap<String, u64>| c.values().sum::<u64>() as f64;
                let p = per_message(total(&c1), total(&c2), *n1, *n2);
                let mut by_call: Vec<(String, f64)> = c2
                    .iter()
                    .map(|(k, &v)| {
                        let before = c1.get(k).copied().unwrap_or(0) as f64;
                        (k.clone(), per_message(before, v as f64, *n1, *n2))
                    })
                    .filter(|(_, x)| *x >= 0.05)
                    .collect();
                by_call.sort_by(|a, b| b.1.total_cmp(&a.1));
                let shown = format!("{} syscalls/msg", num(p, 2));
                if name == "raw" || name == "cloud" {
                    r.target(
                        &format!("syscalls_{name}"),
                        label(name),
                        p,
                        shown,
                        "<= 8",
                        p <= 8.0 + 0.05,
                    );
                } else {
                    r.info(label(name), shown);
                }
                r.note(
                    by_call
                        .iter()
                        .map(|(k, v)| format!("{k} {}", num(*v, 2)))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                json_rows.insert(
                    name.clone(),
                    json!({
                        "counts": [n1, n2], "per_message": finite(p),
                        "by_syscall": by_call.iter().map(|(k, v)| (k.clone(), finite(*v))).collect::<serde_json::Map<_, _>>(),
                    }),
                );
            }
            Err(e) => {
                r.info(label(name), "error");
                r.note(e);
            }
        }
    }
    cx.report.note(format!(
        "All clients: {n1} and {n2} messages; failed calls (EINPROGRESS, EAGAIN) count."
    ));
    cx.report
        .json
        .insert("syscalls".into(), Value::Object(json_rows));
}

/// Medians of several runs of `cmd`: (wall seconds, RSS KiB, max RSS KiB,
/// all succeeded). `traced`: the program's own peak RSS ([`measure::peak_rss`]);
/// else the wall time untraced ([`measure::run_timed`]).
fn usage_runs(
    cmd: &[OsString],
    runs: usize,
    traced: bool,
) -> Result<(f64, f64, f64, bool), String> {
    let mut walls = Vec::new();
    let mut rss = Vec::new();
    let mut ok = true;
    for _ in 0..runs {
        let u = if traced {
            measure::peak_rss(cmd)?
        } else {
            measure::run_timed(cmd)?
        };
        walls.push(u.wall.as_secs_f64());
        rss.push(u.max_rss_kib as f64);
        ok &= u.success;
    }
    let max = rss.iter().copied().fold(0.0, f64::max);
    Ok((
        median(&walls).unwrap_or(f64::NAN),
        median(&rss).unwrap_or(f64::NAN),
        max,
        ok,
    ))
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn process(cx: &mut Ctx<'_>) {
    progress("peak RSS, start-up and size of `hologram`");
    let hologram = cx
        .args
        .hologram
        .clone()
        .unwrap_or_else(|| cx.exe.with_file_name("hologram"));
    let port = cx.target.port.to_string();
    let mut json_rows = serde_json::Map::new();
    cx.report.section(format!(
        "5. the `hologram` command ({})",
        hologram.display()
    ));
    let mut hologram_rss = f64::NAN;
    if hologram.exists() {
        let h = hologram.to_string_lossy().into_owned();
        let send = os(&[
            &h,
            "send",
            "--host",
            &cx.target.host,
            "-p",
            &port,
            "--devicekey",
            clients::DEVICEKEY,
            "hello",
        ]);
        let r = &mut cx.report;
        let timed = usage_runs(&send, RSS_RUNS, false);
        match usage_runs(&send, RSS_RUNS, true) {
            Ok((_, rss, max, ok)) => {
                let wall = timed.as_ref().map_or(f64::NAN, |t| t.0);
                hologram_rss = rss;
                r.target(
                    "rss_hologram_send",
                    format!("peak RSS, `hologram send` of one message (median of {RSS_RUNS})"),
                    rss,
                    format!("{} KiB (max {})", num(rss, 0), num(max, 0)),
                    "< 5 MiB",
                    rss < RSS_TARGET_KIB,
                );
                r.info(
                    "  wall time of that send",
                    format!("{} ms", num(wall * 1e3, 2)),
                );
                if !ok {
                    r.note("WARNING: `hologram send` did not exit 0");
                }
                json_rows.insert(
                    "send".into(),
                    json!({"rss_kib": finite(rss), "max_rss_kib": finite(max), "wall_s": finite(wall), "ok": ok}),
                );
            }
            Err(e) => {
                r.info("peak RSS of `hologram send`", "error");
                r.note(e);
            }
        }
        match usage_runs(&os(&[&h, "version"]), STARTUP_RUNS, false) {
            Ok((wall, _, _, ok)) => {
                r.target(
                    "startup_hologram_version",
                    format!("start-up: `hologram version` wall time (median of {STARTUP_RUNS})"),
                    wall * 1e3,
                    format!("{} ms", num(wall * 1e3, 2)),
                    "< 5 ms",
                    ok && wall < 0.005,
                );
                json_rows.insert("version_wall_s".into(), finite(wall));
            }
            Err(e) => {
                r.info("start-up", "error");
                r.note(e);
            }
        }
        if Path::new("/bin/true").exists() {
            let rss = usage_runs(&os(&["/bin/true"]), 1, true).map_or(f64::NAN, |u| u.1);
            if let Ok((wall, _, _, _)) = usage_runs(&os(&["/bin/true"]), STARTUP_RUNS, false) {
                r.info(
                    "  floor: /bin/true (spawn + exec + wait)",
                    format!("{} ms, {} KiB", num(wall * 1e3, 2), num(rss, 0)),
                );
                json_rows.insert("true_wall_s".into(), finite(wall));
            }
        }
        match measure::stripped_size(&hologram, &cx.scratch) {
            Ok((full, stripped)) => {
                r.info(
                    "binary size, stripped (unstripped)",
                    format!(
                        "{} B = {} MiB ({} B)",
                        num(stripped as f64, 0),
                        num(stripped as f64 / 1048576.0, 2),
                        num(full as f64, 0)
                    ),
                );
                json_rows.insert(
                    "size".into(),
                    json!({"stripped_bytes": stripped, "bytes": full}),
                );
            }
            Err(e) => {
                r.info("binary size", "error");
                r.note(e);
            }
        }
    } else {
        cx.report.info(
            "hologram",
            "not measured: build it with cargo build --release -p hologram-cli",
        );
    }
    if let Some(py) = &cx.python {
        let r = &mut cx.report;
        let timed = usage_runs(&py.command(&cx.target, 1), PYTHON_RUNS, false);
        match usage_runs(&py.command(&cx.target, 1), PYTHON_RUNS, true) {
            Ok((_, rss, max, ok)) => {
                let wall = timed.as_ref().map_or(f64::NAN, |t| t.0);
                r.info(
                    format!("python: peak RSS of one CustomCloud send (median of {PYTHON_RUNS})"),
                    format!("{} KiB (max {})", num(rss, 0), num(max, 0)),
                );
                r.info(
                    "  wall time of that send",
                    format!("{} ms", num(wall * 1e3, 2)),
                );
                if hologram_rss.is_finite() {
                    r.info(
                        "  ratio python RSS / hologram RSS",
                        format!("{}x", num(rss / hologram_rss, 1)),
                    );
                }
                if !ok {
                    r.note("WARNING: the Python send did not exit 0");
                }
                json_rows.insert(
                    "python_send".into(),
                    json!({"rss_kib": finite(rss), "max_rss_kib": finite(max), "wall_s": finite(wall), "ok": ok}),
                );
            }
            Err(e) => {
                r.info("python RSS", "error");
                r.note(e);
            }
        }
        if let Ok((wall, _, _, _)) = usage_runs(&py.import_command(), PYTHON_RUNS, false) {
            r.info(
                "  python start-up: interpreter + SDK import",
                format!("{} ms", num(wall * 1e3, 2)),
            );
            json_rows.insert("python_import_wall_s".into(), finite(wall));
        }
    }
    cx.report
        .json
        .insert("process".into(), Value::Object(json_rows));
}
