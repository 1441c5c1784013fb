//! ECharts options, built here as JSON and drawn by `console.js` from a `data-chart` attribute
//! (the CSP allows no inline script). Rates are drawn as percentages; an undefined figure is a
//! gap (`"-"`), never a zero.

use maud::{Markup, html};
use serde_json::{Value, json};

/// A series: its label and one value per category (`None`: undefined).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// The office palette, in series order: readable on a projector and in greyscale print.
const COLOURS: [&str; 5] = ["#1d5fbf", "#1e7d46", "#b76e00", "#8e44ad", "#b3261e"];

/// A value as drawn: rates in percent with one decimal.
fn point(v: Option<f64>, percent: bool) -> Value {
    match v {
        None => json!("-"),
        Some(x) if percent => json!((x * 1000.0).round() / 10.0),
        Some(x) => json!(x),
    }
}

fn data(s: &Series, percent: bool) -> Vec<Value> {
    s.values.iter().map(|v| point(*v, percent)).collect()
}

fn category_axis(categories: &[String]) -> Value {
    // Long Chinese names: every label shown, turned when there are many.
    let rotate = if categories.len() > 5 { 30 } else { 0 };
    json!({"type": "category", "data": categories, "axisLabel": {"interval": 0, "rotate": rotate, "width": 110, "overflow": "truncate"}})
}

fn percent_axis(position: &str) -> Value {
    json!({"type": "value", "min": 0, "max": 100, "position": position, "axisLabel": {"formatter": "{value}%"}})
}

/// A rate's tooltip: `console.js` puts the named formatter in (JSON carries no functions).
fn percent_tooltip() -> Value {
    json!({"valueFormatter": "percent"})
}

/// Bars, one group per category and one bar per series.
pub fn bars(categories: &[String], series: &[Series], percent: bool) -> Value {
    let y = if percent { percent_axis("left") } else { json!({"type": "value", "minInterval": 1}) };
    json!({
        "color": COLOURS,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        // Room on the left for the first turned label.
        "grid": {"left": 56, "right": 16, "top": 32, "bottom": 8, "containLabel": true},
        "xAxis": category_axis(categories),
        "yAxis": y,
        "series": series.iter().map(|s| {
            let mut one = json!({"name": s.name, "type": "bar", "data": data(s, percent), "barMaxWidth": 28});
            if percent {
                one["tooltip"] = percent_tooltip();
            }
            one
        }).collect::<Vec<_>>(),
    })
}

/// A trend: the volume as bars on the left axis, the rates as lines on the right (percent).
pub fn trend(labels: &[String], volume: &Series, rates: &[Series]) -> Value {
    let mut series = vec![json!({"name": volume.name, "type": "bar", "yAxisIndex": 0, "data": data(volume, false), "barMaxWidth": 20})];
    series.extend(
        rates.iter().map(|s| json!({"name": s.name, "type": "line", "yAxisIndex": 1, "connectNulls": false, "data": data(s, true), "tooltip": percent_tooltip()})),
    );
    json!({
        "color": COLOURS,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 32, "bottom": 8, "containLabel": true},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [{"type": "value", "minInterval": 1, "position": "left"}, percent_axis("right")],
        "series": series,
    })
}

/// The element `console.js` draws into; `label` names it for screen readers (the numbers are
/// in the table beside it).
pub fn chart(id: &str, label: &str, option: &Value) -> Markup {
    html! { div.chart id=(id) role="img" aria-label=(label) data-chart=(option.to_string()) {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_percent_and_undefined_figures_are_gaps() {
        let s = Series { name: "满意率".into(), values: vec![Some(0.8333), None] };
        let o = bars(&["12319".into(), "12315".into()], &[s], true);
        assert_eq!(o["series"][0]["data"], json!([83.3, "-"]));
        assert_eq!(o["yAxis"]["max"], 100);
        assert_eq!(o["series"][0]["tooltip"]["valueFormatter"], "percent", "console.js knows this formatter");
        let v = Series { name: "受理量".into(), values: vec![Some(3.0)] };
        let t = trend(&["2026-03-01".into()], &v, &[]);
        assert_eq!((t["series"][0]["type"].as_str(), t["series"][0]["data"][0].as_f64()), (Some("bar"), Some(3.0)));
        let html = chart("c", "图", &t).into_string();
        assert!(html.contains("data-chart=\"{&quot;") && !html.contains("<script"), "{html}");
    }
}
