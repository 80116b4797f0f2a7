//! Where plugins are looked for: `HOLOGRAM_PLUGINS_DIR`, then the default
//! directory. One test in its own binary, as it changes the environment.

use hologram::plugins::{default_plugins_dir, plugins_dirs_from_env, PLUGINS_DIR_ENV};
use hologram::{AdapterConfig, Hologram};
use hologram_plugin_tests::{fake_sysfs, plugin_dir, Fixture};

#[test]
fn plugins_dirs_from_the_environment() {
    let first = plugin_dir(&[Fixture::Template]);
    let second = plugin_dir(&[Fixture::Ethernet]);
    let sysfs = fake_sysfs();
    let home = tempfile::tempdir().unwrap();

    // HOLOGRAM_PLUGINS_DIR: a `:`-separated list.
    let list = std::env::join_paths([first.path(), second.path()]).unwrap();
    std::env::set_var(PLUGINS_DIR_ENV, &list);
    assert_eq!(plugins_dirs_from_env(), [first.path(), second.path()]);
    let hologram = Hologram::builder()
        .plugins_from_env()
        .network("ethernet")
        .network_config(AdapterConfig::new().with("sysfs", sysfs.path().to_str().unwrap()))
        .build()
        .unwrap();
    assert!(hologram.plugin_failures().is_empty());
    assert!(hologram
        .registry()
        .names(hologram::AdapterKind::Network)
        .contains(&"loopback".to_owned()));

    // Unset: the default directory, only if it exists.
    std::env::remove_var(PLUGINS_DIR_ENV);
    std::env::set_var("XDG_DATA_HOME", home.path());
    let default = home.path().join("hologram").join("plugins");
    assert_eq!(default_plugins_dir(), Some(default.clone()));
    assert!(plugins_dirs_from_env().is_empty());
    assert!(Hologram::builder()
        .plugins_from_env()
        .network("loopback")
        .build()
        .is_err());

    std::fs::create_dir_all(&default).unwrap();
    std::fs::copy(
        first.path().join(Fixture::Template.file_name()),
        default.join("libloopback.so"),
    )
    .unwrap();
    assert_eq!(plugins_dirs_from_env(), std::slice::from_ref(&default));
    let hologram = Hologram::builder()
        .plugins_from_env()
        .network("loopback")
        .build()
        .unwrap();
    assert_eq!(hologram.network_name(), Some("loopback"));

    // XDG_DATA_HOME unset or relative: ~/.local/share.
    std::env::set_var("XDG_DATA_HOME", "relative/path");
    std::env::set_var("HOME", home.path());
    assert_eq!(
        default_plugins_dir(),
        Some(home.path().join(".local/share/hologram/plugins"))
    );
}
