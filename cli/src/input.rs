//! Everything the command reads, bounded: files are checked to be regular
//! files (or `-`, standard input, said explicitly) and read up to a cap;
//! standard input is read line by line, each line up to a cap. Going past
//! a cap is a usage error (exit 2) naming the cap; the input's size is
//! never allocated.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::exit::CliError;

/// The most a credentials file may hold.
pub const CONFIG_CAP: u64 = 64 * 1024;
/// The most a key file may hold.
pub const KEY_FILE_CAP: u64 = 4 * 1024;
/// The longest message line read from standard input.
pub const LINE_CAP: usize = 64 * 1024;

/// Reads a whole file (or standard input for `-`) of at most `cap` bytes.
/// `what` names it in errors ("credentials file").
pub fn read_capped(path: &Path, what: &str, cap: u64) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        return read_to_cap(std::io::stdin().lock(), what, "standard input", cap);
    }
    let shown = path.display().to_string();
    // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a
    // terminal named here never becomes this process's.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| CliError::Config(format!("cannot read {what} {shown}: {}", io_reason(&e))))?;
    check_regular(&file, what, &shown)?;
    read_to_cap(file, what, &shown, cap)
}

fn check_regular(file: &File, what: &str, shown: &str) -> Result<(), CliError> {
    let meta = file
        .metadata()
        .map_err(|e| CliError::Config(format!("cannot read {what} {shown}: {}", io_reason(&e))))?;
    if meta.is_file() {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "{what} {shown} is not a regular file (a directory, device, pipe or socket); give a \
             file, or - to read standard input"
        )))
    }
}

fn read_to_cap(input: impl Read, what: &str, shown: &str, cap: u64) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    input
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Config(format!("cannot read {what} {shown}: {}", io_reason(&e))))?;
    if bytes.len() as u64 > cap {
        return Err(CliError::Usage(format!(
            "{what} {shown} is larger than {cap} bytes, the most a {what} may hold"
        )));
    }
    Ok(bytes)
}

/// Reads one line of at most [`LINE_CAP`] bytes (without its end of
/// line) into `line`; `Ok(false)` at the end of the input. `number` is
/// the line's number, for errors.
pub fn read_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    number: usize,
) -> Result<bool, CliError> {
    line.clear();
    let read = input
        .take(LINE_CAP as u64 + 2)
        .read_until(b'\n', line)
        .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
    if read == 0 {
        return Ok(false);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if line.len() > LINE_CAP {
        return Err(CliError::Usage(format!(
            "standard input line {number} is longer than {LINE_CAP} bytes, the longest message \
             line accepted"
        )));
    }
    Ok(true)
}

/// The system's reason for an I/O error, without the "(os error N)" noise.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        }
    }
}

/// A warning when the file can be read or written by users other than its
/// owner; `what` names it ("credentials file").
pub fn permission_warning(path: &Path, what: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{what} {} is accessible by other users (mode {:03o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_capped_without_reading_past_the_cap() {
        let mut long = vec![b'x'; LINE_CAP + 10];
        long.push(b'\n');
        let mut input = std::io::Cursor::new(long);
        let mut line = Vec::new();
        let e = read_line(&mut input, &mut line, 1).unwrap_err();
        assert!(e.to_string().contains("longer than 65536 bytes"), "{e}");
        assert!(line.len() <= LINE_CAP + 2);

        let mut input = std::io::Cursor::new(b"a\r\nb\n\nc".to_vec());
        let mut got = Vec::new();
        let mut n = 0;
        while read_line(&mut input, &mut line, n).unwrap() {
            n += 1;
            got.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(got, ["a", "b", "", "c"]);
    }

    #[test]
    fn files_are_capped_and_must_be_regular() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 100]).unwrap();
        assert!(read_capped(&big, "key file", 10).is_err());
        assert_eq!(read_capped(&big, "key file", 100).unwrap().len(), 100);
        let e = read_capped(Path::new("/dev/zero"), "key file", 10).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = read_capped(dir.path(), "key file", 10).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
