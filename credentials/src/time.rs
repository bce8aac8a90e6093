//! Date-times as VC Data Model 2.0 writes them (`xsd:dateTimeStamp`, RFC 3339 with a zone).

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-11-26T05:03:04Z`: second precision, UTC.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Seconds since the epoch (a JWT's `iat`, `nbf`, `exp`) as [`format`] writes a time; `None`
/// out of range.
pub fn format_epoch(secs: i64) -> Option<String> {
    DateTime::from_timestamp(secs, 0).map(format)
}

/// Parses an RFC 3339 date-time with a time zone, as `validFrom`/`validUntil` require.
pub fn parse(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 date-time with a time zone: {e}"))
}

/// A duration in seconds as people say it: "45 s", "12 min", "3 h 5 min", "2 days 4 h".
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, 0, _) => "1 day".into(),
        (d, 0, _) => format!("{d} days"),
        (1, h, _) => format!("1 day {h} h"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_people_say_them() {
        use super::human_duration as h;
        assert_eq!(h(45), "45 s");
        assert_eq!(h(12 * 60 + 5), "12 min");
        assert_eq!(h(3 * 3600), "3 h");
        assert_eq!(h(3 * 3600 + 5 * 60), "3 h 5 min");
        assert_eq!(h(86_400 + 4 * 3600), "1 day 4 h");
        assert_eq!(h(3 * 86_400), "3 days");
        assert_eq!(h(-5), "0 s");
    }
}
