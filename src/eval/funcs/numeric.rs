//! Numeric functions: `abs`, `ceil`, `floor`, `log`, `max`, `min`, `parseint`, `pow`, `signum`,
//! and the whole-number conversions (Terraform's gocty rules) the network functions share.
//!
//! `abs`, `ceil`, `floor`, `min`, `max` and `parseint` are exact, as in cty. `log` and `pow` go
//! through float64 in Terraform; they reproduce Go's `math.Log`, `math.Exp` (amd64 with FMA) and
//! `math.Pow` step by step, because the platform's libm rounds differently in the last bit and
//! Terraform prints every digit of the float64 result.

use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
use crate::value::{Number, Type, Value};
use bigdecimal::BigDecimal;
use num_bigint::{BigInt, BigUint, Sign};
use std::cmp::Ordering;

pub fn register(t: &mut FuncTable) {
    let num = || Param::new("num", Type::Number);
    t.add(Function::new("abs", vec![num()], Type::Number, |_, a| {
        Ok(Value::Number(number(&a[0])?.abs()))
    }));
    t.add(Function::new("ceil", vec![num()], Type::Number, |_, a| {
        Ok(Value::Number(number(&a[0])?.ceil()))
    }));
    t.add(Function::new("floor", vec![num()], Type::Number, |_, a| {
        Ok(Value::Number(number(&a[0])?.floor()))
    }));
    t.add(Function::new("signum", vec![num()], Type::Number, signum));
    t.add(Function::new(
        "log",
        vec![num(), Param::new("base", Type::Number)],
        Type::Number,
        log,
    ));
    t.add(Function::new(
        "pow",
        vec![num(), Param::new("power", Type::Number)],
        Type::Number,
        pow,
    ));
    let numbers = || Param::new("numbers", Type::Number);
    t.add(
        Function::new("max", vec![], Type::Number, |_, a| {
            extreme(a, Ordering::Greater)
        })
        .variadic(numbers()),
    );
    t.add(
        Function::new("min", vec![], Type::Number, |_, a| {
            extreme(a, Ordering::Less)
        })
        .variadic(numbers()),
    );
    t.add(Function::new(
        "parseint",
        vec![
            // Dynamic so that a non-string gets parseint's own message, not a conversion error.
            Param::new("number", Type::Dynamic).allow_unknown(),
            Param::new("base", Type::Number),
        ],
        Type::Number,
        parseint,
    ));
}

/// The number inside an argument the dispatcher already converted to `number`.
pub(super) fn number(v: &Value) -> Result<&Number, FuncError> {
    v.as_number()
        .ok_or_else(|| FuncError::call("a number is required"))
}

/// gocty's conversion to a Go `int`: whole and within int64.
pub(super) fn whole_i64(n: &Number) -> Result<i64, String> {
    n.to_i64().ok_or_else(|| {
        "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
            .to_string()
    })
}

/// gocty's conversion to a Go `*big.Int`: any whole number.
pub(super) fn whole_big(n: &Number) -> Result<BigInt, String> {
    match n.to_big() {
        Some(b) if b.is_integer() => Ok(b.with_scale(0).into_bigint_and_exponent().0),
        _ => Err("value must be a whole number".to_string()),
    }
}

/// gocty's conversion to float64: refused only when the number lies beyond float64's range.
fn to_float(n: &Number) -> Result<f64, FuncError> {
    let f = match n {
        Number::Int(i) => *i as f64,
        Number::PosInf => f64::INFINITY,
        Number::NegInf => f64::NEG_INFINITY,
        Number::Big(b) => {
            // Through Rust's correctly rounded decimal parser, as big.Float.Float64 rounds.
            let (digits, scale) = b.as_bigint_and_exponent();
            format!("{digits}e{}", -scale).parse().unwrap_or(f64::NAN)
        }
    };
    if f.is_finite() || n.is_infinite() {
        return Ok(f);
    }
    Err(FuncError::call(format!(
        "value must be between {:.6} and {:.6} inclusive",
        -f64::MAX,
        f64::MAX
    )))
}

fn float_result(f: f64) -> FuncResult {
    if f.is_nan() {
        // Terraform panics here (cty cannot hold NaN); an error is the sane equivalent.
        return Err(FuncError::call("the result is not a real number"));
    }
    Ok(Value::Number(Number::from_f64(f)))
}

