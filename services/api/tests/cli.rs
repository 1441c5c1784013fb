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

#[test]
fn export_and_import_refuse_with_a_code_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("hotline-cli-transfer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/h.db", dir.display());
    let run = |args: &[&str], stdin: &[u8]| {
        use std::io::Write;
        let mut child = bin()
            .args(args)
            .env("HOTLINE_DATABASE_URL", &db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // A database without the schema: export says to migrate first.
    let (code, stdout, stderr) = run(&["export", "--tenant", "12345"], b"");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("schema_mismatch") && stdout.is_empty(), "{stderr}");
    assert_eq!(run(&["migrate"], b"").0, Some(0));
    let (code, _, stderr) = run(&["export", "--tenant", "99999"], b"");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("export refused") && stderr.contains("99999") && stderr.contains("unknown_tenant"), "{stderr}");
    // Naming no tenant is a usage error.
    assert_eq!(run(&["export"], b"").0, Some(2));
    for (input, words) in [(&b""[..], "the file is empty"), (&b"not json\n"[..], "bad_format")] {
        let (code, _, stderr) = run(&["import"], input);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("import refused") && stderr.contains(words), "{stderr}");
    }
    let (code, _, stderr) = run(&["import", "--source-pii-key-file", "/nonexistent/key"], b"");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot read the source key file"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
