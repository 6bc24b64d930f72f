//! RFC 3339 timestamps as Hubble prints them (UTC, `Z`, 0–9 fractional
//! digits; offsets accepted too). Parsed to nanoseconds because strings with
//! different fraction lengths do not sort as text.

use super::Time;

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
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

/// Digits only (no sign), None on overflow: what `str::parse` accepts of them.
fn num(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0i64, |n, b| {
        let d = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(i64::from(d))
    })
}

/// `2026-11-30T10:00:02.123456789Z` to nanoseconds; None if malformed.
pub fn parse(s: &str) -> Option<Time> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(s.get(0..4)?)?, num(s.get(5..7)?)?, num(s.get(8..10)?)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, se) = (
        num(s.get(11..13)?)?,
        num(s.get(14..16)?)?,
        num(s.get(17..19)?)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut nanos = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = num(&frac[..n])? * 10i64.pow(9 - n as u32);
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = rest.get(1..)?.split_once(':')?;
            sign * (num(oh)? * 3600 + num(om)? * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Nanoseconds as `2026-11-30T10:00:02Z` (whole seconds, UTC).
pub fn format(t: Time) -> String {
    let secs = t.div_euclid(1_000_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_lengths_sort_by_time_not_text() {
        let a = parse("2024-01-01T10:00:00Z").expect("parses");
        let b = parse("2024-01-01T10:00:00.5Z").expect("parses");
        let c = parse("2021-06-16T16:52:13.136834446Z").expect("parses");
        assert!(a < b);
        assert_eq!(b - a, 500_000_000);
        assert_eq!(format(c), "2021-06-16T16:52:13Z");
        assert_eq!(format(a), "2024-01-01T10:00:00Z");
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse("2024-01-01T12:00:00+02:00"),
            parse("2024-01-01T10:00:00Z")
        );
    }

    #[test]
    fn malformed_times_are_none_not_panics() {
        for s in [
            "",
            "2024",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01T0é:00:00Z",
            "2024-01-01T00:00:00+99999999999999999999:00",
            "2024-01-01T00:00:00+-1:00",
            "2024-01-01T00:00:00++1:00",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
