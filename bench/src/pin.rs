//! CPU pinning: where the client and the simulator run.

/// Pins the calling thread (and the children it starts later) to `cpu`.
#[allow(unsafe_code)]
pub fn pin_to(cpu: usize) -> Result<(), String> {
    // SAFETY: `cpu_set_t` is plain old data, valid when zeroed; CPU_SET
    // writes inside it for any cpu below its capacity, checked first.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if cpu >= 8 * std::mem::size_of::<libc::cpu_set_t>() {
            return Err(format!("CPU {cpu} is out of range"));
        }
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(format!(
                "cannot pin to CPU {cpu}: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}
