//! Terraform numbers: arbitrary precision, never overflowing, never panicking.
//!
//! cty keeps numbers as 512-bit `big.Float`; we keep small integers as `i64` (the common case:
//! counts, indexes, ports) and everything else as a `BigDecimal`, which makes `0.1 + 0.2` exactly
//! `0.3` as Terraform prints it. Division by zero yields an infinity, as in cty.

use bigdecimal::{BigDecimal, One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Digits kept for inexact results (division, roots): a bit more than cty's 512-bit mantissa.
const DIVISION_PRECISION: u64 = 170;

/// Significant digits shown: about what cty's 512-bit floats can tell apart, so that rounding
/// noise in the last internal digits (`2/3*3`) never shows.
const DISPLAY_PRECISION: u64 = 155;

#[derive(Clone, Debug)]
pub enum Number {
    Int(i64),
    Big(Arc<BigDecimal>),
    PosInf,
    NegInf,
}

/// Why an arithmetic operation has no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    ZeroByZero,
    ModuloByZero,
    InfinityArithmetic,
    TooLarge,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::ZeroByZero => {
                f.write_str("can't divide zero by zero or infinity by infinity")
            }
            NumberError::ModuloByZero => f.write_str("can't use modulo with zero as the divisor"),
            NumberError::InfinityArithmetic => {
                f.write_str("can't compute an operation between two infinities")
            }
            NumberError::TooLarge => f.write_str("number is too large to compute"),
        }
    }
}

/// Exponents beyond this are refused rather than allocating gigabytes of digits.
const MAX_DIGITS: i64 = 100_000;

impl Number {
    pub fn from_i64(v: i64) -> Number {
        Number::Int(v)
    }

    pub fn from_big(b: BigDecimal) -> Number {
        let b = b.normalized();
        if b.is_integer() {
            if let Some(i) = b.to_i64() {
                return Number::Int(i);
            }
        }
        Number::Big(Arc::new(b))
    }

