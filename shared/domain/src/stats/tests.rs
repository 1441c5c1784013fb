use super::*;

fn counts(pairs: &[(Counter, i64)]) -> Counts {
    let mut c = Counts::default();
    for (k, n) in pairs {
        c.add(*k, *n);
    }
    c
}

#[test]
fn rates_divide_summed_counters_and_are_null_without_a_denominator() {
    let a = counts(&[(Counter::Rated, 3), (Counter::RatedSatisfied, 3)]);
    let b = counts(&[(Counter::Rated, 7), (Counter::RatedSatisfied, 1)]);
    let mut both = a.clone();
    both.merge(&b);
    // 4 of 10, not the mean of 100 % and 14 %.
    assert_eq!(Metric::SatisfactionRate.value(&both), Value::Ratio(Some(0.4)));
    assert_eq!(Metric::SatisfactionRate.value(&Counts::default()), Value::Ratio(None));
    assert_eq!(Metric::Rated.value(&both), Value::Count(10));
    assert_eq!(Metric::ResponseRate.formula(), Formula::Rate(Counter::SignedOnTime, Counter::SignDecided));
}

#[test]
fn every_metric_has_a_unique_name_that_parses_back() {
    let mut names: Vec<&str> = Metric::ALL.iter().map(|m| m.as_str()).collect();
    for m in Metric::ALL {
        assert_eq!(Metric::parse(m.as_str()).unwrap(), *m);
        assert!(!m.chinese().is_empty() && !m.note().is_empty());
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), Metric::ALL.len());
    let err = Metric::parse("happiness").unwrap_err();
    assert_eq!((err.field.as_str(), err.code), ("metrics", "unknown_metric"));
}

#[test]
fn handling_buckets_are_ten_percent_wide_from_a_minute_to_a_year() {
    let b = &*HANDLING_BUCKETS;
    assert_eq!(b[0], 60);
    assert!(b.windows(2).all(|w| w[1] > w[0] && (w[1] as f64) <= w[0] as f64 * 1.1 + 1.0));
    assert!(*b.last().unwrap() >= 366 * 86_400);
    assert_eq!(handling_bucket(0), 0);
    assert_eq!(handling_bucket(-5), 0);
    assert_eq!(handling_bucket(60), 0);
    assert_eq!(handling_bucket(61), 1);
    assert_eq!(handling_bucket(i64::MAX), b.len() - 1);
}

#[test]
fn percentiles_take_the_nearest_rank_bucket() {
    let mut c = Counts::default();
    // 9 cases in about an hour, 1 in about ten days.
    for _ in 0..9 {
        c.add_handling(handling_bucket(3_600), 1);
    }
    c.add_handling(handling_bucket(864_000), 1);
    let p90 = percentile(&c.handling, 90).unwrap();
    assert!((3_600..=3_960).contains(&p90), "{p90}");
    let p100 = percentile(&c.handling, 100).unwrap();
    assert!((864_000..=950_400).contains(&p100), "{p100}");
    assert_eq!(percentile(&[], 90), None);
    assert_eq!(Metric::P90HandlingSeconds.value(&c), Value::Ratio(Some(p90 as f64)));
    assert_eq!(Metric::P50HandlingSeconds.value(&c), Value::Ratio(Some(p90 as f64)), "the median case took an hour too");
}

#[test]
fn rankings_need_a_minimum_sample_and_share_places_on_ties() {
    let unit = |rated: i64, satisfied: i64| counts(&[(Counter::Rated, rated), (Counter::RatedSatisfied, satisfied)]);
    let entries = vec![
        ("c-unit".to_owned(), unit(20, 18)),
        ("a-unit".to_owned(), unit(2, 2)), // 100 % of 2: too few to rank
        ("b-unit".to_owned(), unit(10, 9)),
        ("d-unit".to_owned(), unit(50, 30)),
        ("e-unit".to_owned(), unit(0, 0)),
    ];
    let table = rank(&entries, Metric::SatisfactionRate, 10);
    let got: Vec<(usize, &str)> = table.iter().map(|r| (r.place, r.key.as_str())).collect();
    assert_eq!(got, vec![(1, "b-unit"), (1, "c-unit"), (3, "d-unit")]);
    assert_eq!(table[2].sample, 50);
    // Lower is better for returns.
    let returns = vec![
        ("x".to_owned(), counts(&[(Counter::Dispatched, 10), (Counter::Returned, 5)])),
        ("y".to_owned(), counts(&[(Counter::Dispatched, 10), (Counter::Returned, 1)])),
    ];
    assert_eq!(rank(&returns, Metric::ReturnRate, 1)[0].key, "y");
}

