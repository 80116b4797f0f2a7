//! Finding modems: known USB vendor:product ids under sysfs, each one's
//! tty nodes, and which of them answers `AT`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::at::AtChannel;
use crate::error::CellularError;
use crate::model::Model;
use crate::serial::SerialPort;

/// Where sysfs lists USB devices.
pub const SYSFS_USB: &str = "/sys/bus/usb/devices";

/// A known modem found on the USB bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The model its USB id names.
    pub model: Model,
    /// USB vendor id.
    pub vendor: u16,
    /// USB product id.
    pub product: u16,
    /// Its sysfs directory.
    pub sysfs: PathBuf,
    /// Its serial ports, by interface number (`/dev/ttyACM0`, `/dev/ttyUSB2`, ...).
    pub ports: Vec<PathBuf>,
}

/// What a sysfs walk saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The known modems.
    pub modems: Vec<Found>,
    /// The ids (`vvvv:pppp`) of the other USB devices.
    pub others: Vec<String>,
}

fn read_hex(path: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(path).ok()?;
    u16::from_str_radix(text.trim(), 16).ok()
}

fn sorted_dir(path: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|d| d.flatten().map(|e| e.path()).take(4096).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The tty names under one USB interface directory: `ttyUSB0` (usb-serial
/// drivers such as `option`) or `tty/ttyACM0` (`cdc_acm`).
fn interface_ttys(iface: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in sorted_dir(iface) {
        let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name == "tty" {
            for tty in sorted_dir(&entry) {
                if let Some(n) = tty.file_name().and_then(|n| n.to_str()) {
                    out.push(n.to_owned());
                }
            }
        } else if name.starts_with("tty") {
            out.push(name.to_owned());
        }
    }
    out
}

/// Walks `sysfs` (normally [`SYSFS_USB`]) for known modems; their ports
/// are named under `dev` (normally `/dev`).
pub fn scan(sysfs: &Path, dev: &Path) -> Scan {
    let mut scan = Scan::default();
    for device in sorted_dir(sysfs) {
        let (Some(vendor), Some(product)) = (
            read_hex(&device.join("idVendor")),
            read_hex(&device.join("idProduct")),
        ) else {
            continue; // an interface, or not a device
        };
        let Some(model) = Model::from_usb_id(vendor, product) else {
            scan.others.push(format!("{vendor:04x}:{product:04x}"));
            continue;
        };
        let mut ports = Vec::new();
        for iface in sorted_dir(&device) {
            let is_iface = iface
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(':'));
            if is_iface {
                ports.extend(interface_ttys(&iface).into_iter().map(|t| dev.join(t)));
            }
        }
        scan.modems.push(Found {
            model,
            vendor,
            product,
            sysfs: device,
            ports,
        });
    }
    scan
}

/// Whether the port at `path` answers `AT` within `timeout`.
fn probe(path: &Path, baud: u32, timeout: Duration) -> Result<(), CellularError> {
    let port = SerialPort::open(path, baud)?;
    let mut at = AtChannel::new(Box::new(port));
    // Twice: the first may meet a half-typed line or a boot banner.
    if at.command("AT", timeout).is_ok() || at.command("AT", timeout).is_ok() {
        return Ok(());
    }
    Err(CellularError::NotAnswering {
        device: path.to_path_buf(),
        detail: format!("no answer to AT within {} ms", timeout.as_millis()),
    })
}

/// Finds the first known modem with a port that answers `AT`, in sysfs
/// order; `want` restricts to one model. The error says where it looked
/// and what it found; a port held by another process or closed to this
/// user is reported as such, since that is what the user must fix.
pub fn detect(
    sysfs: &Path,
    dev: &Path,
    want: Option<Model>,
    baud: u32,
    timeout: Duration,
) -> Result<(PathBuf, Model), CellularError> {
    let scan = scan(sysfs, dev);
    let mut tried = Vec::new();
    let mut actionable = None;
    for found in &scan.modems {
        if want.is_some_and(|m| m != found.model) {
            tried.push(format!(
                "{} ({:04x}:{:04x}, not the --modem asked for)",
                found.model, found.vendor, found.product
            ));
            continue;
        }
        if found.ports.is_empty() {
            tried.push(format!(
                "{} ({:04x}:{:04x}) with no serial port (driver not bound? see docs/cellular.md)",
                found.model, found.vendor, found.product
            ));
            continue;
        }
        for port in &found.ports {
            match probe(port, baud, timeout) {
                Ok(()) => return Ok((port.clone(), found.model)),
                Err(e) => {
                    tried.push(format!(
                        "{} on {}: {}",
                        found.model,
                        port.display(),
                        short(&e)
                    ));
                    if matches!(
                        e,
                        CellularError::Busy { .. } | CellularError::PermissionDenied { .. }
                    ) && actionable.is_none()
                    {
                        actionable = Some(e);
                    }
                }
            }
        }
    }
    if let Some(e) = actionable {
        return Err(e);
    }
    let mut found = tried;
    if scan.modems.is_empty() {
        found.push(if scan.others.is_empty() {
            "no USB device at all".to_owned()
        } else {
            format!("only other USB devices ({})", scan.others.join(", "))
        });
    }
    Err(CellularError::NoModem {
        looked: format!(
            "{} for the USB ids of {} (give a port with --device / the `device` setting)",
            sysfs.display(),
            Model::ALL[..8]
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        found: found.join("; "),
    })
}

fn short(e: &CellularError) -> &'static str {
    match e {
        CellularError::Busy { .. } => "in use by another process",
        CellularError::PermissionDenied { .. } => "permission denied (dialout group)",
        CellularError::NoDevice { .. } => "no such device node",
        CellularError::NotAnswering { .. } => "no answer to AT",
        _ => "could not be opened",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn device(root: &Path, name: &str, vid: &str, pid: &str, ifaces: &[(&str, &str, bool)]) {
        let d = root.join(name);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("idVendor"), format!("{vid}\n")).unwrap();
        fs::write(d.join("idProduct"), format!("{pid}\n")).unwrap();
        for (iface, tty, acm) in ifaces {
            let i = d.join(format!("{name}:{iface}"));
            if *acm {
                fs::create_dir_all(i.join("tty").join(tty)).unwrap();
            } else {
                fs::create_dir_all(i.join(tty)).unwrap();
            }
        }
    }

    #[test]
    fn a_fake_sysfs_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        device(root, "1-1", "1d6b", "0002", &[]);
        device(
            root,
            "1-1.2",
            "1546",
            "1102",
            &[("1.2", "ttyACM1", true), ("1.0", "ttyACM0", true)],
        );
        device(
            root,
            "1-1.3",
            "2c7c",
            "0296",
            &[("1.2", "ttyUSB2", false), ("1.3", "ttyUSB3", false)],
        );
        device(root, "1-1.4", "12d1", "1506", &[]);
        fs::create_dir_all(root.join("1-1.2:1.0")).unwrap(); // an interface entry at top level
        let s = scan(root, Path::new("/dev"));
        assert_eq!(s.others, ["1d6b:0002"]);
        let names: Vec<_> = s.modems.iter().map(|f| f.model).collect();
        assert_eq!(names, [Model::SaraU201, Model::Bg96, Model::Ms2131]);
        assert_eq!(
            s.modems[0].ports,
            [PathBuf::from("/dev/ttyACM0"), PathBuf::from("/dev/ttyACM1")]
        );
        assert_eq!(
            s.modems[1].ports,
            [PathBuf::from("/dev/ttyUSB2"), PathBuf::from("/dev/ttyUSB3")]
        );
        assert!(s.modems[2].ports.is_empty());
    }

    #[test]
    fn nothing_found_says_where_and_what() {
        let dir = tempfile::tempdir().unwrap();
        device(dir.path(), "1-1", "1d6b", "0002", &[]);
        device(dir.path(), "1-1.4", "12d1", "1506", &[]);
        device(
            dir.path(),
            "1-1.5",
            "2c7c",
            "0121",
            &[("1.2", "ttyUSB9", false)],
        );
        let dev = dir.path().join("dev");
        let e = detect(dir.path(), &dev, None, 115_200, Duration::from_millis(50)).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
        assert!(
            text.contains("ms2131 (12d1:1506) with no serial port"),
            "{text}"
        );
        assert!(text.contains("ttyUSB9: no such device node"), "{text}");
        let empty = tempfile::tempdir().unwrap();
        let e = detect(empty.path(), &dev, None, 115_200, Duration::from_millis(50)).unwrap_err();
        assert!(e.to_string().contains("no USB device at all"), "{e}");
    }
}
