//! Dates: Graph's zone-less `innerError.date` read as UTC, and epoch milliseconds as ISO-8601 UTC.
//! HTTP dates are parsed by the platform (`Date.parse`) and arrive here as epoch milliseconds.

use crate::text::padded;

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (years 0-9999; otherwise `None`).
///
/// ```
/// assert_eq!(graph_sync_job::time::iso_from_epoch_ms(0.0).unwrap(), "1970-01-01T00:00:00.000Z");
/// ```
pub fn iso_from_epoch_ms(ms: f64) -> Option<String> {
    if !ms.is_finite() {
        return None;
    }
    let ms = ms.floor() as i64;
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    let (h, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (mi, rem) = (rem / 60_000, rem % 60_000);
    let (s, milli) = (rem / 1000, rem % 1000);
    let p = |n: i64, w| padded(n as u64, w);
    Some(
        [
            p(y, 4),
            "-".into(),
            p(m, 2),
            "-".into(),
            p(d, 2),
            "T".into(),
            p(h, 2),
            ":".into(),
            p(mi, 2),
            ":".into(),
            p(s, 2),
            ".".into(),
            p(milli, 3),
            "Z".into(),
        ]
        .concat(),
    )
}

fn num(s: &str) -> Option<i64> {
    let s = s.as_bytes();
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n = 0;
    for &b in s {
        n = n * 10 + i64::from(b - b'0');
    }
    Some(n)
}

/// An ISO-8601 date-time with a zone: one without is read as UTC, as Graph means it (the
/// platform's `Date.parse` would read it as local time).
///
/// ```
/// use graph_sync_job::time::as_utc;
/// assert_eq!(as_utc("2025-02-13T10:17:05"), "2025-02-13T10:17:05Z");
/// assert_eq!(as_utc("2025-02-13T10:17:05+02:00"), "2025-02-13T10:17:05+02:00");
/// assert_eq!(as_utc("Thu, 01 Jan 2026 00:00:00 GMT"), "Thu, 01 Jan 2026 00:00:00 GMT");
/// ```
pub fn as_utc(value: &str) -> std::borrow::Cow<'_, str> {
    let v = value.trim_ascii();
    let clock = match crate::text::split_once(v, b'T') {
        Some((date, clock)) if date.len() == 10 && date.as_bytes()[4] == b'-' => clock,
        _ => return v.into(),
    };
    if clock.ends_with("Z") || clock.ends_with("z") || crate::text::has_any(clock, b"+-") {
        v.into()
    } else {
        [v, "Z"].concat().into()
    }
}

/// Parses an ISO-8601 date-time (`YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm]`) to epoch milliseconds.
/// A value without a zone is read as UTC, as Graph means it.
///
/// ```
/// use graph_sync_job::time::parse_iso_ms;
/// assert_eq!(parse_iso_ms("2025-02-13T10:17:05"), parse_iso_ms("2025-02-13T12:17:05+02:00"));
/// ```
pub fn parse_iso_ms(value: &str) -> Option<f64> {
    let v = value.trim_ascii();
    let (date, time) = v.split_once(['T', 't', ' '])?;
    let mut dp = date.split('-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some()
        || !(0..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    // Split off the zone designator.
    let (clock, offset_min) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(pos) = time.rfind(['+', '-']) {
        let (c, z) = time.split_at(pos);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let z = &z[1..];
        let (zh, zm) = z.split_once(':').unwrap_or((z.get(..2)?, z.get(2..)?));
        let (zh, zm) = (num(zh)?, num(zm)?);
        if zh > 23 || zm > 59 {
            return None;
        }
        (c, sign * (zh * 60 + zm))
    } else {
        (time, 0)
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut tp = hms.split(':');
    let (h, mi) = (num(tp.next()?)?, num(tp.next()?)?);
    let s = match tp.next() {
        Some(s) => num(s)?,
        None => 0,
    };
    if tp.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let milli = if frac.is_empty() {
        0
    } else {
        let digits = crate::text::prefix(frac, 3);
        num(digits)? * 10_i64.pow(3 - digits.len() as u32)
    };
    let days = days_from_civil(y, mo, d);
    let ms = ((days * 24 + h) * 60 + mi - offset_min) * 60_000 + s * 1000 + milli;
    Some(ms as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_date_without_zone_is_utc() {
        let ms = parse_iso_ms("2025-02-13T10:17:05").unwrap();
        assert_eq!(iso_from_epoch_ms(ms).unwrap(), "2025-02-13T10:17:05.000Z");
        assert_eq!(parse_iso_ms("2025-02-13T10:17:05Z"), Some(ms));
        assert_eq!(parse_iso_ms("2025-02-13T12:17:05+02:00"), Some(ms));
        assert_eq!(parse_iso_ms("2025-02-13T09:47:05-0030"), Some(ms));
        assert_eq!(parse_iso_ms("2025-02-13T10:17:05.5"), Some(ms + 500.0));
    }

    #[test]
    fn epoch_round_trips() {
        assert_eq!(iso_from_epoch_ms(0.0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_from_epoch_ms(951_782_400_000.0).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(iso_from_epoch_ms(f64::NAN), None);
        assert_eq!(iso_from_epoch_ms(1e300), None);
        for ms in [
            0.0,
            1.0,
            86_399_999.0,
            1_739_441_825_000.0,
            4_102_444_800_000.0,
        ] {
            assert_eq!(parse_iso_ms(&iso_from_epoch_ms(ms).unwrap()), Some(ms));
        }
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        for s in [
            "",
            "T",
            "2025-13-01T00:00:00",
            "2025-02-13",
            "x-y-zTa:b:c",
            "2025-02-13T10:17:05+",
            "2025-02-13T25:00:00",
            "2025-02-13T10:17:05.abc",
            "9999999999999999999-01-01T00:00:00",
            "2025-02-13T10:17:05+é",
        ] {
            assert_eq!(parse_iso_ms(s), None, "{s}");
        }
    }
}
