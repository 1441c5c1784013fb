//! `hotline-api suggest evaluate` on the real data of ../shared/data: the learned routing
//! suggestion's cross-validated accuracy (issue 8's goals, figures in docs/BENCHMARKS.md).
//! Without the data folder the tests skip, except in CI (CI=1) where it must be there.

use std::path::PathBuf;
use std::process::Command;

fn data(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel);
    if path.exists() {
        Some(path)
    } else {
        assert!(std::env::var("CI").is_err(), "{} is missing in CI", path.display());
        eprintln!("skipped: {} not found", path.display());
        None
    }
}

fn cols(list: &str) -> Vec<String> {
    list.split(',').map(str::to_owned).collect()
}

#[test]
fn nyc_311_agencies_are_suggested_above_the_goal() {
    let Some(csv) = data("nyc311/nyc311_dev.csv") else { return };
    let e = hotline_api::suggest_cli::evaluate(&csv, &cols("complaint_type,descriptor,location_type"), "agency", None, 5, 311).unwrap();
    assert_eq!((e.examples, e.labels, e.folds), (5895, 20, 5));
    assert!(e.top1 >= 0.90, "goal: top-1 ≥ 90 %: {e:?}");
    assert!(e.top3 >= e.top1);
}

#[test]
fn chinese_messages_with_the_taxonomy_as_seeds() {
    let (Some(csv), Some(taxonomy)) =
        (data("cn_gov_messages/tipdm2020_fujian2_labeled_dev.csv"), data("cn_gov_messages/tipdm2020_fujian1_taxonomy.csv"))
    else {
        return;
    };
    let text = cols("留言主题,留言详情");
    let plain = hotline_api::suggest_cli::evaluate(&csv, &text, "一级标签", None, 5, 311).unwrap();
    let seeds =
        hotline_api::suggest_cli::Seeds { path: &taxonomy, text_cols: &cols("二级分类,三级分类"), label_col: "一级分类" };
    let seeded = hotline_api::suggest_cli::evaluate(&csv, &text, "一级标签", Some(seeds), 5, 311).unwrap();
    assert_eq!((seeded.examples, seeded.labels), (197, 7), "the taxonomy rows are never evaluated");
    // The top-3 goal is met; its top-1 goal (85 %) is not (BENCHMARKS.md): these bounds
    // guard what is reached, so a change that loses accuracy fails here.
    assert!(seeded.top3 >= 0.97, "{seeded:?}");
    assert!(seeded.top1 >= 0.75, "{seeded:?}");
    assert!(seeded.top1 > plain.top1, "the taxonomy helps: {plain:?} → {seeded:?}");
}

#[test]
fn a_missing_column_is_named() {
    let Some(csv) = data("nyc311/nyc311_dev.csv") else { return };
    let err = hotline_api::suggest_cli::evaluate(&csv, &cols("complaint_typo"), "agency", None, 5, 311).unwrap_err();
    assert!(err.contains("no column 'complaint_typo'") && err.contains("descriptor"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_hotline-api"))
        .args(["suggest", "evaluate", "--csv"])
        .arg(&csv)
        .args(["--text-cols", "descriptor", "--label-col", "agencyy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column 'agencyy'"));
}
