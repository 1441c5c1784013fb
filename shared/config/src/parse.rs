use std::time::Duration;

/// Parses durations such as `90s`, `15m`, `1h`, `14d` (a plain number is seconds).
pub fn duration(input: &str) -> Result<Duration, String> {
    let input = input.trim();
    let (number, unit) = match input.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => input.split_at(i),
        None => (input, "s"),
    };
    let n: u64 = number.parse().map_err(|_| format!("'{input}' is not a duration such as 500ms, 30s, 15m, 1h or 14d"))?;
    let secs = match unit {
        "ms" if n > 0 => return Ok(Duration::from_millis(n)),
        "ms" => 0,
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("'{input}' has an unknown unit (use ms, s, m, h or d)")),
    };
    if secs == 0 {
        return Err("a duration must be longer than zero".into());
    }
    Ok(Duration::from_secs(secs))
}

pub fn boolean(input: &str) -> Result<bool, String> {
    match input.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(format!("'{other}' is not a boolean (true or false)")),
    }
}

/// A request budget: `COUNT/PERIOD`, e.g. `60/1m` (60 requests a minute) or `600/1h`.
pub fn rate(input: &str) -> Result<crate::RateLimit, String> {
    let bad = || format!("'{input}' is not a budget such as 60/1m or 600/1h (requests / period)");
    let (count, period) = input.trim().split_once('/').ok_or_else(bad)?;
    let count = positive(count).map_err(|_| bad())?;
    let period = duration(period).map_err(|_| bad())?;
    Ok(crate::RateLimit { count, period })
}

pub fn positive(input: &str) -> Result<u32, String> {
    match input.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("'{input}' is not a positive whole number")),
    }
}

pub fn count(input: &str) -> Result<u32, String> {
    input.trim().parse::<u32>().map_err(|_| format!("'{input}' is not a whole number (0 or more)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_zero_but_nothing_else_that_is_not_a_whole_number() {
        assert_eq!(count("0"), Ok(0));
        assert_eq!(count(" 50000 "), Ok(50_000));
        for bad in ["-1", "1.5", "", "many", "99999999999"] {
            assert!(count(bad).unwrap_err().contains("whole number"), "{bad}");
        }
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(duration("14d").unwrap(), Duration::from_secs(14 * 86_400));
        assert_eq!(duration("42").unwrap(), Duration::from_secs(42));
        assert_eq!(duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(duration("0s").is_err());
        assert!(duration("0ms").is_err());
        assert!(duration("5w").is_err());
        assert!(duration("soon").is_err());
    }

    #[test]
    fn booleans_and_numbers() {
        assert!(boolean("TRUE").unwrap());
        assert!(!boolean("off").unwrap());
        assert!(boolean("maybe").is_err());
        assert_eq!(positive("8").unwrap(), 8);
        assert!(positive("0").is_err());
        assert!(positive("-1").is_err());
    }

    #[test]
    fn budgets_are_a_count_per_period() {
        assert_eq!(rate("60/1m").unwrap(), crate::RateLimit { count: 60, period: Duration::from_secs(60) });
        assert_eq!(rate(" 600/1h ").unwrap(), crate::RateLimit { count: 600, period: Duration::from_secs(3600) });
        for bad in ["60", "0/1m", "60/0s", "/1m", "60/soon", "-1/1m"] {
            assert!(rate(bad).is_err(), "{bad}");
        }
    }
}