fn signum(_: &FuncContext, args: &[Value]) -> FuncResult {
    let n = whole_i64(number(&args[0])?).map_err(FuncError::call)?;
    Ok(Value::int(n.signum()))
}

fn log(_: &FuncContext, args: &[Value]) -> FuncResult {
    let num = to_float(number(&args[0])?)?;
    let base = to_float(number(&args[1])?)?;
    float_result(go_log(num) / go_log(base))
}

fn pow(_: &FuncContext, args: &[Value]) -> FuncResult {
    let num = to_float(number(&args[0])?)?;
    let power = to_float(number(&args[1])?)?;
    float_result(go_pow(num, power))
}

/// `max` (wanted = Greater) or `min` (wanted = Less): the first of the extreme values.
fn extreme(args: &[Value], wanted: Ordering) -> FuncResult {
    let mut best: Option<&Number> = None;
    for arg in args {
        let n = number(arg)?;
        if best.is_none_or(|b| n.cmp(b) == wanted) {
            best = Some(n);
        }
    }
    best.map(|n| Value::Number(n.clone()))
        .ok_or_else(|| FuncError::call("must pass at least one number"))
}

/// Digits past which `parseint` refuses to build a number (a 100,000-decimal-digit number).
const PARSEINT_MAX_BITS: f64 = 332_000.0;

fn parseint(_: &FuncContext, args: &[Value]) -> FuncResult {
    let arg = &args[0];
    let ty = arg.ty();
    if ty != Type::String && ty != Type::Dynamic {
        return Err(FuncError::arg(
            0,
            format!(
                "first argument must be a string, not {}",
                cty_friendly_name(&ty)
            ),
        ));
    }
    let Some(text) = arg.as_str() else {
        return Ok(Value::Unknown(Type::Number));
    };
    let base = whole_i64(number(&args[1])?).map_err(|m| FuncError::arg(1, m))?;
    let base = match u32::try_from(base) {
        Ok(b @ 2..=62) => b,
        _ => {
            return Err(FuncError::arg(
                1,
                "base must be a whole number between 2 and 62 inclusive",
            ))
        }
    };
    let cannot = || {
        FuncError::arg(
            0,
            format!("cannot parse {} as a base {base} integer", go_quote(text)),
        )
    };
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (Sign::Minus, &text[1..]),
        Some(b'+') => (Sign::Plus, &text[1..]),
        _ => (Sign::Plus, text),
    };
    if digits.is_empty() {
        return Err(cannot());
    }
    if digits.len() as f64 * f64::from(base).log2() > PARSEINT_MAX_BITS {
        return Err(FuncError::arg(
            0,
            format!(
                "cannot parse a {}-digit number: the result would exceed 100000 decimal digits",
                digits.len()
            ),
        ));
    }
    // Go's big.Int.SetString: letters are case-insensitive up to base 36; above it lowercase
    // letters are 10..35 and uppercase 36..61.
    let values: Option<Vec<u8>> = digits
        .bytes()
        .map(|c| {
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'z' => c - b'a' + 10,
                b'A'..=b'Z' if base <= 36 => c - b'A' + 10,
                b'A'..=b'Z' => c - b'A' + 36,
                _ => return None,
            };
            (u32::from(v) < base).then_some(v)
        })
        .collect();
    let magnitude = values
        .and_then(|v| BigUint::from_radix_be(&v, base))
        .ok_or_else(cannot)?;
    let value = BigInt::from_biguint(sign, magnitude);
    Ok(Value::Number(Number::from_big(BigDecimal::from(value))))
}

/// cty's `FriendlyName` of a type, for messages quoting an argument's type.
fn cty_friendly_name(ty: &Type) -> String {
    match ty {
        Type::Dynamic => "dynamic".to_string(),
        other => other.friendly_name(),
    }
}

/// Go's `%q` of a string (Terraform quotes values this way in messages).
pub(super) fn go_quote(s: &str) -> String {
    crate::value::go_quote(s)
}

// ---- Go's float64 math, reproduced bit for bit ----

/// Go's `math.Frexp`: `x = frac × 2^exp` with `frac` in [0.5, 1).
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (x, mut exp) = if x.abs() < f64::MIN_POSITIVE {
        (x * (1u64 << 52) as f64, -52)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    exp += ((bits >> 52) & 0x7ff) as i64 - 1022;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exp)
}

