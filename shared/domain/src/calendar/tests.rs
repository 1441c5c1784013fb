use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;

fn sh(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

#[test]
fn the_2026_calendar_knows_its_holidays_and_make_up_days() {
    let cal = WorkingCalendar::cn_2026();
    for (m, d) in [(1, 1), (1, 2), (1, 3), (2, 15), (2, 17), (2, 23), (4, 6), (5, 5), (6, 19), (9, 25), (10, 1), (10, 7)] {
        assert!(!cal.is_working_day(date(m, d)), "{m}-{d} is a holiday");
    }
    for (m, d) in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)] {
        assert!(cal.is_working_day(date(m, d)), "{m}-{d} is a make-up working day");
        assert_eq!(cal.hours(date(m, d)), office_hours().as_slice());
    }
    // Ordinary days either side.
    assert!(cal.is_working_day(date(2, 24)) && cal.is_working_day(date(10, 8)));
    assert!(!cal.is_working_day(date(3, 7)) && !cal.is_working_day(date(3, 8)), "an ordinary weekend");
    assert!(cal.is_working_day(date(3, 9)));
    // 2026: 261 weekdays − 19 holidays that fall on weekdays (2 + 6 + 1 + 3 + 1 + 1 + 5)
    // + 6 make-up days = 248 working days.
    let working = (0..365).filter(|i| cal.is_working_day(date(1, 1) + Duration::days(*i))).count();
    assert_eq!(working, 261 - 19 + 6);
}

#[test]
fn working_time_skips_nights_lunch_and_weekends() {
    let cal = WorkingCalendar::cn_2026();
    // Lunch: 11:30 + 1 h = 30 min before lunch, 30 min after.
    assert_eq!(cal.add_working(sh(2026, 3, 9, 11, 30), Duration::hours(1)), sh(2026, 3, 9, 14, 0));
    // Friday 16:30 + 2 h = 1 h on Friday, 1 h on Monday.
    assert_eq!(cal.add_working(sh(2026, 3, 13, 16, 30), Duration::hours(2)), sh(2026, 3, 16, 9, 30));
    // Exactly at the end of the day stays there (no jump to tomorrow).
    assert_eq!(cal.add_working(sh(2026, 3, 9, 16, 30), Duration::hours(1)), sh(2026, 3, 9, 17, 30));
}

#[test]
fn contacts_out_of_hours_start_their_clock_at_the_next_staffed_moment() {
    let cal = WorkingCalendar::cn_2026();
    // Saturday night → Monday 08:30; during lunch → 13:30; a holiday → the next working day.
    assert_eq!(cal.next_staffed(sh(2026, 3, 7, 22, 0)), sh(2026, 3, 9, 8, 30));
    assert_eq!(cal.next_staffed(sh(2026, 3, 9, 12, 15)), sh(2026, 3, 9, 13, 30));
    assert_eq!(cal.next_staffed(sh(2026, 10, 1, 9, 0)), sh(2026, 10, 8, 8, 30));
    assert_eq!(cal.add_working(sh(2026, 3, 7, 22, 0), Duration::zero()), sh(2026, 3, 9, 8, 30));
    // Inside staffed hours the clock starts at once.
    assert_eq!(cal.next_staffed(sh(2026, 3, 9, 9, 0)), sh(2026, 3, 9, 9, 0));
}

#[test]
fn the_spring_festival_and_its_make_up_saturday() {
    let cal = WorkingCalendar::cn_2026();
    // Friday 13 Feb 17:00 + 3 working days (22.5 h): 0.5 h Friday, 7.5 h on the make-up
    // Saturday 14 Feb, nothing 15–23 Feb, 7.5 h on Tuesday 24, 7 h on Wednesday 25 → 17:00.
    assert_eq!(cal.add_working_days(sh(2026, 2, 13, 17, 0), 3), sh(2026, 2, 25, 17, 0));
    // National Day: received 30 Sept 16:00, 1 working day → 1.5 h that day, 6 h on 8 Oct.
    assert_eq!(cal.add_working_days(sh(2026, 9, 30, 16, 0), 1), sh(2026, 10, 8, 16, 0));
    // Make-up Sunday 4 Jan after New Year: received 1 Jan, 1 working day → Sunday 4 Jan 17:30.
    assert_eq!(cal.add_working_days(sh(2026, 1, 1, 10, 0), 1), sh(2026, 1, 4, 17, 30));
}

#[test]
fn working_days_keep_the_time_of_day() {
    let cal = WorkingCalendar::cn_2026();
    assert_eq!(cal.add_working_days(sh(2026, 3, 9, 10, 0), 3), sh(2026, 3, 12, 10, 0));
    assert_eq!(cal.add_working_days(sh(2026, 3, 9, 10, 0), 15), sh(2026, 3, 30, 10, 0), "three weeks");
    assert_eq!(cal.day_length(), Duration::minutes(450));
}

#[test]
fn working_time_between_is_the_inverse_of_adding_it() {
    let cal = WorkingCalendar::cn_2026();
    let mut seed: u64 = 2026;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..500 {
        let start = sh(2026, 1, 1, 0, 0) + Duration::minutes((next() % (360 * 24 * 60)) as i64);
        let amount = Duration::minutes((next() % (20 * 450)) as i64 + 1);
        let end = cal.add_working(start, amount);
        assert_eq!(cal.working_between(start, end), amount, "from {start} by {amount}");
        assert!(end > start);
        // The deadline always falls inside staffed time (or at the end of an interval).
        let local = end.with_timezone(&cal.tz);
        let hours = cal.hours(local.date_naive());
        assert!(hours.iter().any(|(a, b)| *a < local.time() && local.time() <= *b), "{local} is staffed");
    }
}

#[test]
fn times_are_utc_and_zones_are_the_tenants() {
    let cal = WorkingCalendar::cn_2026();
    // 00:30 UTC on Monday 9 March is 08:30 in Shanghai: the first staffed minute.
    let utc = Utc.with_ymd_and_hms(2026, 3, 9, 0, 30, 0).unwrap();
    assert_eq!(cal.next_staffed(utc), utc);
    assert_eq!(cal.add_working(utc, Duration::minutes(30)), Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap());
    // A calendar in a zone with daylight saving: Berlin switches on Sunday 29 March 2026.
    let berlin = WorkingCalendar::named("weekdays", chrono_tz::Europe::Berlin).unwrap();
    let fri = chrono_tz::Europe::Berlin.with_ymd_and_hms(2026, 3, 27, 17, 0, 0).unwrap().with_timezone(&Utc);
    let due = berlin.add_working(fri, Duration::hours(1));
    assert_eq!(due, chrono_tz::Europe::Berlin.with_ymd_and_hms(2026, 3, 30, 8, 30, 0).unwrap().with_timezone(&Utc) + Duration::minutes(30));
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap(), "UTC+2 after the switch");
}

#[test]
fn custom_days_and_unknown_calendars() {
    let extra = date(3, 10);
    let cal = WorkingCalendar::weekdays(chrono_tz::Asia::Shanghai, office_hours()).with_holiday(extra).with_make_up_day(date(3, 14));
    assert!(!cal.is_working_day(extra));
    assert!(cal.is_working_day(date(3, 14)), "a make-up Saturday");
    assert_eq!(WorkingCalendar::named("mars-2026", chrono_tz::UTC).unwrap_err().code, "unknown_calendar");
    assert!(cal.working_between(sh(2026, 3, 9, 10, 0), sh(2026, 3, 9, 9, 0)).is_zero());
}
