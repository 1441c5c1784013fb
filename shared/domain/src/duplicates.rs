//! Duplicate candidates (并单) and hot spots (issue 8), as pure rules: how alike two contacts
//! are by their text, their place and their time, and when a burst of alike contacts in one
//! place is many citizens reporting one issue. The store finds the open cases to compare; this
//! decides the scores.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::suggest::features;

/// What a contact brings to the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub text: String,
    pub district: Option<String>,
    pub address: Option<String>,
    /// WGS84 latitude and longitude.
    pub point: Option<(f64, f64)>,
    pub at: DateTime<Utc>,
}

/// The parts of a score and the total, 0..1 each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub text: f64,
    pub place: f64,
    pub time: f64,
    pub total: f64,
}

/// How the parts weigh and how far place and time reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub text: f64,
    pub place: f64,
    pub time: f64,
    /// Points closer than this are the same place; beyond `far` nothing alike.
    pub near_m: f64,
    pub far_m: f64,
    /// Contacts further apart in time than this are not duplicates.
    pub window: Duration,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { text: 0.6, place: 0.25, time: 0.15, near_m: 200.0, far_m: 2000.0, window: Duration::days(7) }
    }
}

/// Cosine similarity of the texts' feature sets (Chinese character bigrams and unigrams, Latin
/// words): 1 for the same wording, 0 for nothing in common.
pub fn text_similarity(a: &str, b: &str) -> f64 {
    let fa: HashSet<String> = features(a).into_iter().collect();
    let fb: HashSet<String> = features(b).into_iter().collect();
    if fa.is_empty() || fb.is_empty() {
        return 0.0;
    }
    let common = fa.intersection(&fb).count() as f64;
    common / ((fa.len() as f64) * (fb.len() as f64)).sqrt()
}

/// Great-circle distance in metres.
pub fn distance_m((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let r = 6_371_000.0_f64;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// Place: by distance when both have a point, else by address wording, else by district.
fn place_similarity(a: &Contact, b: &Contact, w: &Weights) -> f64 {
    if let (Some(pa), Some(pb)) = (a.point, b.point) {
        return place_by_distance(distance_m(pa, pb), w);
    }
    if let (Some(x), Some(y)) = (&a.address, &b.address) {
        return text_similarity(x, y);
    }
    match (&a.district, &b.district) {
        (Some(x), Some(y)) if x == y => 0.5,
        _ => 0.0,
    }
}

/// How alike two contacts are. Outside the time window the score is zero: a report of last
/// month is not the same issue.
pub fn score(a: &Contact, b: &Contact, w: &Weights) -> Score {
    let gap = (a.at - b.at).num_seconds().abs() as f64;
    let window = w.window.num_seconds().max(1) as f64;
    if gap > window {
        return Score { text: 0.0, place: 0.0, time: 0.0, total: 0.0 };
    }
    let text = text_similarity(&a.text, &b.text);
    let place = place_similarity(a, b, w);
    let time = 1.0 - gap / window;
    Score { text, place, time, total: w.text * text + w.place * place + w.time * time }
}

/// The open cases worth showing the agent: at least `min_score`, best first, at most `limit`;
/// ties keep the order given (the caller gives newest first).
pub fn candidates<'a, T>(new: &Contact, open: &'a [(T, Contact)], w: &Weights, min_score: f64, limit: usize) -> Vec<(&'a T, Score)> {
    let mut out: Vec<(&T, Score)> = open.iter().map(|(id, c)| (id, score(new, c, w))).filter(|(_, s)| s.total >= min_score).collect();
    out.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    out.truncate(limit);
    out
}

/// Contacts this alike in place are "in one place" for a hot spot: within the near distance
/// (or up to the middle of the ramp), alike addresses, or at least the same district.
pub const SAME_PLACE: f64 = 0.5;

/// A hot spot (热点): at least `min_contacts` contacts, each alike (score ≥ `min_score`) to the
/// newest and in the same place as it (place ≥ [`SAME_PLACE`]: the same words far away are
/// not one issue), within `span` of it. Returns the indexes of the contacts in the burst, or
/// nothing when there is no burst.
pub fn hot_spot(newest: &Contact, recent: &[Contact], w: &Weights, min_score: f64, min_contacts: usize, span: Duration) -> Vec<usize> {
    let burst: Vec<usize> = recent
        .iter()
        .enumerate()
        .filter(|(_, c)| (newest.at - c.at) <= span && c.at <= newest.at)
        .filter(|(_, c)| {
            let s = score(newest, c, w);
            s.total >= min_score && s.place >= SAME_PLACE
        })
        .map(|(i, _)| i)
        .collect();
    // The newest contact counts itself.
    if burst.len() + 1 >= min_contacts { burst } else { Vec::new() }
}

/// A contact with its feature sets computed once. A hot-spot pass compares every case of a
/// span with the ones before it; computing the bigram sets inside each comparison made a storm's
/// pass cost seconds of CPU per tick.
pub struct Prepared<'a> {
    pub contact: &'a Contact,
    text: HashSet<String>,
    address: Option<HashSet<String>>,
}

