//! Measuring tools: medians, the two-count difference under valgrind
//! (callgrind) and strace, a child's peak RSS (`wait4`), wall time of a
//! process, and the stripped size of a binary.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The median of `values` (the mean of the two middle ones for an even
/// count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// `(c2 - c1) / (n2 - n1)`: the cost of one more message, with everything
/// done once per process (start-up, set-up, exit) cancelled out.
pub fn per_message(c1: f64, c2: f64, n1: u64, n2: u64) -> f64 {
    if n2 == n1 {
        return f64::NAN;
    }
    (c2 - c1) / (n2 as f64 - n1 as f64)
}

/// Whether `tool --version` (or `-V`) runs.
pub fn tool_present(tool: &str, flag: &str) -> Option<String> {
    let out = Command::new(tool)
        .arg(flag)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&out.stderr).into_owned()
    } else {
        text.into_owned()
    };
    Some(text.lines().next().unwrap_or_default().trim().to_owned())
}

/// A scratch directory, removed when dropped.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new directory under the system's temporary directory.
    pub fn new() -> Result<Scratch, String> {
        let dir = std::env::temp_dir().join(format!("hologram-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }

    /// A path inside it.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// User-space instructions of the whole process `cmd` under
/// `valgrind --tool=callgrind` (its "Collected" count).
pub fn callgrind(cmd: &[OsString], out_file: &Path) -> Result<u64, String> {
    let (program, args) = cmd.split_first().ok_or("empty command")?;
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let _ = std::fs::remove_file(out_file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "valgrind {}: {}",
            out.status,
            stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
        ));
    }
    parse_callgrind(&stderr).ok_or_else(|| "no \"Collected\" line from callgrind".to_owned())
}

/// The `Collected : N` count of callgrind's summary.
pub fn parse_callgrind(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, rest) = line.split_once("Collected :")?;
        rest.trim().replace(',', "").parse().ok()
    })
}

/// System calls of the process `cmd` and its threads, by name, from
/// `strace -f -c` (failed calls included).
pub fn strace(cmd: &[OsString], out_file: &Path) -> Result<BTreeMap<String, u64>, String> {
    let out = Command::new("strace")
        .arg("-f")
        .arg("-c")
        .arg("-o")
        .arg(out_file)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run strace: {e}"))?;
    let text = std::fs::read_to_string(out_file).unwrap_or_default();
    let _ = std::fs::remove_file(out_file);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "strace {}: {}",
            out.status,
            stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
        ));
    }
    let counts = parse_strace(&text);
    if counts.is_empty() {
        return Err("strace -c printed no summary".to_owned());
    }
    Ok(counts)
}

/// Parses the table of `strace -c`: `% time, seconds, usecs/call, calls,
/// [errors,] syscall` per line; the `total` line is left out.
pub fn parse_strace(text: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some((name, numbers)) = fields.split_last() else {
            continue;
        };
        if *name == "total" || numbers.len() < 4 || numbers.len() > 5 {
            continue;
        }
        if numbers.iter().any(|n| n.parse::<f64>().is_err()) {
            continue;
        }
        if let Ok(calls) = numbers[3].parse::<u64>() {
            *counts.entry((*name).to_owned()).or_insert(0) += calls;
        }
    }
    counts
}

/// What a finished child used.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Wall time from spawn to reaped.
    pub wall: Duration,
    /// Peak resident set size, in KiB.
    pub max_rss_kib: u64,
    /// Whether it exited with status 0.
    pub success: bool,
}

fn spawn_quiet(cmd: &[OsString]) -> Result<Command, String> {
    let (program, args) = cmd.split_first().ok_or("empty command")?;
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(command)
}

fn exited_ok(status: libc::c_int) -> bool {
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
}

/// Runs `cmd` (no standard input, output discarded) and times it from
/// spawn to reaped. `max_rss_kib` is `wait4`'s `ru_maxrss`, which also
/// counts the image of the process that spawned it (Linux records the old
/// memory's high-water mark at `exec`): use [`peak_rss`] for the program's
/// own peak.
pub fn run_timed(cmd: &[OsString]) -> Result<Usage, String> {
    let mut command = spawn_quiet(cmd)?;
    let start = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", cmd[0].to_string_lossy()))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let (status, rusage) = wait4(pid)?;
    let wall = start.elapsed();
    // Reaped above: dropping the handle does not wait again.
    drop(child);
    Ok(Usage {
        wall,
        max_rss_kib: u64::try_from(rusage.ru_maxrss).unwrap_or(0),
        success: exited_ok(status),
    })
}

/// `PTRACE_EVENT_EXIT` (`<linux/ptrace.h>`).
const PTRACE_EVENT_EXIT: libc::c_int = 6;

