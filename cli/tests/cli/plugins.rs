use crate::common::expect;

#[test]
fn plugins_list_shows_the_built_in_adapters_by_kind() {
    let r = expect(&["plugins", "list"], 0);
    let text = &r.stdout;
    let network = text.find("network:").expect("network section");
    let transport = text.find("transport:").expect("transport section");
    let auth = text
        .find("authentication:")
        .expect("authentication section");
    assert!(network < transport && transport < auth, "{text}");
    for (name, section) in [
        ("sim", network),
        ("wifi", network),
        ("cloud", transport),
        ("raw", transport),
        ("csrpsk", auth),
        ("totp", auth),
    ] {
        let at = text
            .find(&format!("  {name} "))
            .unwrap_or_else(|| panic!("{name}: {text}"));
        assert!(at > section, "{name}: {text}");
    }
    let r = expect(&["plugins", "list", "--json"], 0);
    let rows: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows
        .iter()
        .any(|v| v["kind"] == "network" && v["name"] == "sim" && v["origin"] == "built-in"));
}

/// The ethernet example plugin's library (a dev-dependency, so cargo builds
/// its cdylib next to the test's dependencies), copied into a fresh
/// plugins directory.
fn plugins_dir_with_ethernet() -> tempfile::TempDir {
    let bin = assert_cmd::cargo::cargo_bin("hologram");
    let so = bin
        .parent()
        .expect("target dir")
        .join("deps")
        .join("libhologram_plugin_ethernet.so");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&so, dir.path().join("libethernet.so"))
        .unwrap_or_else(|e| panic!("{}: {e}", so.display()));
    dir
}