/// Go's `math.Ldexp`: `frac × 2^exp`, rounding subnormal results the way Go does.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (normal, e) = frexp(frac);
    let exp = exp.saturating_add(e - 1);
    if exp < -1075 {
        return 0.0f64.copysign(frac);
    }
    if exp > 1023 {
        return f64::INFINITY.copysign(frac);
    }
    let (exp, scale) = if exp < -1022 {
        (exp + 53, 1.0 / (1u64 << 53) as f64)
    } else {
        (exp, 1.0)
    };
    let bits = (normal.to_bits() & !(0x7ff << 52)) | (((exp + 1023) as u64) << 52);
    scale * f64::from_bits(bits)
}

/// Go's `math.Log` (FreeBSD's e_log.c algorithm, as Go's amd64 assembly computes it).
// The constants are the published ones, digit for digit.
#[allow(clippy::excessive_precision)]
fn go_log(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const L: [f64; 7] = [
        6.666_666_666_666_735_130e-01,
        3.999_999_999_940_941_908e-01,
        2.857_142_874_366_239_149e-01,
        2.222_219_843_214_978_396e-01,
        1.818_357_216_161_805_012e-01,
        1.531_383_769_920_937_332e-01,
        1.479_819_860_511_658_591e-01,
    ];
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    let (mut f1, ki) = frexp(x);
    let mut k = ki as f64;
    if f1 < std::f64::consts::FRAC_1_SQRT_2 {
        f1 *= 2.0;
        k -= 1.0;
    }
    let f = f1 - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s2 * (L[0] + s4 * (L[2] + s4 * (L[4] + s4 * L[6])));
    let t2 = s4 * (L[1] + s4 * (L[3] + s4 * L[5]));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

/// Go's `math.Exp` on amd64 with FMA (every x86 CPU since 2013): argument reduction by ln 2,
/// a Taylor series on a sixteenth of the remainder, then four squarings.
#[allow(clippy::excessive_precision)]
fn go_exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_UPPER: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
    const LN2_LOWER: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
    const TAYLOR: [f64; 7] = [
        2.480_158_730_158_730_158_7e-5,
        1.984_126_984_126_984_127_0e-4,
        1.388_888_888_888_888_888_9e-3,
        8.333_333_333_333_333_333_3e-3,
        4.166_666_666_666_666_666_7e-2,
        1.666_666_666_666_666_666_7e-1,
        0.5,
    ];
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    if x > 7.097_827_128_933_84e+02 {
        return f64::INFINITY;
    }
    // CVTSD2SL: round to nearest even, out of range gives i32::MIN (only reachable for large
    // negative x, which underflows to zero below either way).
    let scaled = (LOG2E * x).round_ties_even();
    let exponent = if scaled.abs() < 2_147_483_648.0 {
        scaled as i32
    } else {
        i32::MIN
    };
    let e = f64::from(exponent);
    let mut r = (-LN2_UPPER).mul_add(e, x);
    r = (-LN2_LOWER).mul_add(e, r);
    r *= 0.0625;
    let mut p = TAYLOR[0];
    for c in &TAYLOR[1..] {
        p = p.mul_add(r, *c);
    }
    p = p.mul_add(r, 1.0);
    r *= p;
    for _ in 0..3 {
        r *= r + 2.0;
    }
    r = r.mul_add(r + 2.0, 1.0);
    let biased = i64::from(exponent) + 0x3ff;
    if biased <= 0 {
        return 0.0;
    }
    if biased >= 0x7ff {
        return f64::INFINITY;
    }
    r * f64::from_bits((biased as u64) << 52)
}

