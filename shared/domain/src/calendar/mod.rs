//! Working calendars and time limits (DOMAIN.md, "Time limits"): weekly staffed hours, public
//! holidays and make-up working days (调休) per tenant, and the arithmetic of working time.
//! Times are stored in UTC and reasoned about in the tenant's time zone.

mod cn_2026;
pub mod sla;

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::error::ValidationError;

/// Staffed hours of one day: `[start, end)` intervals in local time, in order.
pub type DayHours = Vec<(NaiveTime, NaiveTime)>;

#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    pub tz: Tz,
    /// Monday first.
    week: [DayHours; 7],
    /// Hours of a make-up working day that falls on a weekend.
    make_up_hours: DayHours,
    holidays: BTreeSet<NaiveDate>,
    make_up_days: BTreeSet<NaiveDate>,
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

/// The civil-service day: 08:30–12:00 and 13:30–17:30 (7.5 staffed hours).
pub fn office_hours() -> DayHours {
    vec![(t(8, 30), t(12, 0)), (t(13, 30), t(17, 30))]
}

/// Bounds the walk through calendars: no limit reaches further than this.
const MAX_DAYS: i64 = 3 * 366;

impl WorkingCalendar {
    /// A calendar with `hours` on Monday–Friday and none at weekends.
    pub fn weekdays(tz: Tz, hours: DayHours) -> Self {
        let none = Vec::new();
        let week = [hours.clone(), hours.clone(), hours.clone(), hours.clone(), hours.clone(), none.clone(), none];
        Self { tz, week, make_up_hours: hours, holidays: BTreeSet::new(), make_up_days: BTreeSet::new() }
    }

    /// China's 2026 calendar in Asia/Shanghai with office hours (`cn-2026`).
    pub fn cn_2026() -> Self {
        let mut cal = Self::weekdays(chrono_tz::Asia::Shanghai, office_hours());
        let day = |(m, d): &(u32, u32)| NaiveDate::from_ymd_opt(2026, *m, *d).expect("valid 2026 date");
        cal.holidays = cn_2026::HOLIDAYS.iter().map(day).collect();
        cal.make_up_days = cn_2026::MAKE_UP_WORKDAYS.iter().map(day).collect();
        cal
    }

    /// The calendar a tenant names (`calendar` of the tenant), in its time zone.
    pub fn named(name: &str, tz: Tz) -> Result<Self, ValidationError> {
        let mut cal = match name {
            "cn-2026" => Self::cn_2026(),
            "weekdays" => Self::weekdays(tz, office_hours()),
            _ => {
                return Err(ValidationError::new(
                    "calendar",
                    "unknown_calendar",
                    format!("no calendar named '{name}' (cn-2026, weekdays)"),
                ));
            }
        };
        cal.tz = tz;
        Ok(cal)
    }

    pub fn with_holiday(mut self, d: NaiveDate) -> Self {
        self.holidays.insert(d);
        self
    }

    pub fn with_make_up_day(mut self, d: NaiveDate) -> Self {
        self.make_up_days.insert(d);
        self
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !self.hours(d).is_empty()
    }

    /// Staffed hours of a local date: none on holidays, the make-up hours on make-up days.
    pub fn hours(&self, d: NaiveDate) -> &[(NaiveTime, NaiveTime)] {
        if self.holidays.contains(&d) {
            return &[];
        }
        if self.make_up_days.contains(&d) {
            let weekday = &self.week[d.weekday().num_days_from_monday() as usize];
            return if weekday.is_empty() { &self.make_up_hours } else { weekday };
        }
        &self.week[d.weekday().num_days_from_monday() as usize]
    }

    /// Length of a standard working day (Monday's hours), the unit of "working days".
    pub fn day_length(&self) -> Duration {
        let d = self.week[Weekday::Mon.num_days_from_monday() as usize].iter().map(|(a, b)| *b - *a).fold(Duration::zero(), |x, y| x + y);
        if d.is_zero() { Duration::hours(8) } else { d }
    }

    fn at(&self, d: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        // Asia/Shanghai has no DST; for zones that do, take the earliest valid instant.
        self.tz
            .from_local_datetime(&d.and_time(time))
            .earliest()
            .map(|x| x.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_time(time)))
    }

    /// The staffed intervals from `from` on, as UTC `[start, end)` pairs, day by day.
    fn intervals_from(&self, from: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first = from.with_timezone(&self.tz).date_naive();
        (0..MAX_DAYS)
            .flat_map(move |i| {
                let d = first + Duration::days(i);
                self.hours(d).iter().map(move |(a, b)| (self.at(d, *a), self.at(d, *b))).collect::<Vec<_>>()
            })
            .filter_map(move |(a, b)| (b > from).then_some((a.max(from), b)))
    }

    /// The first staffed moment at or after `t` (cases received out of hours start here).
    pub fn next_staffed(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.intervals_from(t).next().map(|(a, _)| a).unwrap_or(t)
    }

    /// `start` plus `amount` of staffed time.
    pub fn add_working(&self, start: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        let mut left = amount;
        let mut last = start;
        for (a, b) in self.intervals_from(start) {
            let span = b - a;
            if left <= span {
                return a + left;
            }
            left -= span;
            last = b;
        }
        last + left
    }

    /// `start` plus `n` working days of staffed time (n × the standard day's length): a case
    /// received on Monday 10:00 with "3 working days" is due Thursday 10:00.
    pub fn add_working_days(&self, start: DateTime<Utc>, n: i64) -> DateTime<Utc> {
        self.add_working(start, self.day_length() * n as i32)
    }

    /// Staffed time between two instants (for "80 % of the limit has passed").
    pub fn working_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        for (a, b) in self.intervals_from(from) {
            if a >= to {
                break;
            }
            total += b.min(to) - a;
        }
        total
    }
}

#[cfg(test)]
mod tests;