#[test]
fn a_plugin_is_listed_with_its_file_and_version_and_a_bad_one_is_reported() {
    let dir = plugins_dir_with_ethernet();
    std::fs::write(dir.path().join("libjunk.so"), b"not an ELF file").unwrap();
    let d = dir.path().to_str().unwrap();
    let r = expect(&["plugins", "list", "--plugins-dir", d], 0);
    let line = r
        .stdout
        .lines()
        .position(|l| l.starts_with("  ethernet "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        r.stdout.lines().nth(line).unwrap().contains(" plugin "),
        "{r:?}"
    );
    let file_line = r.stdout.lines().nth(line + 1).unwrap();
    assert!(file_line.contains("libethernet.so, version "), "{r:?}");
    assert!(
        r.stdout.contains("not loaded:\n  plugin ") && r.stdout.contains("libjunk.so"),
        "{r:?}"
    );
    // The environment variable works too, and --json gives the same facts.
    let r = crate::common::run(
        crate::common::hologram()
            .args(["plugins", "list", "--json"])
            .env("HOLOGRAM_PLUGINS_DIR", d),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let rows: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ethernet = rows
        .iter()
        .find(|v| v["name"] == "ethernet")
        .expect("ethernet row");
    assert_eq!(ethernet["origin"], "plugin");
    assert!(ethernet["version"].is_string());
    assert!(rows.iter().any(|v| v["origin"] == "failed"));
}

/// A fake `/sys/class/net` with eth0's cable plugged in, for the ethernet
/// plugin's `sysfs` setting.
fn fake_eth0() -> (tempfile::TempDir, String) {
    let sysfs = tempfile::tempdir().unwrap();
    let eth0 = sysfs.path().join("eth0");
    std::fs::create_dir_all(&eth0).unwrap();
    std::fs::write(eth0.join("type"), "1\n").unwrap();
    std::fs::write(eth0.join("flags"), "0x1003\n").unwrap();
    std::fs::write(eth0.join("carrier"), "1\n").unwrap();
    let option = format!("sysfs={}", sysfs.path().display());
    (sysfs, option)
}

#[test]
fn send_over_a_plugin_network() {
    let dir = plugins_dir_with_ethernet();
    let d = dir.path().to_str().unwrap();
    let (_sysfs, sysfs_option) = fake_eth0();
    let r = expect(
        &[
            "send",
            "--simulate",
            "--plugins-dir",
            d,
            "--network",
            "ethernet",
            "--network-option",
            &sysfs_option,
            "--network-option",
            "interface=eth0",
            "over-wire",
            "-t",
            "eth",
        ],
        0,
    );
    assert!(r.stdout.contains("data=\"over-wire\""), "{r:?}");
    // A network name that no plugin declares lists the ones there are.
    crate::common::usage_error(
        &[
            "send",
            "--simulate",
            "--plugins-dir",
            d,
            "--network",
            "lora",
            "x",
        ],
        "available: cellular, ethernet, sim, wifi",
    );
    crate::common::usage_error(
        &["send", "--simulate", "--plugins-dir", "/nonexistent", "x"],
        "plugins directory /nonexistent does not exist",
    );
}

/// A plugins directory holding a library that cannot be loaded: a run
/// that loads plugins says so, one that does not, says nothing.
fn dir_with_junk() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libjunk.so"), b"not an ELF file").unwrap();
    dir
}

#[test]
fn plugins_are_not_loaded_when_the_network_is_built_in_or_none() {
    let dir = dir_with_junk();
    let d = dir.path().to_str().unwrap();
    for args in [
        &["send", "--simulate", "x"][..],
        &["send", "--simulate", "--network", "sim", "x"][..],
    ] {
        let r = crate::common::run(
            crate::common::hologram()
                .args(["-v"])
                .args(args)
                .env("HOLOGRAM_PLUGINS_DIR", d),
        );
        assert_eq!(r.code, 0, "{r:?}");
        assert!(!r.stderr.contains("libjunk"), "loaded plugins: {r:?}");
    }
    // Asked for a network that is not built in: the plugins are loaded.
    let r = crate::common::run(
        crate::common::hologram()
            .args(["send", "--simulate", "--network", "lora", "x"])
            .env("HOLOGRAM_PLUGINS_DIR", d),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("libjunk.so"), "{r:?}");
}

#[test]
fn plugins_others_may_change_are_refused_unless_allowed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = plugins_dir_with_ethernet();
    let d = dir.path().to_str().unwrap();
    let so = dir.path().join("libethernet.so");
    let (_sysfs, sysfs_option) = fake_eth0();
    let args = [
        "send",
        "--simulate",
        "--plugins-dir",
        d,
        "--network",
        "ethernet",
        "--network-option",
        &sysfs_option,
        "--network-option",
        "interface=eth0",
        "x",
    ];
    // A library anyone may write.
    std::fs::set_permissions(&so, std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = expect(&args, 2);
    assert!(
        r.stderr.contains("libethernet.so: not loaded")
            && r.stderr.contains("writable by other users (mode 666)")
            && r.stderr.contains("--allow-untrusted-plugins"),
        "{r:?}"
    );
    let r = expect(&["plugins", "list", "--plugins-dir", d], 0);
    assert!(r.stdout.contains("not loaded:"), "{r:?}");
    assert!(!r.stdout.contains("  ethernet "), "{r:?}");
    // Those who mean it.
    let allowed = [&args[..], &["--allow-untrusted-plugins"]].concat();
    let r = expect(&allowed, 0);
    assert!(r.stdout.contains("data=\"x\""), "{r:?}");
    let r = expect(
        &[
            "plugins",
            "list",
            "--plugins-dir",
            d,
            "--allow-untrusted-plugins",
        ],
        0,
    );
    assert!(r.stdout.contains("  ethernet "), "{r:?}");

    // A directory anyone may write.
    std::fs::set_permissions(&so, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = expect(&args, 2);
    assert!(
        r.stderr
            .contains("plugins directory is writable by other users (mode 777)"),
        "{r:?}"
    );
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    expect(&args, 0);
}

#[test]
fn plugins_owned_by_another_user_are_refused() {
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(1),
        0,
        "this test needs root (it hands a file to another user); run the tests as root, as CI does"
    );
    let dir = plugins_dir_with_ethernet();
    let d = dir.path().to_str().unwrap();
    std::os::unix::fs::chown(dir.path().join("libethernet.so"), Some(65534), None).unwrap();
    let r = expect(&["plugins", "list", "--plugins-dir", d], 0);
    assert!(
        r.stdout
            .contains("owned by user id 65534, neither root nor this user"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("  ethernet "), "{r:?}");
}
