//! The city dashboard (数据看板) and the supervision board (督办) in the console: the figures
//! are the REST API's own, the drill-down goes line → unit → case, the league table honours its
//! minimum sample, the exports carry the page's numbers, and every reader sees only their scope.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::console_kit::{Answer, Console};
use crate::helpers::TestApp;

/// The part of a page from the element with `id` to the end of its table (or list).
fn part<'a>(body: &'a str, id: &str, end: &str) -> &'a str {
    let at = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("#{id} on the page:\n{body}"));
    let rest = &body[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The value of attribute `attr` first found after `marker`.
fn attr_after<'a>(s: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
    let at = s.find(marker)? + marker.len();
    let rest = &s[at..];
    let v = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    rest[v..].split('"').next()
}

/// The table row holding `marker`.
fn row_of<'a>(table: &'a str, marker: &str) -> &'a str {
    let at = table.find(marker).unwrap_or_else(|| panic!("{marker} in {table}"));
    let start = table[..at].rfind("<tr").unwrap();
    &table[start..at + table[at..].find("</tr>").unwrap()]
}

/// Every value of `attr` in `s`, in order.
fn all_attrs(s: &str, attr: &str) -> Vec<String> {
    s.split(&format!("{attr}=\"")).skip(1).map(|x| x.split('"').next().unwrap().to_owned()).collect()
}

fn number(s: Option<&str>) -> Option<f64> {
    s.filter(|v| !v.is_empty()).map(|v| v.parse().unwrap())
}

/// The REST figure `metric` of a set of figures.
fn rest_figure(figures: &Value, metric: &str) -> Option<f64> {
    figures.as_array().unwrap().iter().find(|f| f["metric"] == metric).unwrap_or_else(|| panic!("{metric} in {figures}"))["value"].as_f64()
}

const HEADLINE: [&str; 8] =
    ["received", "response_rate", "resolution_rate", "satisfaction_rate", "rated", "feedback_on_time_rate", "closure_rate", "overdue_now"];

/// Today in Beijing by the service's clock, as the statistics count it.
fn today(app: &TestApp) -> String {
    app.core.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive().to_string()
}