pub fn prepare(c: &Contact) -> Prepared<'_> {
    Prepared {
        contact: c,
        text: features(&c.text).into_iter().collect(),
        address: c.address.as_deref().map(|a| features(a).into_iter().collect()),
    }
}

fn cosine(fa: &HashSet<String>, fb: &HashSet<String>) -> f64 {
    if fa.is_empty() || fb.is_empty() {
        return 0.0;
    }
    let (small, large) = if fa.len() <= fb.len() { (fa, fb) } else { (fb, fa) };
    let common = small.iter().filter(|f| large.contains(*f)).count() as f64;
    common / ((fa.len() as f64) * (fb.len() as f64)).sqrt()
}

/// [`hot_spot`] over prepared contacts: the same decision, with place (cheap) decided before
/// text, since a contact elsewhere can never join the burst.
pub fn hot_spot_prepared(
    newest: &Prepared,
    recent: &[Prepared],
    w: &Weights,
    min_score: f64,
    min_contacts: usize,
    span: Duration,
) -> Vec<usize> {
    let (a, window) = (newest.contact, w.window.num_seconds().max(1) as f64);
    let burst: Vec<usize> = recent
        .iter()
        .enumerate()
        .filter(|(_, p)| (a.at - p.contact.at) <= span && p.contact.at <= a.at)
        .filter(|(_, p)| {
            let b = p.contact;
            let gap = (a.at - b.at).num_seconds().abs() as f64;
            if gap > window {
                return false;
            }
            let place = match (a.point, b.point, &newest.address, &p.address) {
                (Some(pa), Some(pb), _, _) => place_by_distance(distance_m(pa, pb), w),
                (_, _, Some(x), Some(y)) => cosine(x, y),
                _ => place_similarity(a, b, w),
            };
            if place < SAME_PLACE {
                return false;
            }
            let total = w.text * cosine(&newest.text, &p.text) + w.place * place + w.time * (1.0 - gap / window);
            total >= min_score
        })
        .map(|(i, _)| i)
        .collect();
    if burst.len() + 1 >= min_contacts { burst } else { Vec::new() }
}