/// Go's `math.Pow` as of Go 1.16 (Terraform 1.0.3's toolchain): whole powers by repeated
/// squaring of the mantissa, the fractional part through `Exp(yf × Log(x))`.
fn go_pow(x: f64, y: f64) -> f64 {
    let is_odd_int =
        |v: f64| v.abs() < (1u64 << 53) as f64 && v.fract() == 0.0 && v as i64 & 1 == 1;
    let huge_result = |x: f64, y_positive: bool| {
        if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == y_positive {
            0.0
        } else {
            f64::INFINITY
        }
    };
    match () {
        _ if y == 0.0 || x == 1.0 => return 1.0,
        _ if x.is_nan() || y.is_nan() => return f64::NAN,
        _ if x == 0.0 => {
            return match (y < 0.0, is_odd_int(y)) {
                (true, true) => f64::INFINITY.copysign(x),
                (true, false) => f64::INFINITY,
                (false, true) => x,
                (false, false) => 0.0,
            }
        }
        _ if y.is_infinite() => return huge_result(x, y > 0.0),
        _ if x.is_infinite() => {
            if x < 0.0 {
                return go_pow(1.0 / x, -y);
            }
            return if y < 0.0 { 0.0 } else { f64::INFINITY };
        }
        _ if y == 0.5 => return x.sqrt(),
        _ if y == -0.5 => return 1.0 / x.sqrt(),
        _ => {}
    }
    let mut yi = y.abs().trunc();
    let mut yf = y.abs() - yi;
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= (1u64 << 63) as f64 {
        return huge_result(x, y > 0.0);
    }
    let mut a1 = 1.0;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = go_exp(yf * go_log(x));
    }
    let (mut x1, mut xe) = frexp(x);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            // The exponent is already beyond float64's range: Ldexp gives 0 or Inf.
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

#[cfg(test)]
mod tests {
    use super::super::call_builtin;
    use super::*;

    fn n(s: &str) -> Value {
        Value::Number(Number::parse(s).expect("a number literal"))
    }

    fn ok(name: &str, args: &[Value]) -> String {
        call_builtin(name, args)
            .unwrap_or_else(|e| panic!("{name} failed: {}", e.detail))
            .to_string()
    }

    fn err(name: &str, args: &[Value]) -> String {
        match call_builtin(name, args) {
            Ok(v) => panic!("{name} unexpectedly gave {v}"),
            Err(e) => e.detail,
        }
    }

    #[test]
    fn abs_ceil_floor_and_signum_are_exact() {
        assert_eq!(ok("abs", &[n("-1")]), "1");
        assert_eq!(ok("abs", &[n("-1.5")]), "1.5");
        assert_eq!(ok("abs", &[Value::from("-3")]), "3");
        assert_eq!(ok("floor", &[n("-1.8")]), "-2");
        assert_eq!(ok("floor", &[n("-0.5")]), "-1");
        assert_eq!(ok("ceil", &[n("1.2")]), "2");
        assert_eq!(ok("ceil", &[n("-0.5")]), "0");
        assert_eq!(
            ok("ceil", &[n("123456789012345678901234567890.5")]),
            "123456789012345678901234567891"
        );
        assert_eq!(ok("ceil", &[n("1e-400")]), "1");
        assert_eq!(ok("ceil", &[Value::Number(Number::PosInf)]), "+Inf");
        assert_eq!(ok("floor", &[Value::Number(Number::NegInf)]), "-Inf");
        assert_eq!(ok("signum", &[n("-29")]), "-1");
        assert_eq!(ok("signum", &[n("0")]), "0");
        assert_eq!(ok("signum", &[n("12")]), "1");
    }

    #[test]
    fn signum_wants_a_whole_int64_like_terraform() {
        for bad in ["0.5", "-0.5", "1e300"] {
            assert_eq!(
                err("signum", &[n(bad)]),
                "Call to function \"signum\" failed: value must be a whole number, between \
                 -9223372036854775808 and 9223372036854775807."
            );
        }
    }

    #[test]
    fn min_and_max_pick_the_extreme_argument() {
        assert_eq!(ok("max", &[n("12"), n("54"), n("3")]), "54");
        assert_eq!(ok("min", &[n("12"), n("54"), n("3")]), "3");
        assert_eq!(ok("max", &[n("1.5"), Value::from("2.5")]), "2.5");
        assert_eq!(ok("max", &[n("1"), Value::Number(Number::PosInf)]), "+Inf");
        assert_eq!(ok("min", &[Value::Number(Number::NegInf), n("3")]), "-Inf");
        assert_eq!(
            err("max", &[]),
            "Call to function \"max\" failed: must pass at least one number."
        );
        assert_eq!(
            err("min", &[n("1"), Value::from("x")]),
            "Invalid value for \"numbers\" parameter: a number is required."
        );
    }

    #[test]
    fn min_max_with_unknown_or_sensitive_arguments() {
        let v = call_builtin("max", &[n("1"), Value::Unknown(Type::Number)]).unwrap();
        assert!(!v.is_known());
        let v = call_builtin("max", &[n("1"), n("5").mark_sensitive()]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.unmark().0.to_string(), "5");
    }

