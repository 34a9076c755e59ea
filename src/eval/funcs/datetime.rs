//! Date and time functions: `timestamp`, `plantimestamp`, `formatdate`, `timeadd`, `timecmp`.
//!
//! Timestamps are parsed as Go 1.16's `time.Parse(time.RFC3339, ...)` parses them (Terraform
//! 1.0.3's toolchain), quirks included, because Terraform's error messages are built from the
//! layout element and the remaining text at which Go gave up. Durations follow Go's
//! `time.ParseDuration`.

use super::numeric::go_quote;
use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
use crate::value::{Type, Value};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn register(t: &mut FuncTable) {
    t.add(Function::new("timestamp", vec![], Type::String, now).impure());
    // The plan's timestamp: unknown while validating, like timestamp(); when known, the moment
    // of evaluation stands in for the moment the plan was made.
    t.add(Function::new("plantimestamp", vec![], Type::String, now).impure());
    t.add(Function::new(
        "formatdate",
        vec![
            Param::new("format", Type::String),
            Param::new("time", Type::String),
        ],
        Type::String,
        formatdate,
    ));
    t.add(Function::new(
        "timeadd",
        vec![
            Param::new("timestamp", Type::String),
            Param::new("duration", Type::String),
        ],
        Type::String,
        timeadd,
    ));
    t.add(Function::new(
        "timecmp",
        vec![
            Param::new("timestamp_a", Type::String),
            Param::new("timestamp_b", Type::String),
        ],
        Type::Number,
        timecmp,
    ));
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// An instant and the UTC offset it was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Time {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    nanos: i128,
    /// Seconds east of UTC.
    offset: i64,
}

/// The calendar fields of a time in its own offset.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: usize,
}

impl Time {
    fn civil(&self) -> Civil {
        let local = self.nanos.div_euclid(NANOS_PER_SECOND) as i64 + self.offset;
        let days = local.div_euclid(86_400);
        let of_day = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as usize,
        }
    }

    /// Go's `Format(time.RFC3339)`: no fractional seconds, `Z` for a zero offset.
    fn rfc3339(&self) -> String {
        let c = self.civil();
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            go_long_year(c.year),
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            zone(self.offset, true, true)
        )
    }
}

/// Go's four-digit year, with a sign and zero padding for years before 0.
fn go_long_year(year: i64) -> String {
    if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    }
}