/// Same place within `near_m`, nothing alike beyond `far_m`, a straight ramp between.
fn place_by_distance(d: f64, w: &Weights) -> f64 {
    if d <= w.near_m {
        1.0
    } else if d >= w.far_m {
        0.0
    } else {
        1.0 - (d - w.near_m) / (w.far_m - w.near_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn contact(text: &str, point: Option<(f64, f64)>, h: i64) -> Contact {
        Contact { text: text.into(), district: Some("鼓楼区".into()), address: None, point, at: at(h) }
    }

    const HERE: (f64, f64) = (26.0820, 119.2960);

    #[test]
    fn text_similarity_is_a_cosine_of_features() {
        assert!((text_similarity("东街口路灯不亮", "东街口路灯不亮") - 1.0).abs() < 1e-9);
        assert_eq!(text_similarity("路灯不亮", "超市卖过期食品"), 0.0);
        let near = text_similarity("东街口路灯坏了不亮", "东街口的路灯不亮了");
        assert!(near > 0.5 && near < 1.0, "{near}");
        assert_eq!(text_similarity("", "路灯"), 0.0);
    }

    #[test]
    fn distances_are_metres() {
        assert!(distance_m(HERE, HERE) < 1e-6);
        // 0.01° of latitude is about 1.11 km.
        let d = distance_m(HERE, (HERE.0 + 0.01, HERE.1));
        assert!((d - 1112.0).abs() < 5.0, "{d}");
    }

    #[test]
    fn scores_weigh_text_place_and_time() {
        let w = Weights::default();
        let a = contact("东街口路灯不亮", Some(HERE), 0);
        let same = score(&a, &contact("东街口路灯不亮", Some(HERE), 1), &w);
        assert!(same.text > 0.99 && same.place == 1.0 && same.time > 0.99 && same.total > 0.99, "{same:?}");
        let elsewhere = score(&a, &contact("东街口路灯不亮", Some((HERE.0 + 0.05, HERE.1)), 1), &w);
        assert_eq!(elsewhere.place, 0.0);
        assert!(elsewhere.total < same.total);
        let other = score(&a, &contact("超市卖过期食品", Some(HERE), 1), &w);
        assert!(other.total < 0.45, "{other:?}");
        // Last month's report is not the same issue.
        assert_eq!(score(&a, &contact("东街口路灯不亮", Some(HERE), 24 * 8), &w).total, 0.0);
        // Without points: the address wording, then the district.
        let mut x = contact("路灯不亮", None, 0);
        let mut y = contact("路灯不亮", None, 0);
        assert_eq!(score(&x, &y, &w).place, 0.5);
        x.address = Some("杨桥路88号".into());
        y.address = Some("杨桥路88号".into());
        assert!(score(&x, &y, &w).place > 0.99);
    }

    #[test]
    fn candidates_are_the_best_above_the_bar() {
        let w = Weights::default();
        let new = contact("东街口路灯坏了不亮", Some(HERE), 10);
        let open = vec![
            ("food", contact("超市卖过期食品", Some(HERE), 9)),
            ("lamp", contact("东街口的路灯不亮了", Some(HERE), 8)),
            ("lamp far", contact("东街口的路灯不亮了", Some((HERE.0 + 0.05, HERE.1)), 8)),
            ("old lamp", contact("东街口路灯坏了不亮", Some(HERE), -24 * 30)),
        ];
        let found: Vec<&str> = candidates(&new, &open, &w, 0.5, 5).into_iter().map(|(id, _)| *id).collect();
        assert_eq!(found, ["lamp", "lamp far"]);
        assert_eq!(candidates(&new, &open, &w, 0.5, 1).len(), 1);
        assert!(candidates::<&str>(&new, &[], &w, 0.5, 5).is_empty());
    }

    #[test]
    fn the_prepared_hot_spot_decides_as_the_plain_one() {
        // Every pair kind: points near and far, alike and unlike addresses, districts only.
        let mk = |text: &str, district: Option<&str>, address: Option<&str>, point: Option<(f64, f64)>, h: i64| Contact {
            text: text.into(),
            district: district.map(Into::into),
            address: address.map(Into::into),
            point,
            at: at(h),
        };
        let contacts = [
            mk("鼓楼区五一路路灯不亮已经三天", Some("鼓楼区"), Some("五一路12号"), Some((26.08, 119.30)), 0),
            mk("五一路路灯不亮，晚上很黑", Some("鼓楼区"), Some("五一路14号"), Some((26.0801, 119.3001)), 1),
            mk("五一路的路灯坏了不亮", Some("鼓楼区"), None, Some((26.09, 119.31)), 2),
            mk("路灯不亮五一路", Some("鼓楼区"), Some("五一路"), None, 3),
            mk("五一路路灯不亮", Some("鼓楼区"), None, None, 4),
            mk("台江区噪音扰民", Some("台江区"), None, None, 5),
            mk("五一路路灯不亮三天了", Some("鼓楼区"), Some("五一路10号"), Some((26.0802, 119.3002)), 6),
        ];
        let prepared: Vec<Prepared> = contacts.iter().map(prepare).collect();
        let w = Weights::default();
        for i in 0..contacts.len() {
            for (min_score, min_contacts) in [(0.3, 2), (0.55, 3), (0.6, 4), (0.8, 2)] {
                let span = Duration::hours(24);
                let plain = hot_spot(&contacts[i], &contacts[..i], &w, min_score, min_contacts, span);
                let fast = hot_spot_prepared(&prepared[i], &prepared[..i], &w, min_score, min_contacts, span);
                assert_eq!(plain, fast, "contact {i}, score {min_score}, {min_contacts} contacts");
            }
        }
        assert!(!hot_spot_prepared(&prepared[6], &prepared[..6], &w, 0.55, 4, Duration::hours(24)).is_empty(), "the check is not vacuous");
    }

    #[test]
    fn a_burst_of_alike_contacts_in_one_place_is_a_hot_spot() {
        let w = Weights::default();
        let newest = contact("杨桥路污水冒出来了", Some(HERE), 6);
        let recent = vec![
            contact("杨桥路有污水冒出", Some(HERE), 5),
            contact("杨桥路污水外溢", Some((HERE.0 + 0.0005, HERE.1)), 4),
            contact("杨桥路下水道冒污水", Some(HERE), 2),
            contact("超市卖过期食品", Some(HERE), 5),
            contact("杨桥路污水冒出来了", Some(HERE), -48),
            // The same words 5.5 km away: alike enough in total, but not in one place.
            contact("杨桥路污水冒出来了", Some((HERE.0 + 0.05, HERE.1)), 5),
        ];
        let burst = hot_spot(&newest, &recent, &w, 0.55, 4, Duration::hours(24));
        assert_eq!(burst, [0, 1, 2], "three alike contacts within a day, plus the newest");
        assert!(hot_spot(&newest, &recent, &w, 0.55, 5, Duration::hours(24)).is_empty(), "four are not five");
        assert!(hot_spot(&newest, &recent[3..], &w, 0.55, 2, Duration::hours(24)).is_empty());
        assert!(score(&newest, &recent[5], &w).total >= 0.55, "the far one passes the bar on its words alone");
    }
}
