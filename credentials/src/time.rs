//! Date-times as VC Data Model 2.0 writes them (`xsd:dateTimeStamp`, RFC 3339 with a zone).

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-11-26T05:03:04Z`: second precision, UTC.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 date-time with a time zone, as `validFrom`/`validUntil` require.
pub fn parse(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 date-time with a time zone: {e}"))
}