    #[test]
    fn log_matches_go_to_the_last_bit() {
        let cases = [
            ("1", "10", "0"),
            ("10", "10", "1"),
            ("10", "0", "0"),
            ("8", "2", "3"),
            ("1000", "10", "2.9999999999999996"),
            ("3", "7", "0.5645750340535796"),
            ("0.5", "3", "-0.6309297535714575"),
            ("27", "3", "3.0000000000000004"),
            ("1e15", "10", "14.999999999999998"),
            ("1e100", "10", "100"),
            ("0", "10", "-Inf"),
            ("10", "1", "+Inf"),
            ("1e-400", "10", "-Inf"),
        ];
        for (num, base, want) in cases {
            assert_eq!(ok("log", &[n(num), n(base)]), want, "log({num}, {base})");
        }
    }

    #[test]
    fn log_of_a_negative_number_is_an_error_not_a_panic() {
        assert_eq!(
            err("log", &[n("-1"), n("10")]),
            "Call to function \"log\" failed: the result is not a real number."
        );
        assert!(call_builtin("log", &[n("1"), n("1")]).is_err());
    }

    #[test]
    fn log_refuses_numbers_beyond_float64() {
        let max = "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.000000";
        assert_eq!(
            err("log", &[n("1e400"), n("10")]),
            format!("Call to function \"log\" failed: value must be between -{max} and {max} inclusive.")
        );
    }

    #[test]
    fn pow_matches_go_to_the_last_bit() {
        let cases = [
            ("-3", "2", "9"),
            ("0", "2", "0"),
            ("1", "0", "1"),
            ("2", "-2", "0.25"),
            ("2", "0.5", "1.4142135623730951"),
            ("1.1", "2", "1.2100000000000002"),
            ("0.1", "3", "0.0010000000000000002"),
            ("1.1", "10", "2.593742460100002"),
            ("3.7", "7", "9493.187713300002"),
            ("1.0001", "12345", "3.436447654031931"),
            ("2.5", "3.3", "20.568471942722457"),
            ("1.5", "-7", "0.05852766346593507"),
            ("0.3", "17", "0.0000000012914016299999995"),
            ("123.456", "2.5", "169348.16848325962"),
            ("53.555", "0.03", "1.1268445296229992"),
            ("92.238", "0.35", "4.872125393241725"),
            ("36.891", "9.11", "188211041024230.75"),
            ("66.48", "3.63", "4133979.980171481"),
            ("10", "400", "+Inf"),
            ("0", "-1", "+Inf"),
            ("1e-400", "1", "0"),
            ("2", "1e-400", "1"),
        ];
        for (num, power, want) in cases {
            assert_eq!(ok("pow", &[n(num), n(power)]), want, "pow({num}, {power})");
        }
        assert!(ok("pow", &[n("2"), n("1000")]).starts_with("10715086071862673000000"));
        assert_eq!(ok("pow", &[Value::Number(Number::PosInf), n("2")]), "+Inf");
        assert_eq!(ok("pow", &[n("2"), Value::Number(Number::NegInf)]), "0");
    }

    #[test]
    fn pow_without_a_real_result_is_an_error() {
        let third = Number::Int(1).div(&Number::Int(3)).unwrap();
        assert_eq!(
            err("pow", &[n("-8"), Value::Number(third)]),
            "Call to function \"pow\" failed: the result is not a real number."
        );
    }

    #[test]
    fn parseint_follows_go_big_int_parsing() {
        let cases = [
            ("-00128", "10", "-128"),
            ("-00FF00", "16", "-65280"),
            ("-FF00", "16", "-65280"),
            ("00128", "10", "128"),
            ("00FF00", "16", "65280"),
            ("100", "10", "100"),
            ("1011111011101111", "2", "48879"),
            ("128", "10", "128"),
            ("Aa", "62", "2242"),
            ("aA", "62", "656"),
            ("zZ", "62", "2231"),
            ("ZZ", "36", "1295"),
            ("zz", "36", "1295"),
            ("FF00", "16", "65280"),
            ("ff00", "16", "65280"),
            ("+1", "10", "1"),
        ];
        for (text, base, want) in cases {
            assert_eq!(
                ok("parseint", &[Value::from(text), n(base)]),
                want,
                "parseint({text}, {base})"
            );
        }
        let big = "999999999999999999999999999999999999999999999999999999999999";
        assert_eq!(ok("parseint", &[Value::from(big), n("10")]), big);
    }

