//! Wall-clock helpers: Graph's timestamp formats, computed without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds and milliseconds since the Unix epoch, now.
pub fn now() -> (u64, f64) {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (elapsed.as_secs(), elapsed.as_secs_f64() * 1000.0)
}

/// Milliseconds since the Unix epoch, now: the time unit of job cycles.
pub fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

/// `2025-02-13T10:17:05.1230000Z`: .NET's round-trip form with seven fraction digits, as Graph
/// prints job times; the emulator keeps milliseconds, so the last four digits are zero.
pub fn iso_utc_ms(unix_ms: u64) -> String {
    let mut text = inner_error_date(unix_ms / 1000);
    text.push_str(&format!(".{:03}0000Z", unix_ms % 1000));
    text
}

/// `2025-02-13T10:17:05Z`: the whole-second form.
pub fn iso_utc(unix_secs: u64) -> String {
    let mut text = inner_error_date(unix_secs);
    text.push('Z');
    text
}

/// `2025-02-13T10:17:05`: the zone-less UTC form of `innerError.date`.
pub fn inner_error_date(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(inner_error_date(0), "1970-01-01T00:00:00");
        assert_eq!(iso_utc(1_739_441_825), "2025-02-13T10:17:05Z");
        // Leap day and end of a leap year.
        assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(
            iso_utc_ms(1_739_441_825_042),
            "2025-02-13T10:17:05.0420000Z"
        );
        assert_eq!(iso_utc_ms(999), "1970-01-01T00:00:00.9990000Z");
    }
}