/// Runs `cmd` and reads its own peak RSS: the child asks to be traced, and
/// when it is about to exit (`PTRACE_EVENT_EXIT`, memory not yet released)
/// its `VmHWM` is read from `/proc/PID/status`. That high-water mark
/// belongs to the memory made at `exec`, so unlike `ru_maxrss` it does not
/// include this (larger) benchmark process it was forked from. `wall`
/// includes the tracing stops.
#[allow(unsafe_code)]
pub fn peak_rss(cmd: &[OsString]) -> Result<Usage, String> {
    use std::os::unix::process::CommandExt;
    let mut command = spawn_quiet(cmd)?;
    // SAFETY: runs in the forked child before exec and makes one
    // async-signal-safe system call, allocating nothing.
    unsafe {
        command.pre_exec(|| {
            let null = std::ptr::null_mut::<libc::c_void>();
            if libc::ptrace(libc::PTRACE_TRACEME, 0, null, null) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run {} traced: {e}", cmd[0].to_string_lossy()))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    drop(child);
    let mut hwm = None;
    // The first stop is the SIGTRAP that follows exec.
    let (mut status, _) = wait4(pid)?;
    if libc::WIFSTOPPED(status) {
        let options = (libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL) as usize;
        // SAFETY: `pid` is our stopped tracee; the data argument is the options word.
        unsafe {
            libc::ptrace(
                libc::PTRACE_SETOPTIONS,
                pid,
                std::ptr::null_mut::<libc::c_void>(),
                options as *mut libc::c_void,
            );
        }
    }
    let mut signal = 0usize;
    while libc::WIFSTOPPED(status) {
        if status >> 8 == (libc::SIGTRAP | (PTRACE_EVENT_EXIT << 8)) {
            hwm = read_vm_hwm(pid);
            signal = 0;
        } else if libc::WSTOPSIG(status) != libc::SIGTRAP {
            // Pass on any other signal.
            signal = usize::try_from(libc::WSTOPSIG(status)).unwrap_or(0);
        }
        // SAFETY: `pid` is our stopped tracee; the data argument is a signal number.
        let r = unsafe {
            libc::ptrace(
                libc::PTRACE_CONT,
                pid,
                std::ptr::null_mut::<libc::c_void>(),
                signal as *mut libc::c_void,
            )
        };
        if r == -1 {
            return Err(format!("ptrace: {}", std::io::Error::last_os_error()));
        }
        signal = 0;
        status = wait4(pid)?.0;
    }
    Ok(Usage {
        wall: start.elapsed(),
        max_rss_kib: hwm.ok_or("the child's VmHWM could not be read")?,
        success: exited_ok(status),
    })
}

/// `VmHWM` of `/proc/PID/status`, in KiB.
fn read_vm_hwm(pid: libc::pid_t) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&text)
}

/// The `VmHWM:   1234 kB` line's number.
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `wait4(pid)`, retried on `EINTR`: the status and resource usage of one
/// child (`getrusage(RUSAGE_CHILDREN)` would mix in every other child: the
/// simulator, earlier runs). Also reports a traced child's stops.
#[allow(unsafe_code)]
fn wait4(pid: libc::pid_t) -> Result<(libc::c_int, libc::rusage), String> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, valid when zeroed.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are valid for the duration of the call; the
        // pid is our own child's, not yet reaped.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if r == pid {
            return Ok((status, rusage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {err}"));
        }
    }
}

/// Bytes of `binary`, and of a stripped copy of it (`strip` from binutils).
pub fn stripped_size(binary: &Path, scratch: &Scratch) -> Result<(u64, u64), String> {
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let full = size(binary)?;
    let copy = scratch.path("stripped");
    std::fs::copy(binary, &copy).map_err(|e| format!("copy {}: {e}", binary.display()))?;
    let status = Command::new("strip")
        .arg(&copy)
        .status()
        .map_err(|e| format!("cannot run strip: {e}"))?;
    if !status.success() {
        return Err(format!("strip {status}"));
    }
    let stripped = size(&copy)?;
    let _ = std::fs::remove_file(&copy);
    Ok((full, stripped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 1.0]), Some(1.0));
    }

    #[test]
    fn differences() {
        assert_eq!(per_message(1000.0, 6000.0, 200, 1200), 5.0);
        assert!(per_message(1.0, 2.0, 5, 5).is_nan());
    }

    #[test]
    fn callgrind_summary() {
        let text =
            "==1== Events    : Ir\n==1== Collected : 126559\n==1==\n==1== I   refs:      126,559\n";
        assert_eq!(parse_callgrind(text), Some(126_559));
        assert_eq!(parse_callgrind("nothing"), None);
    }

    #[test]
    fn vm_hwm() {
        let status =
            "Name:\thologram\nVmPeak:\t   9000 kB\nVmHWM:\t    3504 kB\nVmRSS:\t 3000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(3504));
        assert_eq!(parse_vm_hwm("Name: x"), None);
    }

    #[test]
    fn strace_summary() {
        let text = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 40.00    0.000040           4        10           read
 30.00    0.000030           3         7         7 connect
  0.00    0.000000           0         1           rseq
------ ----------- ----------- --------- --------- ----------------
100.00    0.000070           3        18         7 total
";
        let counts = parse_strace(text);
        assert_eq!(counts.get("read"), Some(&10));
        assert_eq!(counts.get("connect"), Some(&7));
        assert_eq!(counts.get("rseq"), Some(&1));
        assert_eq!(counts.get("total"), None);
        assert_eq!(counts.values().sum::<u64>(), 18);
    }
}
