//! The binary's command line: bad configuration stops the start naming the key; `--help`
//! documents every key; `openapi` prints the committed document.

use std::process::Command;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline-api"));
    // A clean environment: only what each test sets.
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

#[test]
fn bad_configuration_stops_the_start_and_names_the_key() {
    for (var, value, key) in [
        ("HOTLINE_DATABASE_MAX_CONNECTIONS", "lots", "HOTLINE_DATABASE_MAX_CONNECTIONS"),
        ("HOTLINE_DATABSE_URL", "sqlite://x.db", "HOTLINE_DATABSE_URL"),
        ("HOTLINE_BIND", "everywhere", "HOTLINE_BIND"),
        ("HOTLINE_DATABASE_URL", "mysql://localhost/db", "HOTLINE_DATABASE_URL"),
        ("HOTLINE_JWT_KEYS", "k1:tooshort", "HOTLINE_JWT_KEYS"),
    ] {
        let out = bin().env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("configuration error") && stderr.contains(key), "{var}={value}: {stderr}");
        assert!(!stderr.contains("tooshort"), "secrets are not echoed: {stderr}");
    }
}

#[test]
fn a_bad_configuration_file_is_named() {
    let dir = std::env::temp_dir().join(format!("hotline-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hotline.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:0\"\nsmtp = \"smtp://localhost\"\n").unwrap();
    let out = bin().arg("--config").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`smtp`") && stderr.contains("hotline.toml"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_documents_every_configuration_key() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for key in hotline_config::KEYS {
        assert!(help.contains(&key.env()), "--help lacks {}", key.env());
    }
    assert!(help.contains("--demo") && help.contains("--config"));
}

#[test]
fn the_openapi_command_prints_the_committed_document() {
    let out = bin().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/hotline-api.json")).unwrap();
    assert!(String::from_utf8_lossy(&out.stdout) == committed, "openapi/hotline-api.json is stale");
}

#[test]
fn the_readme_configuration_table_is_current() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme.find("<!-- config-table:start -->\n").expect("README has the config table markers");
    let end = readme.find("<!-- config-table:end -->").unwrap();
    let table = &readme[start + "<!-- config-table:start -->\n".len()..end];
    assert!(table == hotline_config::markdown_table(), "README config table is stale: regenerate with `hotline-api config`");
}
