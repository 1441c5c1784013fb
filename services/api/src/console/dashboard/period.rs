//! The period a dashboard shows: local (Beijing) days, by default this month so far, with the
//! period before it to compare with and the bucket of its trend.

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Asia::Shanghai;

/// The longest period the page accepts (the core accepts ten years; a trend of more than two
/// years by month stays readable).
const MAX_DAYS: i64 = 731;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn last_of_previous_month(d: NaiveDate) -> NaiveDate {
    first_of_month(d) - Duration::days(1)
}

/// Today as the city reads it, by the core's clock (tests move it).
pub fn today(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    now.with_timezone(&Shanghai).date_naive()
}

impl Period {
    /// `from`/`to` as typed (`YYYY-MM-DD`); a missing end defaults to this month so far. The
    /// error is a label key, shown beside the period form.
    pub fn read(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Period, &'static str> {
        let day = |v: Option<&str>| -> Result<Option<NaiveDate>, &'static str> {
            match v.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| "dash.bad_date"),
            }
        };
        let to = day(to)?.unwrap_or(today);
        let from = day(from)?.unwrap_or_else(|| first_of_month(to));
        if from > to {
            return Err("dash.from_after_to");
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err("dash.too_long");
        }
        Ok(Period { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// What this period is compared with: a month so far (or a whole month) with the same days
    /// of the month before; any other period with as many days just before it.
    pub fn previous(&self) -> Period {
        if self.from.day() == 1 && first_of_month(self.to) == self.from {
            let to_prev = last_of_previous_month(self.from);
            let from = first_of_month(to_prev);
            let to = from.with_day(self.to.day()).unwrap_or(to_prev).min(to_prev);
            return Period { from, to };
        }
        let to = self.from - Duration::days(1);
        Period { from: to - Duration::days(self.days() - 1), to }
    }

    /// The trend's bucket: days up to a month, weeks up to half a year, months beyond.
    pub fn bucket(&self) -> &'static str {
        match self.days() {
            ..=31 => "day",
            32..=183 => "week",
            _ => "month",
        }
    }

    pub fn first_day(&self) -> String {
        self.from.to_string()
    }

    pub fn last_day(&self) -> String {
        self.to.to_string()
    }

    /// The quick choices: (id, label key, period).
    pub fn quick(today: NaiveDate) -> [(&'static str, &'static str, Period); 4] {
        let last_month_end = last_of_previous_month(today);
        [
            ("today", "dash.today", Period { from: today, to: today }),
            ("7d", "dash.last7", Period { from: today - Duration::days(6), to: today }),
            ("month", "dash.this_month", Period { from: first_of_month(today), to: today }),
            ("last_month", "dash.last_month", Period { from: first_of_month(last_month_end), to: last_month_end }),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_is_this_month_so_far_compared_with_the_same_days_before() {
        let p = Period::read(None, None, d(2026, 3, 10)).unwrap();
        assert_eq!((p.from, p.to), (d(2026, 3, 1), d(2026, 3, 10)));
        assert_eq!(p.previous(), Period { from: d(2026, 2, 1), to: d(2026, 2, 10) });
        // The 31st compares with the end of a shorter month.
        let p = Period::read(Some("2026-03-01"), Some("2026-03-31"), d(2026, 4, 2)).unwrap();
        assert_eq!(p.previous(), Period { from: d(2026, 2, 1), to: d(2026, 2, 28) });
        let p = Period::read(Some("2026-03-05"), Some("2026-03-11"), d(2026, 4, 2)).unwrap();
        assert_eq!(p.previous(), Period { from: d(2026, 2, 26), to: d(2026, 3, 4) });
    }

    #[test]
    fn wrong_periods_are_named_and_buckets_follow_the_length() {
        let today = d(2026, 3, 10);
        assert_eq!(Period::read(Some("10/03/2026"), None, today), Err("dash.bad_date"));
        assert_eq!(Period::read(Some("2026-03-11"), Some("2026-03-10"), today), Err("dash.from_after_to"));
        assert_eq!(Period::read(Some("2020-01-01"), None, today), Err("dash.too_long"));
        assert_eq!(Period::read(Some("2026-03-01"), None, today).unwrap().bucket(), "day");
        assert_eq!(Period::read(Some("2026-01-01"), None, today).unwrap().bucket(), "week");
        assert_eq!(Period::read(Some("2025-01-01"), None, today).unwrap().bucket(), "month");
        let quick = Period::quick(d(2026, 1, 15));
        assert_eq!(quick[3].2, Period { from: d(2025, 12, 1), to: d(2025, 12, 31) });
    }
}