    #[test]
    fn parseint_rejects_what_go_rejects() {
        for (text, base) in [
            ("-00FF", "10"),
            ("00FF", "10"),
            ("1.2", "10"),
            ("FF", "10"),
            ("0x10", "16"),
            ("1_000", "10"),
            ("", "10"),
            (" 1", "10"),
            ("-", "10"),
            ("--1", "10"),
            ("+-1", "10"),
            ("٣", "10"),
        ] {
            assert_eq!(
                err("parseint", &[Value::from(text), n(base)]),
                format!(
                    "Invalid value for \"number\" parameter: cannot parse {} as a base {base} integer.",
                    go_quote(text)
                )
            );
        }
        for base in ["-1", "0", "1", "63"] {
            assert_eq!(
                err("parseint", &[Value::from("1"), n(base)]),
                "Invalid value for \"base\" parameter: base must be a whole number between 2 and 62 inclusive."
            );
        }
        assert_eq!(
            err("parseint", &[Value::from("10"), n("2.5")]),
            "Invalid value for \"base\" parameter: value must be a whole number, between \
             -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            err("parseint", &[n("2"), n("10")]),
            "Invalid value for \"number\" parameter: first argument must be a string, not number."
        );
        assert_eq!(
            err("parseint", &[Value::Bool(true), n("10")]),
            "Invalid value for \"number\" parameter: first argument must be a string, not bool."
        );
        assert_eq!(
            err("parseint", &[Value::NULL, n("10")]),
            "Invalid value for \"number\" parameter: argument must not be null."
        );
    }

    #[test]
    fn parseint_carries_sensitivity_and_unknowns() {
        let v = call_builtin("parseint", &[Value::from("128"), n("10").mark_sensitive()]).unwrap();
        assert!(v.is_sensitive());
        let v = call_builtin("parseint", &[Value::from("128").mark_sensitive(), n("10")]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.unmark().0.to_string(), "128");
        let e =
            call_builtin("parseint", &[Value::from("FF").mark_sensitive(), n("10")]).unwrap_err();
        assert_eq!(
            e.detail,
            "Invalid value for \"number\" parameter: cannot parse \"FF\" as a base 10 integer."
        );
        let v = call_builtin("parseint", &[Value::Unknown(Type::String), n("10")]).unwrap();
        assert!(!v.is_known());
        assert_eq!(v.ty(), Type::Number);
        assert!(call_builtin("parseint", &[Value::Unknown(Type::Bool), n("10")]).is_err());
    }

    #[test]
    fn parseint_refuses_absurdly_long_input() {
        let long = "1".repeat(400_000);
        assert!(call_builtin("parseint", &[Value::from(long.as_str()), n("10")]).is_err());
        let fine = "1".repeat(50_000);
        assert!(call_builtin("parseint", &[Value::from(fine.as_str()), n("10")]).is_ok());
    }

    #[test]
    fn whole_number_conversions_word_errors_as_gocty() {
        assert_eq!(whole_big(&Number::Int(-5)), Ok(BigInt::from(-5)));
        assert_eq!(
            whole_big(&Number::parse("1e30").unwrap()).map(|b| b.to_string()),
            Ok("1000000000000000000000000000000".to_string())
        );
        assert!(whole_big(&Number::parse("0.75").unwrap()).is_err());
        assert!(whole_big(&Number::PosInf).is_err());
        assert!(whole_i64(&Number::parse("1e30").unwrap()).is_err());
    }

    #[test]
    fn go_float_helpers_handle_extremes_without_panicking() {
        assert_eq!(ldexp(0.5, 1), 1.0);
        assert_eq!(ldexp(1.0, -1074), f64::from_bits(1));
        assert_eq!(ldexp(1.0, -1080), 0.0);
        assert_eq!(ldexp(1.0, 5000), f64::INFINITY);
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
        assert_eq!(go_exp(-1e300), 0.0);
        assert_eq!(go_exp(1e300), f64::INFINITY);
        assert_eq!(go_pow(1e-300, 1e10), 0.0);
        assert_eq!(go_pow(1e300, 123456789.0), f64::INFINITY);
        assert_eq!(go_pow(-1.0, 1e300), 1.0);
        assert_eq!(go_pow(0.0, -3.0), f64::INFINITY);
    }
}
