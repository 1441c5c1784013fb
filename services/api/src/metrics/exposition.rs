//! The Prometheus text exposition format (version 0.0.4), written by hand: a handful of
//! families does not justify a metrics framework. Rules kept here: one `# HELP`/`# TYPE` pair
//! per family, followed by all its samples; label values escaped (`\`, `"`, newline); a
//! family with no sample is left out (some parsers refuse a family without samples).

use std::fmt::Write;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A label set: `(name, value)` pairs, names fixed by the code, values escaped on output.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

#[derive(Default)]
pub struct Exposition {
    out: String,
}

/// One family being written: its samples follow its header.
pub struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
}

impl Exposition {
    /// Starts a family; `samples` is false when it has none to show (the family is skipped).
    pub fn family(&mut self, name: &'static str, kind: Kind, help: &str, samples: bool) -> Option<Family<'_>> {
        if !samples {
            return None;
        }
        let _ = writeln!(self.out, "# HELP {name} {}", help.replace('\\', "\\\\").replace('\n', "\\n"));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
        Some(Family { out: &mut self.out, name })
    }

    pub fn finish(self) -> String {
        self.out
    }
}

impl Family<'_> {
    pub fn sample(&mut self, labels: Labels<'_>, value: f64) {
        self.line("", labels, None, value);
    }

    /// A histogram's series: cumulative buckets (`le`), `+Inf`, `_sum` and `_count`.
    pub fn histogram(&mut self, labels: Labels<'_>, bounds: &[f64], cumulative: &[u64], sum: f64, count: u64) {
        for (bound, n) in bounds.iter().zip(cumulative) {
            self.line("_bucket", labels, Some(&number(*bound)), *n as f64);
        }
        self.line("_bucket", labels, Some("+Inf"), count as f64);
        self.line("_sum", labels, None, sum);
        self.line("_count", labels, None, count as f64);
    }

    fn line(&mut self, suffix: &str, labels: Labels<'_>, le: Option<&str>, value: f64) {
        let out = &mut *self.out;
        out.push_str(self.name);
        out.push_str(suffix);
        let mut pairs: Vec<(&str, &str)> = labels.to_vec();
        if let Some(le) = le {
            pairs.push(("le", le));
        }
        if !pairs.is_empty() {
            out.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
                out.push_str("=\"");
                escape_into(out, v);
                out.push('"');
            }
            out.push('}');
        }
        out.push(' ');
        out.push_str(&number(value));
        out.push('\n');
    }
}

fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Integers without a fraction (counts read better), everything else as Rust prints it.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_escape_labels_and_skip_when_empty() {
        let mut e = Exposition::default();
        if let Some(mut f) = e.family("t_requests_total", Kind::Counter, "Requests.", true) {
            f.sample(&[("route", "/cases/{id}"), ("odd", "a\"b\\c\nd")], 3.0);
        }
        assert!(e.family("t_empty", Kind::Gauge, "Nothing.", false).is_none());
        if let Some(mut f) = e.family("t_seconds", Kind::Histogram, "Latency.", true) {
            f.histogram(&[("route", "/x")], &[0.1, 1.0], &[1, 2], 1.25, 3);
        }
        let text = e.finish();
        assert_eq!(
            text,
            "# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n\
             t_requests_total{route=\"/cases/{id}\",odd=\"a\\\"b\\\\c\\nd\"} 3\n\
             # HELP t_seconds Latency.\n# TYPE t_seconds histogram\n\
             t_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\nt_seconds_bucket{route=\"/x\",le=\"1\"} 2\n\
             t_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\nt_seconds_sum{route=\"/x\"} 1.25\nt_seconds_count{route=\"/x\"} 3\n"
        );
    }
}
