//! The `Retry-After` header: integer seconds, fractional seconds (`2.128`) or an HTTP date.

/// Longest wait we believe a server means (one day); anything longer is treated as this.
pub const MAX_RETRY_AFTER_MS: f64 = 86_400_000.0;

/// Milliseconds to wait, or `None` if the value is not a valid Retry-After.
///
/// ```
/// use graph_sync_job::retry_after::parse;
/// let no_dates = |_: &str| None;
/// assert_eq!(parse("2.128", 0.0, &no_dates), Some(2128.0));
/// let date = |_: &str| Some(10_000.0); // what Date.parse would give
/// assert_eq!(parse("Thu, 01 Jan 1970 00:00:10 GMT", 4_000.0, &date), Some(6_000.0));
/// ```
/// `reference_ms` is the response's `Date` (else the local clock) for the HTTP-date form;
/// `parse_http_date` is the platform's `Date.parse`.
pub fn parse(
    value: &str,
    reference_ms: f64,
    parse_http_date: &impl Fn(&str) -> Option<f64>,
) -> Option<f64> {
    let v = value.trim_ascii();
    if v.is_empty() {
        return None;
    }
    let bytes = v.as_bytes();
    let numeric = bytes.iter().all(|&b| b.is_ascii_digit() || b == b'.');
    if numeric {
        let dots = bytes.iter().filter(|&&b| b == b'.').count();
        if v.starts_with(".") || v.ends_with(".") || dots > 1 {
            return None;
        }
        return Some(decimal_seconds_ms(v));
    }
    // A date needs letters (a weekday or month name); this also keeps Date.parse away from "-5" etc.
    if !bytes.iter().any(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let at = parse_http_date(v).filter(|t| t.is_finite() && reference_ms.is_finite())?;
    Some((at - reference_ms).clamp(0.0, MAX_RETRY_AFTER_MS).ceil())
}

/// `digits[.digits]` seconds (shape checked by the caller) as whole milliseconds, rounded up,
/// in integer arithmetic: no float parser is linked into the wasm, and 2.128 s is exactly 2128 ms.
fn decimal_seconds_ms(v: &str) -> f64 {
    let (int, frac) = crate::text::split_once(v, b'.').unwrap_or((v, ""));
    let int = int.as_bytes();
    let zeros = int.iter().position(|&b| b != b'0').unwrap_or(int.len());
    if int.len() - zeros > 9 {
        return MAX_RETRY_AFTER_MS;
    }
    let mut secs = 0u64;
    for &b in int {
        secs = secs * 10 + u64::from(b - b'0');
    }
    let mut micros = 0u64;
    for i in 0..6 {
        micros = micros * 10 + frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
    }
    let rest = frac.as_bytes().get(6..).unwrap_or_default();
    let rest_nonzero = rest.iter().any(|&b| b != b'0');
    let ms = secs * 1000 + (micros + u64::from(rest_nonzero)).div_ceil(1000);
    (ms as f64).min(MAX_RETRY_AFTER_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<f64> {
        (s == "Wed, 21 Oct 2015 07:28:00 GMT").then_some(1_445_412_480_000.0)
    }

    #[test]
    fn seconds_in_all_forms() {
        assert_eq!(parse("2", 0.0, &date), Some(2000.0));
        assert_eq!(parse(" 0 ", 0.0, &date), Some(0.0));
        assert_eq!(parse("2.128", 0.0, &date), Some(2128.0));
        assert_eq!(parse("0.0001", 0.0, &date), Some(1.0));
        assert_eq!(parse("0.0000001", 0.0, &date), Some(1.0));
        assert_eq!(parse("1.000000", 0.0, &date), Some(1000.0));
        assert_eq!(parse("0.25", 0.0, &date), Some(250.0));
        assert_eq!(parse("000000000000002", 0.0, &date), Some(2000.0));
        assert_eq!(parse("99999999999", 0.0, &date), Some(MAX_RETRY_AFTER_MS));
    }

    #[test]
    fn http_dates_relative_to_the_reference() {
        let t = 1_445_412_480_000.0;
        assert_eq!(
            parse("Wed, 21 Oct 2015 07:28:00 GMT", t - 5000.0, &date),
            Some(5000.0)
        );
        assert_eq!(
            parse("Wed, 21 Oct 2015 07:28:00 GMT", t + 5000.0, &date),
            Some(0.0)
        );
    }

    #[test]
    fn garbage_is_not_a_retry_after() {
        for v in [
            "", "-1", "1e3", "soon", ".5", "5.", "1.2.3", "NaN", "Infinity", "0x10", "+3",
        ] {
            assert_eq!(parse(v, 0.0, &date), None, "{v}");
        }
    }
}