/// A UTC offset as Go formats `Z07:00` (utc_as_z), `-07:00` (colon) or `-0700`.
fn zone(offset: i64, colon: bool, utc_as_z: bool) -> String {
    if utc_as_z && offset == 0 {
        return "Z".to_string();
    }
    let minutes = offset / 60;
    let sign = if minutes < 0 { '-' } else { '+' };
    let minutes = minutes.abs();
    let separator = if colon { ":" } else { "" };
    format!("{sign}{:02}{separator}{:02}", minutes / 60, minutes % 60)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---- parsing RFC 3339 the way Go's time.Parse does ----

/// A `time.ParseError` reduced to what Terraform looks at.
struct ParseFailure {
    /// The layout element Go was matching ("2006", "-", "T", "Z07:00", ...; "" after the end).
    layout: &'static str,
    /// The rest of the value when Go gave up.
    value: String,
    /// Go's message, only used when both the above are empty.
    message: &'static str,
}

impl ParseFailure {
    fn new(layout: &'static str, rest: &[u8]) -> ParseFailure {
        ParseFailure {
            layout,
            value: String::from_utf8_lossy(rest).into_owned(),
            message: "",
        }
    }

    /// Terraform's rewording of Go's parse errors.
    fn describe(&self) -> String {
        let prefix = "not a valid RFC3339 timestamp";
        if self.layout.is_empty() && self.value.is_empty() {
            return format!("{prefix}{}", self.message);
        }
        let what = match self.layout {
            "2006" => "year",
            "01" => "month",
            "02" => "day of month",
            "15" => "hour",
            "04" => "minute",
            "05" => "second",
            "Z07:00" => "UTC offset",
            "T" => return format!("{prefix}: missing required time introducer 'T'"),
            separator @ (":" | "-") if self.value.is_empty() => {
                return format!(
                    "{prefix}: end of string where {} is expected",
                    go_quote(separator)
                )
            }
            separator @ (":" | "-") => {
                return format!(
                    "{prefix}: found {} where {} is expected",
                    go_quote(&self.value),
                    go_quote(separator)
                )
            }
            _ => "timestamp segment",
        };
        if self.value.is_empty() {
            format!("{prefix}: end of string before {what}")
        } else {
            format!("{prefix}: cannot use {} as {what}", go_quote(&self.value))
        }
    }
}

/// Go's `time.atoi`: an optional sign, then digits (possibly none), nothing else.
fn go_atoi(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`), consumed only on success.
fn getnum(rest: &mut &[u8], fixed: bool) -> Option<i64> {
    let digit = |i: usize| {
        rest.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let first = digit(0)?;
    match digit(1) {
        Some(second) => {
            *rest = &rest[2..];
            Some(first * 10 + second)
        }
        None if fixed => None,
        None => {
            *rest = &rest[1..];
            Some(first)
        }
    }
}

fn skip(rest: &mut &[u8], literal: &'static str) -> Result<(), ParseFailure> {
    match rest.strip_prefix(literal.as_bytes()) {
        Some(after) => {
            *rest = after;
            Ok(())
        }
        None => Err(ParseFailure::new(literal, rest)),
    }
}

/// One two-digit (or, for hours, one-digit) field with its range check. Go reports a value
/// out of range with the text after the field, and a malformed one with the text at it.
fn field(
    rest: &mut &[u8],
    layout: &'static str,
    fixed: bool,
    range: std::ops::Range<i64>,
) -> Result<i64, ParseFailure> {
    let value = getnum(rest, fixed).ok_or_else(|| ParseFailure::new(layout, rest))?;
    if !range.contains(&value) {
        return Err(ParseFailure::new(layout, rest));
    }
    Ok(value)
}

fn parse_timestamp(text: &str) -> Result<Time, String> {
    go_parse_rfc3339(text.as_bytes()).map_err(|f| f.describe())
}

fn go_parse_rfc3339(text: &[u8]) -> Result<Time, ParseFailure> {
    let mut rest = text;
    if rest.len() < 4 || !rest[0].is_ascii_digit() {
        return Err(ParseFailure::new("2006", rest));
    }
    let (digits, after) = rest.split_at(4);
    rest = after;
    let year = go_atoi(digits).ok_or_else(|| ParseFailure::new("2006", rest))?;
    skip(&mut rest, "-")?;
    let month = field(&mut rest, "01", true, 1..13)?;
    skip(&mut rest, "-")?;
    // Go checks the day against the month only once everything else has parsed.
    let day = field(&mut rest, "02", true, 0..100)?;
    skip(&mut rest, "T")?;
    let hour = field(&mut rest, "15", false, 0..24)?;
    skip(&mut rest, ":")?;
    let minute = field(&mut rest, "04", true, 0..60)?;
    skip(&mut rest, ":")?;
    let (second, nanos) = seconds(&mut rest)?;
    let offset = utc_offset(&mut rest)?;
    if !rest.is_empty() {
        return Err(ParseFailure::new("", rest));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(ParseFailure {
            layout: "",
            value: String::new(),
            message: ": day out of range",
        });
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok(Time {
        nanos: i128::from(local - offset) * NANOS_PER_SECOND + i128::from(nanos),
        offset,
    })
}

/// Seconds and an optional `.fraction`. Go lets a fraction stand in for missing seconds
/// (`00:02:.5Z` parses), because parsing the fraction overwrites the earlier error.
fn seconds(rest: &mut &[u8]) -> Result<(i64, i64), ParseFailure> {
    let mut whole = getnum(rest, true);
    if whole.is_some_and(|s| s >= 60) {
        return Err(ParseFailure::new("05", rest));
    }
    let mut nanos = 0;
    if rest.len() >= 2 && rest[0] == b'.' && rest[1].is_ascii_digit() {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let fraction = &rest[1..=digits];
        *rest = &rest[1 + digits..];
        match go_atoi(fraction) {
            // Go rejects more than nine significant digits as out of range.
            Some(v) if v >= NANOS_PER_SECOND as i64 => return Err(ParseFailure::new("05", rest)),
            Some(v) => {
                nanos = v * 10i64.pow(9u32.saturating_sub(digits as u32));
                whole = whole.or(Some(0));
            }
            None => whole = None,
        }
    }
    whole
        .map(|s| (s, nanos))
        .ok_or_else(|| ParseFailure::new("05", rest))
}

/// `Z` or `±hh:mm`; Go 1.16 neither range-checks the hours nor minutes.
fn utc_offset(rest: &mut &[u8]) -> Result<i64, ParseFailure> {
    if let Some(after) = rest.strip_prefix(b"Z") {
        *rest = after;
        return Ok(0);
    }
    if rest.len() < 6 || rest[3] != b':' {
        return Err(ParseFailure::new("Z07:00", rest));
    }
    let (sign, hours, minutes) = (rest[0], &rest[1..3], &rest[4..6]);
    *rest = &rest[6..];
    let (Some(hours), Some(minutes)) = (go_atoi(hours), go_atoi(minutes)) else {
        return Err(ParseFailure::new("Z07:00", rest));
    };
    let offset = (hours * 60 + minutes) * 60;
    match sign {
        b'+' => Ok(offset),
        b'-' => Ok(-offset),
        _ => Err(ParseFailure::new("Z07:00", rest)),
    }
}

// ---- durations ----

/// Go's `time.ParseDuration` (as of Go 1.16: the total must fit a signed 64-bit count of
/// nanoseconds), with its error wording.
fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(text));
    let mut rest = text.as_bytes();
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    if rest == b"0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        if !(rest[0] == b'.' || rest[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let whole = go_atoi(&rest[..int_digits]).ok_or_else(invalid)?;
        rest = &rest[int_digits..];
        let (mut fraction, mut scale) = (0i64, 1f64);
        if let Some(after) = rest.strip_prefix(b".") {
            let fraction_digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
            // Digits beyond what an int64 holds are ignored, as Go's leadingFraction does.
            let mut overflow = false;
            for &c in &after[..fraction_digits] {
                match fraction
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(c - b'0')))
                {
                    Some(v) if !overflow => {
                        fraction = v;
                        scale *= 10.0;
                    }
                    _ => overflow = true,
                }
            }
            rest = &after[fraction_digits..];
            if int_digits == 0 && fraction_digits == 0 {
                return Err(invalid());
            }
        }
        let unit_len = rest
            .iter()
            .take_while(|c| **c != b'.' && !c.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", quote(text)));
        }
        let unit = String::from_utf8_lossy(&rest[..unit_len]).into_owned();
        rest = &rest[unit_len..];
        let nanos_per_unit: i64 = match unit.as_str() {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(&unit),
                    quote(text)
                ))
            }
        };
        let mut value = whole.checked_mul(nanos_per_unit).ok_or_else(invalid)?;
        if fraction > 0 {
            // float64 arithmetic, as Go uses to stay nanosecond-exact for fractions of hours.
            let part = (fraction as f64 * (nanos_per_unit as f64 / scale)) as i64;
            value = value.checked_add(part).ok_or_else(invalid)?;
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
    }
    Ok(if negative { -total } else { total })
}

/// The time package's own quoting: plain double quotes, no escaping (Go 1.16).
fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

// ---- the functions ----

fn arg_str(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn now(_: &FuncContext, _: &[Value]) -> FuncResult {
    let nanos = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    };
    Ok(Value::from(Time { nanos, offset: 0 }.rfc3339()))
}

fn timeadd(_: &FuncContext, args: &[Value]) -> FuncResult {
    let time = parse_timestamp(arg_str(&args[0])).map_err(FuncError::call)?;
    let duration = parse_duration(arg_str(&args[1])).map_err(FuncError::call)?;
    let moved = Time {
        nanos: time.nanos + i128::from(duration),
        ..time
    };
    Ok(Value::from(moved.rfc3339()))
}

fn timecmp(_: &FuncContext, args: &[Value]) -> FuncResult {
    let a = parse_timestamp(arg_str(&args[0])).map_err(|e| FuncError::arg(0, e))?;
    let b = parse_timestamp(arg_str(&args[1])).map_err(|e| FuncError::arg(1, e))?;
    Ok(Value::int(a.nanos.cmp(&b.nanos) as i64))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn formatdate(_: &FuncContext, args: &[Value]) -> FuncResult {
    let time = parse_timestamp(arg_str(&args[1])).map_err(|e| FuncError::arg(1, e))?;
    let c = time.civil();
    let format = arg_str(&args[0]).as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < format.len() {
        let token = date_format_token(&format[i..]);
        i += token.len();
        match token[0] {
            b'\'' => out.push_str(&quoted_literal(token)?),
            c0 if c0.is_ascii_alphabetic() => {
                out.push_str(&date_format_verb(token, &c, time.offset)?)
            }
            _ => out.push_str(&String::from_utf8_lossy(token)),
        }
    }
    Ok(Value::from(out))
}

/// The next token of a date format: a quoted literal (`''` being an escaped quote), a run of
/// one repeated letter, or a run of other characters.
fn date_format_token(rest: &[u8]) -> &[u8] {
    match rest[0] {
        b'\'' if rest.get(1) == Some(&b'\'') => &rest[..2],
        b'\'' => {
            let mut i = 1;
            while i < rest.len() {
                if rest[i] == b'\'' {
                    if rest.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return &rest[..=i];
                }
                i += 1;
            }
            rest
        }
        letter if letter.is_ascii_alphabetic() => {
            let run = rest.iter().take_while(|c| **c == letter).count();
            &rest[..run]
        }
        _ => {
            let run = rest
                .iter()
                .take_while(|c| **c != b'\'' && !c.is_ascii_alphabetic())
                .count();
            &rest[..run]
        }
    }
}

fn quoted_literal(token: &[u8]) -> Result<String, FuncError> {
    if token.len() == 1 || token[token.len() - 1] != b'\'' {
        return Err(FuncError::arg(0, "unterminated literal '"));
    }
    if token.len() == 2 {
        return Ok("'".to_string());
    }
    let raw = &token[1..token.len() - 1];
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        out.push(raw[i]);
        // A doubled quote inside the literal stands for one.
        i += if raw[i] == b'\'' { 2 } else { 1 };
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn date_format_verb(token: &[u8], c: &Civil, offset: i64) -> Result<String, FuncError> {
    let verb = String::from_utf8_lossy(token);
    let bad = |detail: &str| {
        let quoted = go_quote(&verb);
        FuncError::arg(
            0,
            if detail.is_empty() {
                format!("invalid date format verb {quoted}")
            } else {
                format!("invalid date format verb {quoted}: {detail}")
            },
        )
    };
    let two = |v: u32, len: usize, detail: &str| match len {
        1 => Ok(v.to_string()),
        2 => Ok(format!("{v:02}")),
        _ => Err(bad(detail)),
    };
    let hour12 = match c.hour % 12 {
        0 => 12,
        h => h,
    };
    let month_name = MONTHS[(c.month as usize).saturating_sub(1) % 12];
    let weekday_name = WEEKDAYS[c.weekday % 7];
    let len = token.len();
    match token[0] {
        b'Y' => match len {
            2 => Ok(format!("{:02}", c.year % 100)),
            4 => Ok(format!("{:04}", c.year)),
            _ => Err(bad("year must either be \"YY\" or \"YYYY\"")),
        },
        b'M' => match len {
            3 => Ok(month_name[..3].to_string()),
            4 => Ok(month_name.to_string()),
            _ => two(
                c.month,
                len,
                "month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"",
            ),
        },
        b'D' => two(c.day, len, "day of month must either be \"D\" or \"DD\""),
        b'E' => match len {
            3 => Ok(weekday_name[..3].to_string()),
            4 => Ok(weekday_name.to_string()),
            _ => Err(bad("day of week must either be \"EEE\" or \"EEEE\"")),
        },
        b'h' => two(c.hour, len, "24-hour must either be \"h\" or \"hh\""),
        b'H' => two(hour12, len, "12-hour must either be \"H\" or \"HH\""),
        marker @ (b'A' | b'a') => {
            if len != 2 {
                let letter = char::from(marker);
                return Err(bad(&format!("must be \"{letter}{letter}\"")));
            }
            let text = if c.hour < 12 { "AM" } else { "PM" };
            Ok(if marker == b'a' {
                text.to_lowercase()
            } else {
                text.to_string()
            })
        }
        b'm' => two(c.minute, len, "minute must either be \"m\" or \"mm\""),
        b's' => two(c.second, len, "second must either be \"s\" or \"ss\""),
        b'Z' => match len {
            1 => Ok(zone(offset, true, true)),
            3 if offset / 60 == 0 => Ok("UTC".to_string()),
            3 | 4 => Ok(zone(offset, false, false)),
            5 => Ok(zone(offset, true, false)),
            _ => Err(bad("timezone must be Z, ZZZZ, or ZZZZZ")),
        },
        _ => Err(bad("")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{builtins, call, call_builtin, FuncContext};
    use super::*;

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    fn ok(name: &str, args: &[Value]) -> String {
        match call_builtin(name, args) {
            Ok(v) => v.as_str().map_or_else(|| v.to_string(), str::to_string),
            Err(e) => panic!("{name} failed: {}", e.detail),
        }
    }

    fn err(name: &str, args: &[Value]) -> String {
        match call_builtin(name, args) {
            Ok(v) => panic!("{name} unexpectedly gave {v}"),
            Err(e) => e.detail,
        }
    }

    #[test]
    fn timestamp_is_unknown_until_impure_functions_may_run() {
        for name in ["timestamp", "plantimestamp"] {
            let f = builtins().get(name).unwrap();
            let v = call(f, &FuncContext::default(), &[]).unwrap();
            assert!(!v.is_known());
            assert_eq!(v.ty(), Type::String);
            let ctx = FuncContext {
                impure_known: true,
                ..FuncContext::default()
            };
            let v = call(f, &ctx, &[]).unwrap();
            let text = v.as_str().unwrap();
            assert!(parse_timestamp(text).is_ok(), "{text}");
            assert!(text.ends_with('Z') && text.len() == 20, "{text}");
        }
    }

    #[test]
    fn timeadd_adds_go_durations() {
        let cases = [
            ("2017-11-22T00:00:00Z", "-1h", "2017-11-21T23:00:00Z"),
            ("2017-11-22T00:00:00Z", "10m1s", "2017-11-22T00:10:01Z"),
            ("2017-11-22T00:00:00Z", "1s", "2017-11-22T00:00:01Z"),
            ("2017-11-22T1:00:00Z", "1s", "2017-11-22T01:00:01Z"),
            (
                "2017-11-22T00:00:00+01:30",
                "1.5h",
                "2017-11-22T01:30:00+01:30",
            ),
            ("2017-11-22T00:00:00+00:00", "1h", "2017-11-22T01:00:00Z"),
            ("2017-11-22T00:00:00-00:00", "1h", "2017-11-22T01:00:00Z"),
            (
                "2017-11-22T00:00:00+99:99",
                "1h",
                "2017-11-22T01:00:00+100:39",
            ),
            ("9999-12-31T23:00:00Z", "2h", "10000-01-01T01:00:00Z"),
            ("0000-01-01T00:00:00Z", "-2h", "-0001-12-31T22:00:00Z"),
            ("2017-11-22T00:00:00Z", "1.5µs", "2017-11-22T00:00:00Z"),
            ("2017-11-22T00:00:00Z", "-0", "2017-11-22T00:00:00Z"),
            ("2017-11-22T00:00:00.9Z", "0.2s", "2017-11-22T00:00:01Z"),
            ("2020-02-29T00:00:00Z", "8760h", "2021-02-28T00:00:00Z"),
            ("2017-11-22T00:00:00Z", "1.h", "2017-11-22T01:00:00Z"),
            ("2017-11-22T00:00:00Z", ".5m", "2017-11-22T00:00:30Z"),
            ("1970-01-01T00:00:00Z", "-1ns", "1969-12-31T23:59:59Z"),
            ("2017-11-22T00:02:.5Z", "0s", "2017-11-22T00:02:00Z"),
        ];
        for (time, duration, want) in cases {
            assert_eq!(
                ok("timeadd", &[s(time), s(duration)]),
                want,
                "timeadd({time}, {duration})"
            );
        }
    }

    #[test]
    fn timeadd_errors_are_worded_as_terraform() {
        let cases = [
            (
                "2017-11-22",
                "-1h",
                "not a valid RFC3339 timestamp: missing required time introducer 'T'",
            ),
            (
                "2017-11-22T00:00:00Z",
                "1d",
                "time: unknown unit \"d\" in duration \"1d\"",
            ),
            (
                "2017-13-01T00:00:00Z",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"-01T00:00:00Z\" as month",
            ),
            (
                "2017-02-30T00:00:00Z",
                "1s",
                "not a valid RFC3339 timestamp: day out of range",
            ),
            (
                "2017-11-22T25:00:00Z",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \":00:00Z\" as hour",
            ),
            (
                "2017-11-22T00:00:00",
                "1s",
                "not a valid RFC3339 timestamp: end of string before UTC offset",
            ),
            (
                "2017-11-22T00:00:00+0100",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"+0100\" as UTC offset",
            ),
            (
                "2017-11-22T00:00:00Zx",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"x\" as timestamp segment",
            ),
            (
                "17-11-22T00:00:00Z",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"1-22T00:00:00Z\" as year",
            ),
            (
                "2017-1-22T00:00:00Z",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"1-22T00:00:00Z\" as month",
            ),
            (
                "2017-11-22t00:00:00z",
                "1s",
                "not a valid RFC3339 timestamp: missing required time introducer 'T'",
            ),
            (
                "2017-11-22T00:00:00.123456789123Z",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"Z\" as second",
            ),
            (
                "2017-11-22T00:00:00,5Z",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \",5Z\" as UTC offset",
            ),
            (
                "2017/11/22T00:00:00Z",
                "1s",
                "not a valid RFC3339 timestamp: found \"/11/22T00:00:00Z\" where \"-\" is expected",
            ),
            (
                "2017-11-22T00:00:00x01:00",
                "1s",
                "not a valid RFC3339 timestamp: end of string before UTC offset",
            ),
            (
                "2017-11-22T00:00",
                "1s",
                "not a valid RFC3339 timestamp: end of string where \":\" is expected",
            ),
            (
                "",
                "1s",
                "not a valid RFC3339 timestamp: end of string before year",
            ),
            ("2017-11-22T00:00:00Z", "", "time: invalid duration \"\""),
            (
                "2017-11-22T00:00:00Z",
                "1",
                "time: missing unit in duration \"1\"",
            ),
            (
                "2017-11-22T00:00:00Z",
                ".h",
                "time: invalid duration \".h\"",
            ),
            (
                "2017-11-22T00:00:00Z",
                "3000000h",
                "time: invalid duration \"3000000h\"",
            ),
            (
                "2017-11-22T00:00:00Z",
                "1h-1m",
                "time: unknown unit \"h-\" in duration \"1h-1m\"",
            ),
            (
                "2017-11-22T00:00:00Z",
                "1\"",
                "time: unknown unit \"\"\" in duration \"1\"\"",
            ),
            (
                "2017-11-22T00:00:00é",
                "1s",
                "not a valid RFC3339 timestamp: cannot use \"é\" as UTC offset",
            ),
            (
                "2017-11-22T00:00:00Z",
                "99999999999999999999ns",
                "time: invalid duration \"99999999999999999999ns\"",
            ),
        ];
        for (time, duration, want) in cases {
            assert_eq!(
                err("timeadd", &[s(time), s(duration)]),
                format!("Call to function \"timeadd\" failed: {want}."),
                "timeadd({time:?}, {duration:?})"
            );
        }
    }

    #[test]
    fn formatdate_follows_the_terraform_format_spec() {
        let cases = [
            (
                "DD MMM YYYY hh:mm ZZZ",
                "2018-01-04T23:12:01Z",
                "04 Jan 2018 23:12 UTC",
            ),
            (
                "EEEE, DD-MMM-YY hh:mm:ss ZZZ",
                "2018-01-02T23:12:01-08:00",
                "Tuesday, 02-Jan-18 23:12:01 -0800",
            ),
            (
                "h H HH AA aa m s Z ZZZZ ZZZZZ M MMMM D EEE",
                "2018-01-02T00:02:01+05:30",
                "0 12 12 AM am 2 1 +05:30 +0530 +05:30 1 January 2 Tue",
            ),
            ("hh:mm H AA aa", "2018-01-02T13:02:01Z", "13:02 1 PM pm"),
            (
                "'quoted ''text'' here' YYYY",
                "2018-01-02T00:02:01Z",
                "quoted 'text' here 2018",
            ),
            ("''", "2018-01-02T00:02:01Z", "'"),
            ("''''", "2018-01-02T00:02:01Z", "''"),
            ("'abc'", "2018-01-02T00:02:01Z", "abc"),
            ("'a''b'", "2018-01-02T00:02:01Z", "a'b"),
            ("'a''", "2018-01-02T00:02:01Z", "a'"),
            ("ZZZ Z", "2018-01-02T00:02:01+00:00", "UTC Z"),
            ("ZZZZZ ZZZZ", "2018-01-02T00:02:01Z", "+00:00 +0000"),
            ("ß-é YYYY", "2018-01-02T00:02:01Z", "ß-é 2018"),
            ("", "2018-01-02T00:02:01Z", ""),
            ("YY/M/D", "2005-07-09T00:02:01Z", "05/7/9"),
            (
                "EEE DD MMMM YYYY",
                "2000-02-29T12:00:00Z",
                "Tue 29 February 2000",
            ),
            ("EEEE", "1970-01-01T00:00:00Z", "Thursday"),
            ("EEEE YYYY", "0000-01-01T00:00:00Z", "Saturday 0000"),
        ];
        for (format, time, want) in cases {
            assert_eq!(
                ok("formatdate", &[s(format), s(time)]),
                want,
                "formatdate({format:?})"
            );
        }
    }

    #[test]
    fn formatdate_errors_are_worded_as_terraform() {
        let fmt_err = |detail: &str| format!("Invalid value for \"format\" parameter: {detail}.");
        let cases = [
            ("'abc", fmt_err("unterminated literal '")),
            ("YYYY'", fmt_err("unterminated literal '")),
            ("'", fmt_err("unterminated literal '")),
            ("YYY", fmt_err("invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\"")),
            ("YYYYYY", fmt_err("invalid date format verb \"YYYYYY\": year must either be \"YY\" or \"YYYY\"")),
            ("ZZ", fmt_err("invalid date format verb \"ZZ\": timezone must be Z, ZZZZ, or ZZZZZ")),
            ("X", fmt_err("invalid date format verb \"X\"")),
            ("A", fmt_err("invalid date format verb \"A\": must be \"AA\"")),
            ("aaa", fmt_err("invalid date format verb \"aaa\": must be \"aa\"")),
            ("MMMMM", fmt_err("invalid date format verb \"MMMMM\": month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"")),
            ("DDD", fmt_err("invalid date format verb \"DDD\": day of month must either be \"D\" or \"DD\"")),
            ("EE", fmt_err("invalid date format verb \"EE\": day of week must either be \"EEE\" or \"EEEE\"")),
            ("hhh", fmt_err("invalid date format verb \"hhh\": 24-hour must either be \"h\" or \"hh\"")),
            ("HHH", fmt_err("invalid date format verb \"HHH\": 12-hour must either be \"H\" or \"HH\"")),
            ("mmm", fmt_err("invalid date format verb \"mmm\": minute must either be \"m\" or \"mm\"")),
            ("sss", fmt_err("invalid date format verb \"sss\": second must either be \"s\" or \"ss\"")),
        ];
        for (format, want) in cases {
            assert_eq!(
                err("formatdate", &[s(format), s("2018-01-02T00:02:01Z")]),
                want,
                "{format:?}"
            );
        }
        assert_eq!(
            err("formatdate", &[s("Y"), s("bad")]),
            "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: cannot use \"bad\" as year."
        );
    }

    #[test]
    fn timecmp_compares_instants_across_offsets() {
        let cases = [
            ("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z", "0"),
            ("2017-11-22T00:00:00Z", "2017-11-22T01:00:00+01:00", "0"),
            ("2017-11-22T00:00:01Z", "2017-11-22T01:00:00+01:00", "1"),
            ("2017-11-22T00:00:00.5Z", "2017-11-22T00:00:00.6Z", "-1"),
            ("2017-11-22T00:00:00Z", "2017-11-21T23:59:59-00:01", "-1"),
        ];
        for (a, b, want) in cases {
            assert_eq!(ok("timecmp", &[s(a), s(b)]), want, "timecmp({a}, {b})");
        }
        assert_eq!(
            err("timecmp", &[s("2017-11-22"), s("2017-11-22T00:00:00Z")]),
            "Invalid value for \"timestamp_a\" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."
        );
        assert_eq!(
            err("timecmp", &[s("2017-11-22T00:00:00Z"), s("later")]),
            "Invalid value for \"timestamp_b\" parameter: not a valid RFC3339 timestamp: cannot use \"later\" as year."
        );
    }

    #[test]
    fn calendar_conversions_round_trip() {
        for days in [
            -800_000i64,
            -719_468,
            -1,
            0,
            1,
            10_956,
            2_932_896,
            3_000_000,
        ] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn odd_inputs_never_panic() {
        for time in [
            "2017-11-22T00:00:00+",
            "2017-11-22T00:00:00+é:00",
            "2é17",
            "9999-99-99T99:99:99Z",
            "0000-00-00T00:00:00Z",
            "2017-11-22T00:00:00.99999999999999999999999Z",
        ] {
            assert!(
                call_builtin("timeadd", &[s(time), s("1s")]).is_err(),
                "{time}"
            );
        }
        for duration in [
            "µ",
            "1é",
            "-",
            "+",
            "..5s",
            "1.5.5s",
            "9223372036854775807ns",
            "-9223372036854775807ns",
            "2562047h",
            "1.99999999999999999999999999h",
        ] {
            let _ = call_builtin("timeadd", &[s("2017-11-22T00:00:00Z"), s(duration)]);
        }
        for format in ["'", "''''''", "'é", "é'", "Zé"] {
            let _ = call_builtin("formatdate", &[s(format), s("2017-11-22T00:00:00Z")]);
        }
    }
}