#[test]
fn the_metrics_document_is_generated_from_the_definitions() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/METRICS.md");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == metrics_markdown(),
        "docs/METRICS.md differs from hotline-domain::stats: regenerate it with `cargo run -q -p hotline-api -- metrics > docs/METRICS.md`"
    );
    for m in Metric::ALL {
        assert!(on_disk.contains(&format!("`{}`", m.as_str())));
    }
}

mod effects {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use super::super::*;
    use crate::case::Rating;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 9, h, 0, 0).unwrap()
    }

    fn fold(steps: &[(Occurrence, DateTime<Utc>)]) -> Counts {
        let mut c = Counts::default();
        for (o, t) in steps {
            c.apply(&effect(o, *t));
        }
        c
    }

    #[test]
    fn a_case_through_its_life_gives_the_hand_computed_figures() {
        // Received 01:00, dispatched 02:00 (due 03:00), signed late at 05:00 (due 04:00) after
        // the sweep had decided the clock, feedback in time (resolved), rated satisfied,
        // closed at 09:00: eight hours of handling.
        let c = fold(&[
            (Occurrence::Received { answered_directly: false }, at(1)),
            (Occurrence::Dispatched { due: Some(at(3)) }, at(2)),
            (Occurrence::SignDeadlinePassed { decides: true }, at(4)),
            (Occurrence::Signed { due: Some(at(4)), decides: false }, at(5)),
            (Occurrence::FeedbackGiven { due: Some(at(8)), resolved: true, decides: true }, at(7)),
            (Occurrence::Rated { rating: Rating::Satisfied }, at(8)),
            (Occurrence::Closed { received_at: at(1) }, at(9)),
        ]);
        assert_eq!(Metric::Received.value(&c), Value::Count(1));
        assert_eq!(Metric::DispatchOnTimeRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::ResponseRate.value(&c), Value::Ratio(Some(0.0)), "the sweep decided: not signed in time");
        assert_eq!(Metric::FeedbackOnTimeRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::ResolutionRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::SatisfactionRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::ClosureRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::AvgHandlingSeconds.value(&c), Value::Ratio(Some(8.0 * 3600.0)));
        let p90 = match Metric::P90HandlingSeconds.value(&c) {
            Value::Ratio(Some(v)) => v,
            other => panic!("{other:?}"),
        };
        assert!((28_800.0..=31_680.0).contains(&p90), "{p90}");
        assert_eq!(c.get(Counter::SignDecided), 1, "decided once, not again by the late signature");
    }

    #[test]
    fn a_returned_and_reopened_case_counts_each_step() {
        let c = fold(&[
            (Occurrence::Received { answered_directly: false }, at(1)),
            (Occurrence::Dispatched { due: Some(at(3)) }, at(4)),
            (Occurrence::Returned, at(5)),
            (Occurrence::Dispatched { due: None }, at(6)),
            (Occurrence::Signed { due: Some(at(7)), decides: true }, at(6)),
            (Occurrence::FeedbackGiven { due: Some(at(8)), resolved: false, decides: true }, at(9)),
            (Occurrence::Rated { rating: Rating::Dissatisfied }, at(10)),
            (Occurrence::Closed { received_at: at(1) }, at(10)),
            (Occurrence::Reopened, at(11)),
            (Occurrence::ExtensionDecided { approved: false }, at(12)),
            (Occurrence::ExtensionDecided { approved: true }, at(13)),
            (Occurrence::BecameProblem, at(13)),
        ]);
        assert_eq!(Metric::Dispatched.value(&c), Value::Count(2));
        assert_eq!(Metric::DispatchOnTimeRate.value(&c), Value::Ratio(Some(0.5)), "late first dispatch, unlimited re-dispatch");
        assert_eq!(Metric::ReturnRate.value(&c), Value::Ratio(Some(0.5)));
        assert_eq!(Metric::ResponseRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::FeedbackOnTimeRate.value(&c), Value::Ratio(Some(0.0)));
        assert_eq!(Metric::ResolutionRate.value(&c), Value::Ratio(Some(0.0)));
        assert_eq!(Metric::SatisfactionRate.value(&c), Value::Ratio(Some(0.0)));
        assert_eq!(Metric::ReopenRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::Extensions.value(&c), Value::Count(1));
        assert_eq!(Metric::ProblemCases.value(&c), Value::Count(1));
    }

    #[test]
    fn the_front_door_and_the_telephony_have_their_figures() {
        let c = fold(&[
            (Occurrence::Received { answered_directly: true }, at(1)),
            (Occurrence::Received { answered_directly: false }, at(1)),
            (Occurrence::AnsweredDirectly, at(2)),
            (Occurrence::Received { answered_directly: false }, at(2)),
            (Occurrence::Call { answered_after_seconds: Some(15) }, at(1)),
            (Occurrence::Call { answered_after_seconds: Some(16) }, at(1)),
            (Occurrence::Call { answered_after_seconds: None }, at(1)),
            (Occurrence::Call { answered_after_seconds: Some(3) }, at(1)),
        ]);
        assert_eq!(Metric::FirstContactResolutionRate.value(&c), Value::Ratio(Some(2.0 / 3.0)));
        assert_eq!(Metric::Calls.value(&c), Value::Count(4));
        assert_eq!(Metric::ConnectionRate.value(&c), Value::Ratio(Some(0.75)));
        assert_eq!(Metric::AnsweredWithin15sRate.value(&c), Value::Ratio(Some(0.5)), "15 s is in time, 16 s is not");
        assert_eq!(Metric::AbandonRate.value(&c), Value::Ratio(Some(0.25)));
        // Undecided clocks and a repeated deadline count nothing.
        assert_eq!(effect(&Occurrence::FeedbackDeadlinePassed { decides: false }, at(1)), Effect::default());
        assert_eq!(effect(&Occurrence::Signed { due: None, decides: false }, at(1)), Effect::default());
    }

    #[test]
    fn an_answer_from_the_knowledge_base_counts_beside_the_direct_answer() {
        // Only the knowledge-base counter: the answer itself is `AnsweredDirectly`'s.
        assert_eq!(
            effect(&Occurrence::AnsweredFromArticle, at(1)),
            Effect { counters: vec![(Counter::AnsweredFromKnowledge, 1)], handling_bucket: None }
        );
        assert_eq!(Occurrence::AnsweredFromArticle.for_co_line(), None);
        // Four contacts, three answered at once, two of those from an article.
        let c = fold(&[
            (Occurrence::Received { answered_directly: false }, at(1)),
            (Occurrence::AnsweredDirectly, at(1)),
            (Occurrence::AnsweredFromArticle, at(1)),
            (Occurrence::Received { answered_directly: false }, at(2)),
            (Occurrence::AnsweredDirectly, at(2)),
            (Occurrence::AnsweredFromArticle, at(2)),
            (Occurrence::Received { answered_directly: true }, at(3)),
            (Occurrence::Received { answered_directly: false }, at(4)),
        ]);
        assert_eq!(Metric::AnsweredDirectly.value(&c), Value::Count(3), "not counted twice");
        assert_eq!(Metric::AnsweredFromKnowledge.value(&c), Value::Count(2));
        assert_eq!(Metric::KnowledgeAnswerRate.value(&c), Value::Ratio(Some(2.0 / 3.0)));
        assert_eq!(Metric::FirstContactResolutionRate.value(&c), Value::Ratio(Some(0.75)));
        assert_eq!(Metric::KnowledgeAnswerRate.value(&Counts::default()), Value::Ratio(None));
        assert_eq!(Metric::KnowledgeAnswerRate.sample(), Counter::AnsweredDirectly);
        assert!(Metric::KnowledgeAnswerRate.higher_is_better());
    }

    #[test]
    fn the_knowledge_base_answer_travels_like_the_other_unit_occurrences() {
        let text = serde_json::to_string(&Occurrence::AnsweredFromArticle).unwrap();
        assert_eq!(text, r#"{"what":"answered_from_article"}"#);
        assert_eq!(serde_json::from_str::<Occurrence>(&text).unwrap(), Occurrence::AnsweredFromArticle);
        assert_eq!(serde_json::to_string(&Occurrence::AnsweredDirectly).unwrap(), r#"{"what":"answered_directly"}"#);
        // Payloads written before the knowledge base still read as they were.
        let old: Vec<Occurrence> = serde_json::from_str(
            r#"[{"what":"received","answered_directly":false},{"what":"answered_directly"},{"what":"closed","received_at":"2026-03-09T01:00:00Z"}]"#,
        )
        .unwrap();
        assert_eq!(
            old,
            vec![
                Occurrence::Received { answered_directly: false },
                Occurrence::AnsweredDirectly,
                Occurrence::Closed { received_at: at(1) }
            ]
        );
    }

    #[test]
    fn occurrences_travel_as_tagged_json() {
        let o = Occurrence::FeedbackGiven { due: Some(at(8)), resolved: true, decides: true };
        let text = serde_json::to_string(&o).unwrap();
        assert!(text.contains(r#""what":"feedback_given""#), "{text}");
        assert_eq!(serde_json::from_str::<Occurrence>(&text).unwrap(), o);
        let r: Occurrence = serde_json::from_str(r#"{"what":"rated","rating":"very_satisfied"}"#).unwrap();
        assert_eq!(r, Occurrence::Rated { rating: Rating::VerySatisfied });
        assert!(serde_json::from_str::<Occurrence>(r#"{"what":"rated","rating":"meh"}"#).is_err());
    }

    #[test]
    fn a_co_units_line_counts_the_outcome_of_a_joint_case_but_not_the_leads_clocks() {
        // The lead's life of a joint case, and what a co-unit's line makes of it.
        let life = [
            (Occurrence::Received { answered_directly: false }, at(1)),
            (Occurrence::Dispatched { due: Some(at(3)) }, at(2)),
            (Occurrence::Signed { due: Some(at(4)), decides: true }, at(3)),
            (Occurrence::ExtensionDecided { approved: true }, at(4)),
            (Occurrence::Returned, at(4)),
            (Occurrence::FeedbackGiven { due: Some(at(6)), resolved: true, decides: true }, at(7)),
            (Occurrence::FeedbackDeadlinePassed { decides: true }, at(6)),
            (Occurrence::Rated { rating: Rating::Dissatisfied }, at(8)),
            (Occurrence::Reopened, at(8)),
            (Occurrence::BecameProblem, at(8)),
            (Occurrence::Closed { received_at: at(1) }, at(9)),
        ];
        let co: Vec<(Occurrence, DateTime<Utc>)> = life.iter().filter_map(|(o, t)| o.for_co_line().map(|o| (o, *t))).collect();
        let c = fold(&co);
        for (m, v) in
            [(Metric::Received, 1), (Metric::Dispatched, 0), (Metric::Extensions, 0), (Metric::Rated, 1), (Metric::ProblemCases, 1)]
        {
            assert_eq!(m.value(&c), Value::Count(v), "{m:?}");
        }
        assert_eq!(Metric::ResolutionRate.value(&c), Value::Ratio(Some(1.0)), "the one answer counts");
        assert_eq!(Metric::FeedbackOnTimeRate.value(&c), Value::Ratio(None), "the lead's clock is not the co-unit line's");
        assert_eq!(Metric::ResponseRate.value(&c), Value::Ratio(None));
        assert_eq!(Metric::ReturnRate.value(&c), Value::Ratio(None));
        assert_eq!(Metric::ReopenRate.value(&c), Value::Ratio(Some(1.0)));
        assert_eq!(Metric::AvgHandlingSeconds.value(&c), Value::Ratio(Some(8.0 * 3600.0)));
        assert_eq!(Occurrence::Call { answered_after_seconds: Some(3) }.for_co_line(), None);
        assert_eq!(Occurrence::AnsweredDirectly.for_co_line(), None);
    }

    #[test]
    fn a_call_waits_from_its_ringing_and_without_an_answer_is_abandoned() {
        let rang = at(10);
        let call = |secs: Option<i64>| call_occurrence(Some(rang), secs.map(|s| rang + Duration::seconds(s)));
        assert_eq!(call(Some(15)), Occurrence::Call { answered_after_seconds: Some(15) });
        assert_eq!(call(None), Occurrence::Call { answered_after_seconds: None });
        // Clocks of two systems disagree: an answer "before" the ringing waited nothing.
        assert_eq!(call(Some(-3)), Occurrence::Call { answered_after_seconds: Some(0) });
        // No ringing reported: offered when answered.
        assert_eq!(call_occurrence(None, Some(rang)), Occurrence::Call { answered_after_seconds: Some(0) });
        assert_eq!(call_occurrence(None, None), Occurrence::Call { answered_after_seconds: None });
    }

    #[test]
    fn occurrences_count_on_the_local_day_of_the_line() {
        // 23:30 UTC on 9 March is 07:30 on 10 March in Shanghai.
        let late = at(23) + Duration::minutes(30);
        assert_eq!(local_day(late, chrono_tz::Asia::Shanghai).to_string(), "2026-03-10");
        assert_eq!(local_day(late, chrono_tz::UTC).to_string(), "2026-03-09");
    }
}
