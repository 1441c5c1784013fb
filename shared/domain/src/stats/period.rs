//! Periods of the statistics: a range of local days (the line's time zone) and its buckets —
//! days, ISO weeks (Monday first), months, years — for time series and comparisons.

use chrono::{Datelike, Duration, NaiveDate};

use crate::ValidationError;
use crate::error::word_enum;

word_enum!(
    /// The width of a time-series bucket.
    Bucket, "bucket" {
        Day = "day",
        Week = "week",
        Month = "month",
        Year = "year",
    }
);

/// The longest range asked for at once (ten years of days).
pub const MAX_DAYS: i64 = 3_660;
/// The range when none is given: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// Local days `from ..= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn parse_day(field: &str, v: &str) -> Result<NaiveDate, ValidationError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| ValidationError::new(field, "invalid_date", format!("{field} must be a date like 2026-03-09, not '{v}'")))
}

impl DayRange {
    /// `from` and `to` as `YYYY-MM-DD` (both included); missing ends default to the last
    /// `DEFAULT_DAYS` days up to `today`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self, ValidationError> {
        let to = match to {
            Some(v) => parse_day("to", v)?,
            None => today,
        };
        let from = match from {
            Some(v) => parse_day("from", v)?,
            None => to - Duration::days(DEFAULT_DAYS - 1),
        };
        if from > to {
            return Err(ValidationError::new("from", "invalid_range", "from must not be after to"));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(ValidationError::new("from", "range_too_long", format!("at most {MAX_DAYS} days at once")));
        }
        Ok(Self { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The buckets covering the range, clipped to it, in order: `(label, first day, last day)`.
    pub fn buckets(&self, bucket: Bucket) -> Vec<(String, NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            let end = bucket_end(day, bucket).min(self.to);
            out.push((label(day, bucket), day, end));
            day = end + Duration::days(1);
        }
        out
    }
}

/// The label of the bucket a day falls in: `2026-03-09`, `2026-W11`, `2026-03`, `2026`.
pub fn label(day: NaiveDate, bucket: Bucket) -> String {
    match bucket {
        Bucket::Day => day.format("%Y-%m-%d").to_string(),
        Bucket::Week => {
            let w = day.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        Bucket::Month => day.format("%Y-%m").to_string(),
        Bucket::Year => day.format("%Y").to_string(),
    }
}

/// The last day of the bucket `day` falls in.
fn bucket_end(day: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => day,
        Bucket::Week => day + Duration::days(6 - i64::from(day.weekday().num_days_from_monday())),
        Bucket::Month => {
            let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month") - Duration::days(1)
        }
        Bucket::Year => NaiveDate::from_ymd_opt(day.year(), 12, 31).expect("31 December"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ranges_default_to_thirty_days_and_refuse_nonsense() {
        let today = d(2026, 3, 9);
        let r = DayRange::parse(None, None, today).unwrap();
        assert_eq!((r.from, r.to, r.days()), (d(2026, 2, 8), today, 30));
        assert_eq!(DayRange::parse(Some("2026-03-01"), Some("2026-03-01"), today).unwrap().days(), 1);
        let e = DayRange::parse(Some("2026-03-10"), Some("2026-03-09"), today).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("from", "invalid_range"));
        let e = DayRange::parse(Some("9 March"), None, today).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("from", "invalid_date"));
        let e = DayRange::parse(Some("2026-02-30"), None, today).unwrap_err();
        assert_eq!(e.code, "invalid_date");
        let e = DayRange::parse(Some("2000-01-01"), Some("2026-01-01"), today).unwrap_err();
        assert_eq!(e.code, "range_too_long");
        assert!(Bucket::parse("fortnight").is_err());
    }

    #[test]
    fn buckets_cover_the_range_clipped_at_both_ends() {
        let r = DayRange::parse(Some("2025-12-30"), Some("2026-03-03"), d(2026, 3, 9)).unwrap();
        let months = r.buckets(Bucket::Month);
        let labels: Vec<&str> = months.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(labels, vec!["2025-12", "2026-01", "2026-02", "2026-03"]);
        assert_eq!((months[0].1, months[0].2), (d(2025, 12, 30), d(2025, 12, 31)));
        assert_eq!((months[2].1, months[2].2), (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!((months[3].1, months[3].2), (d(2026, 3, 1), d(2026, 3, 3)));
        // ISO weeks: 2025-12-30 (a Tuesday) is in week 1 of 2026.
        let weeks = r.buckets(Bucket::Week);
        assert_eq!(weeks[0], ("2026-W01".to_owned(), d(2025, 12, 30), d(2026, 1, 4)));
        assert_eq!(weeks[1].0, "2026-W02");
        assert_eq!(weeks.last().unwrap().2, d(2026, 3, 3));
        let days = r.buckets(Bucket::Day);
        assert_eq!(days.len() as i64, r.days());
        assert!(days.windows(2).all(|w| w[1].1 == w[0].2 + Duration::days(1)), "no gaps, no overlaps");
        let years = r.buckets(Bucket::Year);
        assert_eq!(years.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(), vec!["2025", "2026"]);
        // A leap year's February.
        let leap = DayRange::parse(Some("2028-02-01"), Some("2028-03-01"), d(2028, 3, 9)).unwrap();
        assert_eq!(leap.buckets(Bucket::Month)[0].2, d(2028, 2, 29));
    }
}
