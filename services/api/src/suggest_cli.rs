//! `hotline-api suggest evaluate`: the learned routing suggestion's cross-validated accuracy on
//! any CSV of labelled texts (the figures of docs/BENCHMARKS.md come from it).

use std::path::Path;

use hotline_domain::suggest::{Evaluation, TrainOptions, cross_validate};

/// Reads `(text, label)` pairs: the text columns joined by a space, rows without a label
/// skipped. A missing column is an error naming it.
pub fn examples(path: &Path, text_cols: &[String], label_col: &str) -> Result<Vec<(String, String)>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    let index = |name: &str| {
        headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name).ok_or_else(|| {
            let known: Vec<&str> = headers.iter().collect();
            format!("no column '{name}' in {} (columns: {})", path.display(), known.join(", "))
        })
    };
    let texts = text_cols.iter().map(|c| index(c)).collect::<Result<Vec<_>, _>>()?;
    let label = index(label_col)?;
    let mut out = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("{} row {}: {e}", path.display(), n + 2))?;
        let l = row.get(label).unwrap_or_default().trim();
        if l.is_empty() {
            continue;
        }
        let text: Vec<&str> = texts.iter().filter_map(|&i| row.get(i)).map(str::trim).filter(|t| !t.is_empty()).collect();
        out.push((text.join(" "), l.to_owned()));
    }
    Ok(out)
}

/// Where training-only examples come from (a taxonomy, a catalogue): a CSV and its columns.
pub struct Seeds<'a> {
    pub path: &'a Path,
    pub text_cols: &'a [String],
    pub label_col: &'a str,
}

pub fn evaluate(
    path: &Path,
    text_cols: &[String],
    label_col: &str,
    seeds: Option<Seeds<'_>>,
    folds: usize,
    seed: u64,
) -> Result<Evaluation, String> {
    let rows = examples(path, text_cols, label_col)?;
    if rows.len() < 2 {
        return Err(format!("{}: fewer than two labelled rows", path.display()));
    }
    let extra = match seeds {
        Some(s) => examples(s.path, s.text_cols, s.label_col)?,
        None => Vec::new(),
    };
    Ok(cross_validate(&rows, &extra, folds, &TrainOptions { seed, ..TrainOptions::default() }))
}