    pub fn from_f64(f: f64) -> Number {
        if f.is_infinite() {
            return if f > 0.0 {
                Number::PosInf
            } else {
                Number::NegInf
            };
        }
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            return Number::Int(f as i64);
        }
        // Shortest representation that round-trips, like Go's strconv 'g' -1.
        let s = format!("{f:?}");
        BigDecimal::from_str(&s)
            .map(Number::from_big)
            .unwrap_or(Number::Int(0))
    }

    /// Parses a Terraform number literal or a string being converted to a number.
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim_start_matches('+');
        if t.is_empty() || t.len() > 4096 || t != t.trim() {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        match t {
            "Infinity" | "+Inf" | "Inf" => return Some(Number::PosInf),
            "-Infinity" | "-Inf" => return Some(Number::NegInf),
            _ => {}
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        {
            return None;
        }
        let b = BigDecimal::from_str(t).ok()?;
        let (_, scale) = b.as_bigint_and_exponent();
        if scale.abs() > MAX_DIGITS {
            return None;
        }
        Some(Number::from_big(b))
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self, Number::PosInf | Number::NegInf)
    }

    pub fn to_big(&self) -> Option<BigDecimal> {
        match self {
            Number::Int(i) => Some(BigDecimal::from(*i)),
            Number::Big(b) => Some((**b).clone()),
            _ => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        match self {
            Number::Int(_) => true,
            Number::Big(b) => b.is_integer(),
            _ => false,
        }
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Big(b) if b.is_integer() => b.to_i64(),
            _ => None,
        }
    }

    pub fn to_f64(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::Big(b) => b.to_f64().unwrap_or(f64::NAN),
            Number::PosInf => f64::INFINITY,
            Number::NegInf => f64::NEG_INFINITY,
        }
    }

    pub fn is_zero(&self) -> bool {
        match self {
            Number::Int(i) => *i == 0,
            Number::Big(b) => b.is_zero(),
            _ => false,
        }
    }

    pub fn signum(&self) -> i64 {
        match self {
            Number::Int(i) => i.signum(),
            Number::Big(b) => match b.sign() {
                num_bigint::Sign::Minus => -1,
                num_bigint::Sign::NoSign => 0,
                num_bigint::Sign::Plus => 1,
            },
            Number::PosInf => 1,
            Number::NegInf => -1,
        }
    }

    pub fn neg(&self) -> Number {
        match self {
            Number::Int(i) => match i.checked_neg() {
                Some(n) => Number::Int(n),
                None => Number::from_big(-BigDecimal::from(*i)),
            },
            Number::Big(b) => Number::from_big(-(**b).clone()),
            Number::PosInf => Number::NegInf,
            Number::NegInf => Number::PosInf,
        }
    }

    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Ok(match a.checked_add(*b) {
                Some(v) => Number::Int(v),
                None => Number::from_big(BigDecimal::from(*a) + BigDecimal::from(*b)),
            }),
            (Number::PosInf, Number::NegInf) | (Number::NegInf, Number::PosInf) => {
                Err(NumberError::InfinityArithmetic)
            }
            (Number::PosInf, _) | (_, Number::PosInf) => Ok(Number::PosInf),
            (Number::NegInf, _) | (_, Number::NegInf) => Ok(Number::NegInf),
            _ => Ok(Number::from_big(self.big() + other.big())),
        }
    }

    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &Number) -> Result<Number, NumberError> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Ok(match a.checked_mul(*b) {
                Some(v) => Number::Int(v),
                None => Number::from_big(BigDecimal::from(*a) * BigDecimal::from(*b)),
            }),
            _ if self.is_infinite() || other.is_infinite() => {
                let s = self.signum() * other.signum();
                match s.cmp(&0) {
                    Ordering::Greater => Ok(Number::PosInf),
                    Ordering::Less => Ok(Number::NegInf),
                    Ordering::Equal => Err(NumberError::InfinityArithmetic),
                }
            }
            _ => {
                let r = self.big() * other.big();
                Self::bounded(r)
            }
        }
    }

    pub fn div(&self, other: &Number) -> Result<Number, NumberError> {
        if other.is_zero() {
            return match self.signum() {
                0 => Err(NumberError::ZeroByZero),
                1 => Ok(Number::PosInf),
                _ => Ok(Number::NegInf),
            };
        }
        match (self, other) {
            (Number::Int(a), Number::Int(b)) if b != &0 && a.checked_rem(*b) == Some(0) => {
                if let Some(q) = a.checked_div(*b) {
                    return Ok(Number::Int(q));
                }
            }
            _ => {}
        }
        if self.is_infinite() && other.is_infinite() {
            return Err(NumberError::ZeroByZero);
        }
        if self.is_infinite() {
            return Ok(if self.signum() * other.signum() > 0 {
                Number::PosInf
            } else {
                Number::NegInf
            });
        }
        if other.is_infinite() {
            return Ok(Number::Int(0));
        }
        // bigdecimal's `/` keeps only 100 digits; divide the scaled integers instead so the
        // quotient keeps DIVISION_PRECISION significant digits (cty keeps 512 bits).
        let (an, ascale) = self.big().as_bigint_and_exponent();
        let (bn, bscale) = other.big().as_bigint_and_exponent();
        let digits = |n: &num_bigint::BigInt| n.magnitude().to_string().len() as i64;
        let extra =
            (DIVISION_PRECISION as i64 + digits(&bn) - digits(&an)).clamp(0, 4 * MAX_DIGITS);
        let scaled = an * num_bigint::BigInt::from(10u8).pow(extra as u32);
        let q = BigDecimal::new(scaled / bn, ascale - bscale + extra);
        Ok(Number::from_big(q.with_prec(DIVISION_PRECISION)))
    }

    /// Remainder with the sign of the dividend, as Go's `%` and cty's Modulo.
    pub fn rem(&self, other: &Number) -> Result<Number, NumberError> {
        if other.is_zero() {
            return Err(NumberError::ModuloByZero);
        }
        if self.is_infinite() {
            return Err(NumberError::InfinityArithmetic);
        }
        if other.is_infinite() {
            return Ok(self.clone());
        }
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Ok(match a.checked_rem(*b) {
                Some(r) => Number::Int(r),
                None => Number::Int(0),
            }),
            _ => {
                let a = self.big();
                let b = other.big();
                let q = (&a / &b).with_scale_round(0, bigdecimal::RoundingMode::Down);
                Ok(Number::from_big(a - b * q))
            }
        }
    }

    /// `self` raised to `exp`, exact for whole exponents within reason, else through f64.
    pub fn pow(&self, exp: &Number) -> Result<Number, NumberError> {
        if let (Some(e), false) = (exp.to_i64(), self.is_infinite()) {
            if (0..=4096).contains(&e) {
                let mut acc = BigDecimal::one();
                let base = self.big();
                for _ in 0..e {
                    acc = Self::bounded(acc * &base)?.big();
                }
                return Ok(Number::from_big(acc));
            }
        }
        Ok(Number::from_f64(self.to_f64().powf(exp.to_f64())))
    }

    fn bounded(b: BigDecimal) -> Result<Number, NumberError> {
        let digits = b.digits() as i64;
        let (_, scale) = b.as_bigint_and_exponent();
        if digits - scale > MAX_DIGITS {
            return Err(NumberError::TooLarge);
        }
        let b = if scale > DIVISION_PRECISION as i64 * 2 {
            b.with_prec(DIVISION_PRECISION)
        } else {
            b
        };
        Ok(Number::from_big(b))
    }

    fn big(&self) -> BigDecimal {
        self.to_big().unwrap_or_default()
    }

    pub fn floor(&self) -> Number {
        match self {
            Number::Big(b) => {
                Number::from_big(b.with_scale_round(0, bigdecimal::RoundingMode::Floor))
            }
            other => other.clone(),
        }
    }

    pub fn ceil(&self) -> Number {
        match self {
            Number::Big(b) => {
                Number::from_big(b.with_scale_round(0, bigdecimal::RoundingMode::Ceiling))
            }
            other => other.clone(),
        }
    }

    pub fn abs(&self) -> Number {
        if self.signum() < 0 {
            self.neg()
        } else {
            self.clone()
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(b),
            (Number::PosInf, Number::PosInf) | (Number::NegInf, Number::NegInf) => Ordering::Equal,
            (Number::PosInf, _) | (_, Number::NegInf) => Ordering::Greater,
            (Number::NegInf, _) | (_, Number::PosInf) => Ordering::Less,
            _ => self.big().cmp(&other.big()),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Big(b) if b.digits() > DISPLAY_PRECISION => f.write_str(
                &b.with_prec(DISPLAY_PRECISION)
                    .normalized()
                    .to_plain_string(),
            ),
            Number::Big(b) => f.write_str(&b.normalized().to_plain_string()),
            Number::PosInf => f.write_str("+Inf"),
            Number::NegInf => f.write_str("-Inf"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn decimal_addition_prints_like_terraform() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap().to_string(), "0.3");
    }

    #[test]
    fn integer_overflow_promotes_to_big() {
        let r = n("18446744073709551615").add(&n("1")).unwrap();
        assert_eq!(r.to_string(), "18446744073709551616");
        let r = Number::Int(i64::MAX).mul(&Number::Int(2)).unwrap();
        assert_eq!(r.to_string(), "18446744073709551614");
    }

    #[test]
    fn modulo_by_zero_is_an_error() {
        assert_eq!(n("5").rem(&n("0")), Err(NumberError::ModuloByZero));
        assert_eq!(n("-5").rem(&n("3")).unwrap().to_string(), "-2");
        assert_eq!(n("5.5").rem(&n("2")).unwrap().to_string(), "1.5");
    }

    #[test]
    fn division_by_zero_is_infinite_and_zero_by_zero_fails() {
        assert_eq!(n("1").div(&n("0")).unwrap(), Number::PosInf);
        assert_eq!(n("0").div(&n("0")), Err(NumberError::ZeroByZero));
        assert_eq!(n("1").div(&n("4")).unwrap().to_string(), "0.25");
        assert!(n("1")
            .div(&n("3"))
            .unwrap()
            .to_string()
            .starts_with("0.3333333333"));
    }

    #[test]
    fn division_keeps_about_as_many_digits_as_terraform() {
        let third = n("1").div(&n("3")).unwrap().to_string();
        assert_eq!(third.len(), 2 + 155, "{third}");
        let back = n("2").div(&n("3")).unwrap().mul(&n("3")).unwrap();
        assert_eq!(back.to_string(), "2");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Number::parse("1x").is_none());
        assert!(Number::parse("").is_none());
        assert!(Number::parse(" 1").is_none());
        assert!(Number::parse("1e999999999").is_none());
    }
}
