//! CPU pinning: where the client and the simulator run.

/// Pins the calling thread (and the children it starts later) to `cpu`.
pub fn pin_to(cpu: usize) -> Result<(), String> {
    pin_pid(0, cpu)
}

/// Pins process `pid` (0: the calling thread) to `cpu`.
#[allow(unsafe_code)]
pub fn pin_pid(pid: u32, cpu: usize) -> Result<(), String> {
    let pid = libc::pid_t::try_from(pid).map_err(|e| e.to_string())?;
    // SAFETY: `cpu_set_t` is plain old data, valid when zeroed; CPU_SET
    // writes inside it for any cpu below its capacity, checked first.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if cpu >= 8 * std::mem::size_of::<libc::cpu_set_t>() {
            return Err(format!("CPU {cpu} is out of range"));
        }
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(format!(
                "cannot pin to CPU {cpu}: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}