/// Takes a complaint and dispatches it to a unit; returns (id, tracking number).
async fn dispatched(app: &TestApp, dispatcher: &str, text: &str, line: &str, unit: &str) -> (String, String) {
    let taken = app.intake(dispatcher, complaint(text)).await;
    let id = taken["case_id"].as_str().unwrap().to_owned();
    let unit = app.unit(line, unit).await;
    let case = app.ok_step(dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    (id, case["tracking_number"].as_str().unwrap().to_owned())
}

/// Words, not JSON, and none of the given tracking numbers.
fn refused(res: &Answer, status: StatusCode, words: &str, hidden: &[&str]) {
    assert_eq!(res.status, status, "{}", res.body);
    assert!(res.body.contains(words) && !res.body.contains("{\""), "{}", res.body);
    for h in hidden {
        assert!(!res.body.contains(h), "{h} leaked: {}", res.body);
    }
}

#[tokio::test]
async fn the_city_office_sees_cases_in_the_dashboard_figures_and_drills_down_to_a_unit() {
    let app = TestApp::spawn().await;
    let mut office = Console::login(&app, "city_supervisor").await;
    let supervisor = app.token("city_supervisor").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let agent = app.token("agent").await;

    // Three cases for 12319 (one answered, rated and closed), one for 12315.
    let (a, _) = dispatched(&app, &dispatcher, "小区垃圾三天没人清运。", "12319", "市容环境卫生处").await;
    let (b, _) = dispatched(&app, &dispatcher, "路边垃圾桶满了没人管。", "12319", "市容环境卫生处").await;
    let (c, _) = dispatched(&app, &dispatcher, "垃圾站异味很大。", "12319", "市容环境卫生处").await;
    let (d, _) = dispatched(&app, &dispatcher, "超市卖过期食品。", "12315", "消费者权益保护处").await;
    app.sign(&handler, &a).await;
    app.sign(&handler, &b).await;
    app.ok_step(&handler, &a, "feedback", json!({"text": "垃圾已清运。", "resolved": true})).await;
    app.ok_step(&agent, &a, "rating", json!({"rating": "satisfied"})).await;

    // The headline figures are the REST summary's, for the same days.
    let day = today(&app);
    let page = office.get(&format!("/console/dashboard?from={day}&to={day}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (_, rest) = app.get(&format!("/api/v1/stats/summary?from={day}&to={day}"), &supervisor).await;
    let figures = part(&page.body, "figures", "</table>");
    for m in HEADLINE {
        let shown = number(attr_after(figures, &format!("data-metric=\"{m}\""), "data-value"));
        assert_eq!(shown, rest_figure(&rest["current"]["figures"], m), "{m}: {rest}");
    }
    assert_eq!(number(attr_after(figures, "data-metric=\"received\"", "data-value")), Some(4.0), "the four cases are counted");
    assert_eq!(number(attr_after(figures, "data-metric=\"rated\"", "data-value")), Some(1.0));

    // Lines side by side: bars drawn from data attributes, the same numbers in the table.
    for id in ["chart-volume", "chart-rates", "chart-trend"] {
        let chart = attr_after(&page.body, &format!("id=\"{id}\""), "data-chart").expect("a chart's option");
        assert!(chart.contains("&quot;series&quot;"), "{id}: {chart}");
    }
    assert!(page.body.contains("/console/assets/echarts.min.js") && !page.body.contains("<script>"), "no inline script");
    let (_, compare) = app.get(&format!("/api/v1/stats/compare?dimension=line&from={day}&to={day}"), &supervisor).await;
    let lines = part(&page.body, "lines", "</table>");
    for entry in compare["entries"].as_array().unwrap() {
        let key = entry["subject"].as_str().unwrap();
        let row = row_of(lines, &format!("data-key=\"{key}\""));
        for m in ["received", "response_rate", "satisfaction_rate"] {
            assert_eq!(
                number(attr_after(row, &format!("data-metric=\"{m}\""), "data-value")),
                rest_figure(&entry["figures"], m),
                "{key} {m}"
            );
        }
    }
    assert!(lines.contains("data-key=\"12369\""), "a line without cases is shown too");

    // The league table ranks only lines with the minimum sample, like the REST rankings.
    let league_of = |body: &str| -> (Vec<String>, Vec<String>) {
        let ranked = if body.contains("id=\"league\"") { all_attrs(part(body, "league", "</table>"), "data-key") } else { Vec::new() };
        let few = if body.contains("id=\"too-few\"") { all_attrs(part(body, "too-few", "</ul>"), "data-key") } else { Vec::new() };
        (ranked, few)
    };
    for min in [2, 30] {
        let page = office.get(&format!("/console/dashboard?from={day}&to={day}&metric=received&min_sample={min}")).await;
        let (_, r) = app
            .get(&format!("/api/v1/stats/rankings?dimension=line&metric=received&min_sample={min}&from={day}&to={day}"), &supervisor)
            .await;
        let keys = |v: &Value, f: &str| -> Vec<String> {
            v[f].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().map_or_else(|| x["key"].as_str().unwrap().to_owned(), str::to_owned))
                .collect()
        };
        let (ranked, few) = league_of(&page.body);
        assert_eq!((ranked, few), (keys(&r, "ranked"), keys(&r, "too_few")), "min_sample {min}: {r}");
        assert!(keys(&r, "too_few").contains(&"12315".to_owned()), "one case is below {min}: {r}");
    }
    let page = office.get(&format!("/console/dashboard?from={day}&to={day}&metric=received&min_sample=2")).await;
    assert!(league_of(&page.body).0.contains(&"12319".to_owned()), "three cases rank at a minimum of two");
    let bad = office.get("/console/dashboard?min_sample=lots").await;
    refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, "最小样本量应为", &[]);

    // Drill down: the line's units, then the unit's cases of the period.
    assert!(part(&page.body, "lines", "</table>").contains("tenant=12319\">"), "the line links to its own dashboard");
    let line = office.get(&format!("/console/dashboard?tenant=12319&from={day}&to={day}")).await;
    assert_eq!(line.status, StatusCode::OK, "{}", line.body);
    assert!(line.body.contains("data-dimension=\"unit\"") && line.body.contains("城市管理服务热线"), "{}", line.body);
    let unit = app.unit("12319", "市容环境卫生处").await;
    let (_, units) = app.get(&format!("/api/v1/stats/compare?dimension=unit&tenant=12319&from={day}&to={day}"), &supervisor).await;
    let entry = units["entries"].as_array().unwrap().iter().find(|e| e["subject"] == unit.as_str()).expect("the unit compared");
    let lines = part(&line.body, "lines", "</table>");
    assert_eq!(number(attr_after(lines, &format!("data-key=\"{unit}\""), "data-value")), rest_figure(&entry["figures"], "received"));
    assert!(lines.contains("市容环境卫生处"), "units by name");
    let link = format!("/console/dashboard/unit?tenant=12319&amp;unit={unit}&amp;from={day}&amp;to={day}");
    assert!(line.body.contains(&link), "the unit links to its cases: {}", line.body);
    let cases = office.get(&link.replace("&amp;", "&")).await;
    assert_eq!(cases.status, StatusCode::OK, "{}", cases.body);
    let listed = part(&cases.body, "unit-cases", "</table>");
    for id in [&a, &b, &c] {
        assert!(listed.contains(&format!("/console/cases/{id}")), "{id} listed: {listed}");
    }
    assert!(!listed.contains(&d), "another line's case is not the unit's");

    // The export has a BOM and the page's numbers.
    let csv = office.get(&format!("/console/dashboard/export.csv?from={day}&to={day}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(csv.body.starts_with('\u{feff}'), "a BOM for spreadsheets");
    let row = |section: &str, subject: &str, metric: &str| -> Option<f64> {
        let line = csv.body.split("\r\n").find(|l| {
            let c: Vec<&str> = l.split(',').collect();
            c.len() == 9 && c[0] == section && c[1] == subject && c[4] == metric
        });
        number(line.unwrap_or_else(|| panic!("{section} {subject} {metric} in\n{}", csv.body)).split(',').nth(6))
    };
    for m in HEADLINE {
        assert_eq!(row("current", "platform", m), rest_figure(&rest["current"]["figures"], m), "{m}");
    }
    let twelve = compare["entries"].as_array().unwrap().iter().find(|e| e["subject"] == "12319").unwrap();
    assert_eq!(row("line", "12319", "received"), rest_figure(&twelve["figures"], "received"));
}

#[tokio::test]
async fn a_line_admin_sees_only_their_line_and_unit_staff_have_no_dashboard() {
    let app = TestApp::spawn().await;
    let mut admin = Console::login(&app, "admin_12319").await;
    let mut handler = Console::login(&app, "handler_12319").await;
    let mut office = Console::login(&app, "city_supervisor").await;
    let line_admin = app.token("admin_12319").await;
    let dispatcher = app.token("dispatcher").await;
    let (ours, _) = dispatched(&app, &dispatcher, "小区垃圾成堆。", "12319", "市容环境卫生处").await;
    let (theirs, theirs_number) = dispatched(&app, &dispatcher, "商家拒绝退货。", "12315", "消费者权益保护处").await;
    let day = today(&app);

    // Their own line, from its units; figures as the REST API gives them to them.
    let page = admin.get(&format!("/console/dashboard?from={day}&to={day}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-dimension=\"unit\"") && !page.body.contains("<select name=\"tenant\""), "no choice of line");
    assert!(part(&page.body, "crumbs", "</nav>").contains("城市管理服务热线"), "their line by name");
    let (_, rest) = app.get(&format!("/api/v1/stats/summary?from={day}&to={day}"), &line_admin).await;
    assert_eq!(rest["current"]["subject"], "12319");
    let figures = part(&page.body, "figures", "</table>");
    assert_eq!(number(attr_after(figures, "data-metric=\"received\"", "data-value")), rest_figure(&rest["current"]["figures"], "received"));
    let unit_12315 = app.unit("12315", "消费者权益保护处").await;
    assert!(!page.body.contains(&unit_12315), "no other line's unit");
    let cases = admin.get(&format!("/console/dashboard/unit?unit={}&from={day}&to={day}", app.unit("12319", "市容环境卫生处").await)).await;
    assert_eq!(cases.status, StatusCode::OK, "{}", cases.body);
    assert!(cases.body.contains(&ours) && !cases.body.contains(&theirs));

    // Another line: refused in words, whichever way it is asked.
    let other = admin.get(&format!("/console/dashboard?tenant=12315&from={day}&to={day}")).await;
    refused(&other, StatusCode::FORBIDDEN, "您的角色不能执行此操作", &[&theirs_number]);
    let other = admin.get(&format!("/console/dashboard/unit?tenant=12319&unit={unit_12315}")).await;
    refused(&other, StatusCode::NOT_FOUND, "没有找到", &[&theirs]);
    let other = admin.get(&format!("/console/dashboard/unit?tenant=12315&unit={unit_12315}")).await;
    assert!(other.status.is_client_error() && !other.body.contains(&theirs), "{}", other.status);
    let csv = admin.get("/console/dashboard/export.csv?tenant=12315").await;
    refused(&csv, StatusCode::FORBIDDEN, "您的角色不能执行此操作", &[]);
    let csv = admin.get(&format!("/console/dashboard/export.csv?from={day}&to={day}")).await;
    assert!(csv.body.starts_with('\u{feff}') && csv.body.contains("\r\ncurrent,12319,"), "{}", csv.body);

    // Unit staff have no dashboard; an unknown line is not found for the city office.
    for path in ["/console/dashboard", "/console/dashboard/export.csv"] {
        refused(&handler.get(path).await, StatusCode::FORBIDDEN, "您的角色不能执行此操作", &[]);
    }
    refused(&office.get("/console/dashboard?tenant=99999").await, StatusCode::NOT_FOUND, "没有找到", &[]);
}

#[tokio::test]
async fn the_supervision_board_lists_overdue_cases_and_hot_spots_within_the_readers_scope() {
    let app = TestApp::spawn().await;
    // Sign in before moving the case clock: sessions run on the wall clock.
    let mut office = Console::login(&app, "city_supervisor").await;
    let mut admin = Console::login(&app, "admin_12319").await;
    let mut handler = Console::login(&app, "handler_12319").await;
    let mut desk = Console::login(&app, "dispatcher").await;
    let dispatcher = app.token("dispatcher").await;
    let agent = app.token("agent").await;
    let (ours, ours_number) = dispatched(&app, &dispatcher, "小区垃圾成堆。", "12319", "市容环境卫生处").await;
    let (_, theirs_number) = dispatched(&app, &dispatcher, "商家拒绝退货。", "12315", "消费者权益保护处").await;

    let board = office.get("/console/supervision?view=overdue").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(!board.body.contains(&ours_number), "nothing is overdue yet");

    // Twenty days later both are overdue: listed with their line, lead unit and lateness.
    app.clock.advance(chrono::Duration::days(20));
    let board = office.get("/console/supervision?view=overdue").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    let table = part(&board.body, "supervision-cases", "</table>");
    let row = row_of(table, &format!("data-case=\"{ours}\""));
    assert!(row.contains("class=\"overdue\"") && row.contains("12319") && row.contains("市容环境卫生处"), "{row}");
    assert!(row.contains(&format!("href=\"/console/cases/{ours}\"")), "{row}");
    let late: i64 = attr_after(row, "overdue-by", "data-minutes").unwrap().parse().unwrap();
    assert!(late > 24 * 60, "overdue by days: {late} minutes");
    assert!(table.contains(&theirs_number));
    let csv = office.get("/console/supervision/export.csv?view=overdue").await;
    assert!(csv.body.starts_with('\u{feff}') && csv.body.contains(&ours_number), "{}", csv.body);
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("supervision-overdue.csv"));

    // The front door's dispatcher names every line's units too (it dispatches to them).
    let board = desk.get("/console/supervision?view=overdue").await;
    let row = row_of(part(&board.body, "supervision-cases", "</table>"), &format!("data-case=\"{ours}\""));
    assert!(row.contains("12319") && row.contains("市容环境卫生处"), "{row}");

    // A line's administrator sees their line's only; unit staff are refused.
    let mine = admin.get("/console/supervision?view=overdue").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(mine.body.contains(&ours_number) && !mine.body.contains(&theirs_number), "{}", mine.body);
    let csv = admin.get("/console/supervision/export.csv?view=overdue").await;
    assert!(csv.body.contains(&ours_number) && !csv.body.contains(&theirs_number));
    refused(&admin.get("/console/supervision?view=overdue&tenant=12315").await, StatusCode::NOT_FOUND, "没有找到", &[&theirs_number]);
    refused(&handler.get("/console/supervision").await, StatusCode::FORBIDDEN, "您的角色不能执行此操作", &[&ours_number]);
    refused(&admin.get("/console/supervision?view=hot_spots").await, StatusCode::FORBIDDEN, "您的角色不能执行此操作", &[]);

    // Four alike reports in one place within a day make a hot spot, with its cases.
    let empty = office.get("/console/supervision?view=hot_spots").await;
    assert!(empty.body.contains("id=\"supervision-empty\""), "{}", empty.body);
    let mut burst = Vec::new();
    for text in ["杨桥路污水冒出来了", "杨桥路有污水冒出，很臭", "杨桥路下水道冒污水", "杨桥路污水外溢"]
    {
        let mut body = complaint(text);
        body["lat"] = json!(26.0820);
        body["long"] = json!(119.2960);
        burst.push(app.intake(&agent, body).await["tracking_number"].as_str().unwrap().to_owned());
        app.clock.advance(chrono::Duration::minutes(10));
    }
    assert_eq!(app.core.scan_hot_spots().await.unwrap().raised, 1);
    let spots = office.get("/console/supervision?view=hot_spots").await;
    assert_eq!(spots.status, StatusCode::OK, "{}", spots.body);
    let table = part(&spots.body, "hot-spots", "</table>");
    assert!(table.contains("鼓楼区") && table.contains("12345"), "place and line: {table}");
    for n in &burst {
        assert!(table.contains(n.as_str()), "{n} in {table}");
    }
}
