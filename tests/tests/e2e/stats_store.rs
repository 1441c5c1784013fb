//! The statistics' counter store on the real database: increments land at every level, sums
//! respect scope, tenants and days, and the handling histogram adds up.

use chrono::NaiveDate;
use hotline_domain::stats::{Counter, Metric, Value, handling_bucket};
use hotline_store::stats::{self, Grain, Increment, Level, Scope, SumQuery};
use uuid::Uuid;

use crate::helpers::TestApp;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn grain(scope: Scope, tenant: Uuid, unit: Uuid, d: u32, district: &str) -> Grain {
    Grain {
        scope,
        tenant_id: tenant,
        day: day(d),
        unit_id: unit,
        category: "市容环境".into(),
        contact_type: "complaint".into(),
        urgency: "general".into(),
        channel: "phone".into(),
        district: district.into(),
    }
}

fn query(scope: Scope, level: Level, tenants: Option<Vec<Uuid>>, from: u32, to: u32, group_by: Option<&'static str>) -> SumQuery {
    SumQuery { scope, level, tenants, from: day(from), to: day(to), group_by, unit: None }
}

#[tokio::test]
async fn counters_add_up_by_level_scope_tenant_and_day() {
    let app = TestApp::spawn().await;
    let db = &app.raw_db().await;
    let (line_a, line_b) = (Uuid::now_v7(), Uuid::now_v7());
    let (unit_1, unit_2) = (Uuid::now_v7(), Uuid::now_v7());
    let inc = |g: Grain, counters: Vec<(Counter, i64)>, bucket: Option<usize>| Increment { grain: g, counters, handling_bucket: bucket };
    let batch = vec![
        inc(grain(Scope::Line, line_a, unit_1, 9, "鼓楼区"), vec![(Counter::Rated, 1), (Counter::RatedSatisfied, 1)], None),
        inc(grain(Scope::Line, line_a, unit_1, 9, "鼓楼区"), vec![(Counter::Rated, 1)], None),
        inc(grain(Scope::Line, line_a, unit_2, 10, "台江区"), vec![(Counter::Rated, 2), (Counter::RatedSatisfied, 1)], None),
        inc(
            grain(Scope::Line, line_a, unit_2, 10, "台江区"),
            vec![(Counter::Closed, 1), (Counter::HandlingCount, 1), (Counter::HandlingSeconds, 7_200)],
            Some(handling_bucket(7_200)),
        ),
        // Another line, another scope and another month must not leak into line A's figures.
        inc(grain(Scope::Line, line_b, unit_1, 9, "鼓楼区"), vec![(Counter::Rated, 5)], None),
        inc(grain(Scope::Platform, line_a, unit_1, 9, "鼓楼区"), vec![(Counter::Rated, 7)], None),
        inc(grain(Scope::Line, line_a, unit_1, 31, "鼓楼区"), vec![(Counter::Rated, 11)], None),
    ];
    stats::add(db, &batch).await.unwrap();

    // Line A, 9–10 March, from the line rollup: 4 rated, 2 satisfied, one closure of 2 hours.
    let sums = stats::sum(db, &query(Scope::Line, Level::Line, Some(vec![line_a]), 9, 10, None)).await.unwrap();
    let a = &sums[""];
    assert_eq!((a.get(Counter::Rated), a.get(Counter::RatedSatisfied)), (4, 2));
    assert_eq!(Metric::SatisfactionRate.value(a), Value::Ratio(Some(0.5)));
    assert_eq!(Metric::AvgHandlingSeconds.value(a), Value::Ratio(Some(7_200.0)));
    assert!(matches!(Metric::P90HandlingSeconds.value(a), Value::Ratio(Some(v)) if (7_200.0..=7_920.0).contains(&v)));

    // Every level holds the same totals; grouped by unit and by district they split.
    // (The month rollup keeps March on its first day: checked below.)
    for level in Level::ALL.into_iter().filter(|l| *l != Level::Month) {
        let s = stats::sum(db, &query(Scope::Line, level, Some(vec![line_a]), 9, 10, None)).await.unwrap();
        assert_eq!(s[""].get(Counter::Rated), 4, "{level:?}");
    }
    let by_unit = stats::sum(db, &query(Scope::Line, Level::Unit, Some(vec![line_a]), 9, 10, Some("unit_id"))).await.unwrap();
    assert_eq!(by_unit[&unit_1.to_string()].get(Counter::Rated), 2);
    assert_eq!(by_unit[&unit_2.to_string()].get(Counter::Rated), 2);
    let by_district = stats::sum(db, &query(Scope::Line, Level::District, Some(vec![line_a]), 9, 10, Some("district"))).await.unwrap();
    assert_eq!(by_district.keys().cloned().collect::<Vec<_>>(), vec!["台江区".to_owned(), "鼓楼区".to_owned()]);
    let by_day = stats::sum(db, &query(Scope::Line, Level::Line, Some(vec![line_a]), 1, 31, Some("day"))).await.unwrap();
    assert_eq!(by_day["2026-03-31"].get(Counter::Rated), 11);
    let by_line = stats::sum(db, &query(Scope::Line, Level::Line, None, 9, 9, Some("tenant_id"))).await.unwrap();
    assert_eq!((by_line[&line_a.to_string()].get(Counter::Rated), by_line[&line_b.to_string()].get(Counter::Rated)), (2, 5));
    let platform = stats::sum(db, &query(Scope::Platform, Level::Line, None, 9, 10, None)).await.unwrap();
    assert_eq!(platform[""].get(Counter::Rated), 7);
    // The month rollup holds the line level's days of March under 1 March, histograms too.
    let month = stats::sum(db, &query(Scope::Line, Level::Month, Some(vec![line_a]), 1, 31, Some("day"))).await.unwrap();
    let days = stats::sum(db, &query(Scope::Line, Level::Line, Some(vec![line_a]), 1, 31, None)).await.unwrap();
    assert_eq!(month.keys().cloned().collect::<Vec<_>>(), vec!["2026-03-01".to_owned()]);
    assert_eq!(month["2026-03-01"], days[""]);
    assert!(month["2026-03-01"].handling.iter().sum::<i64>() > 0, "{:?}", month["2026-03-01"]);

    // Increments only ever add.
    stats::add(db, &batch[..1]).await.unwrap();
    let again = stats::sum(db, &query(Scope::Line, Level::Full, Some(vec![line_a]), 9, 9, None)).await.unwrap();
    assert_eq!(again[""].get(Counter::Rated), 3);
    assert!(stats::sum(db, &query(Scope::Line, Level::Line, Some(vec![]), 9, 9, None)).await.unwrap().is_empty());
}
