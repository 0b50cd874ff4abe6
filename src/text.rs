//! Building messages without `format!`: the formatting machinery is several kilobytes of wasm
//! that every browser would download, and these few helpers are all the messages need. They scan
//! by bytes in plain index loops: core's char searchers, `memchr` and UTF-8 encoding cost more
//! wasm, and at `opt-level = "z"` iterator adaptors (`str::bytes`, `enumerate`) stay calls.

/// Decimal digits of `n`.
///
/// ```
/// assert_eq!(graph_sync_job::text::decimal(429), "429");
/// ```
pub fn decimal(n: u64) -> String {
    padded(n, 1)
}

/// Decimal digits of `n`, zero-padded to at least `width`.
pub fn padded(n: u64, width: usize) -> String {
    // The place value of the first digit, then each digit from there down.
    let (mut place, mut digits) = (1u64, 1);
    while place <= n / 10 || digits < width {
        place *= 10;
        digits += 1;
    }
    let mut out = String::new();
    loop {
        out.push_str(HEX[(n / place % 10) as usize]);
        if place == 1 {
            return out;
        }
        place /= 10;
    }
}

/// The first `n` characters of `s` (all of it when shorter), as a slice: no character is copied
/// one by one (which would bring UTF-8 encoding code into the wasm).
///
/// ```
/// assert_eq!(graph_sync_job::text::prefix("héllo", 2), "hé");
/// assert_eq!(graph_sync_job::text::prefix("hi", 5), "hi");
/// ```
pub fn prefix(s: &str, n: usize) -> &str {
    let (b, mut chars, mut i) = (s.as_bytes(), 0, 0);
    while i < b.len() {
        // A character starts at every byte that is not a UTF-8 continuation byte.
        if b[i] & 0xC0 != 0x80 {
            if chars == n {
                return s.get(..i).unwrap_or(s);
            }
            chars += 1;
        }
        i += 1;
    }
    s
}

/// Where `needle` first occurs in `hay`: a plain scan, which keeps core's two-way searcher (over
/// 1 KB) out of the wasm; the texts searched are short (messages are clipped, headers small).
///
/// ```
/// assert_eq!(graph_sync_job::text::find("a <title>", "<title"), Some(2));
/// ```
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let mut i = 0;
    while i + n.len() <= h.len() {
        if &h[i..i + n.len()] == n {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether `needle` occurs in `hay` ([`find`]).
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// Where the first byte of `hay` that is one of the ASCII bytes in `set` is (an ASCII byte is
/// never inside a character). Byte scans like this keep core's char-pattern searchers out of the
/// wasm.
///
/// ```
/// assert_eq!(graph_sync_job::text::find_any("a?b#c", b"#?"), Some(1));
/// ```
pub fn find_any(hay: &str, set: &[u8]) -> Option<usize> {
    let h = hay.as_bytes();
    let mut i = 0;
    while i < h.len() {
        let mut j = 0;
        while j < set.len() {
            if h[i] == set[j] {
                return Some(i);
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// Whether `hay` holds any of the ASCII bytes in `set` ([`find_any`]).
pub fn has_any(hay: &str, set: &[u8]) -> bool {
    find_any(hay, set).is_some()
}

/// `hay` split around the first `sep` (an ASCII byte), like `str::split_once`.
///
/// ```
/// assert_eq!(graph_sync_job::text::split_once("1.5.0", b'.'), Some(("1", "5.0")));
/// ```
pub fn split_once(hay: &str, sep: u8) -> Option<(&str, &str)> {
    let i = find_any(hay, &[sep])?;
    Some((hay.get(..i)?, hay.get(i + 1..)?))
}

/// `hay` up to the first `sep` (an ASCII byte), or all of it.
pub fn before(hay: &str, sep: u8) -> &str {
    split_once(hay, sep).map_or(hay, |(a, _)| a)
}

/// `parts` with `sep` between them (one loop instead of the slice `join`'s generic copy).
///
/// ```
/// assert_eq!(graph_sync_job::text::join(&["Watermark", "Escrows"], ", "), "Watermark, Escrows");
/// ```
pub fn join(parts: &[&str], sep: &str) -> String {
    let (mut out, mut first) = (String::new(), true);
    for p in parts {
        if !first {
            out.push_str(sep);
        }
        first = false;
        out.push_str(p);
    }
    out
}

/// `s` with each run of ASCII whitespace made one space, none at either end (what
/// `split_ascii_whitespace` and a join would give, without their adaptor chain).
///
/// ```
/// assert_eq!(graph_sync_job::text::collapse_ascii_whitespace("\n  Sign in\t to\r\n "), "Sign in to");
/// ```
pub fn collapse_ascii_whitespace(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        if !out.is_empty() {
            out.push_str(" ");
        }
        // ASCII whitespace is never inside a multi-byte character: these are boundaries.
        out.push_str(s.get(start..i).unwrap_or(""));
    }
    out
}

/// The hex digits, as texts to push (pushing a `char` would bring UTF-8 encoding into the wasm).
/// Upper case, as percent-encoding writes them; JSON's `\u00XX` takes either case.
const HEX: [&str; 16] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F",
];

/// Pushes two upper-case hex digits, for `%XX` and `\u00XX` (as two `push_str`: extending by an
/// array of texts brings its own copy loop into the wasm).
pub fn push_hex(out: &mut String, b: u8) {
    out.push_str(HEX[usize::from(b >> 4)]);
    out.push_str(HEX[usize::from(b & 15)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(429), "429");
        assert_eq!(decimal(u64::MAX), u64::MAX.to_string());
        assert_eq!(padded(7, 2), "07");
        assert_eq!(padded(2025, 4), "2025");
        assert_eq!(padded(12345, 3), "12345");
        assert_eq!(padded(0, 3), "000");
        for p in 0..20 {
            let ten = 10u64.pow(p);
            for n in [ten - 1, ten, ten + 1, ten.saturating_mul(9)] {
                assert_eq!(decimal(n), n.to_string());
            }
        }
        let mut hex = String::from("%");
        push_hex(&mut hex, 0xa5);
        push_hex(&mut hex, 0x0f);
        assert_eq!(hex, "%A50F");
        assert_eq!(prefix("héllo", 2), "hé");
        assert_eq!(prefix("héllo", 0), "");
        assert_eq!(prefix("hé", 9), "hé");
    }

    #[test]
    fn find_agrees_with_core() {
        let hay = "Resource 'é-abc' does not exist <title>x</title>";
        for needle in [
            "",
            "abc",
            "é-abc",
            "</title",
            "exist <",
            "nope",
            "x</title>!",
            hay,
        ] {
            assert_eq!(find(hay, needle), hay.find(needle), "{needle}");
            assert_eq!(contains(hay, needle), hay.contains(needle), "{needle}");
        }
        assert_eq!(find("ab", "abc"), None);
    }
}
