//! Network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`, `cidrcontains`.
//!
//! Addresses are held the way Go's `net.IP` holds them after `ParseCIDR`, because Terraform's
//! results depend on it: dotted IPv4 is a 32-bit address, anything written in IPv6 syntax is a
//! 128-bit one, and IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) print as dotted IPv4. Parsing
//! follows Go 1.16 (Terraform 1.0.3's toolchain), which still accepts leading zeros in IPv4
//! octets (`010.1.0.0` is `10.1.0.0`).

use super::numeric::{number, whole_big, whole_i64};
use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
use crate::value::{Type, Value};
use num_bigint::{BigInt, Sign};
use num_traits::{One, ToPrimitive, Zero};

pub fn register(t: &mut FuncTable) {
    let prefix = || Param::new("prefix", Type::String);
    t.add(Function::new(
        "cidrhost",
        vec![prefix(), Param::new("hostnum", Type::Number)],
        Type::String,
        cidrhost,
    ));
    t.add(Function::new(
        "cidrnetmask",
        vec![prefix()],
        Type::String,
        cidrnetmask,
    ));
    t.add(Function::new(
        "cidrsubnet",
        vec![
            prefix(),
            Param::new("newbits", Type::Number),
            Param::new("netnum", Type::Number),
        ],
        Type::String,
        cidrsubnet,
    ));
    t.add(
        Function::new(
            "cidrsubnets",
            vec![prefix()],
            Type::list(Type::String),
            cidrsubnets,
        )
        .variadic(Param::new("newbits", Type::Number)),
    );
    t.add(Function::new(
        "cidrcontains",
        vec![
            Param::new("containing_prefix", Type::String),
            Param::new("contained_ip_or_prefix", Type::String),
        ],
        Type::Bool,
        cidrcontains,
    ));
}

/// An address with the length Go's `net.IP` gives it: 32 or 128 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ip {
    value: u128,
    bits: u32,
}

impl Ip {
    /// Go's `IP.To4`: the IPv4 address of a dotted or IPv4-mapped address.
    fn to4(self) -> Option<u32> {
        let mapped = self.bits == 128 && self.value >> 32 == 0xffff;
        (self.bits == 32 || mapped).then_some(self.value as u32)
    }
}

/// A network prefix; the address has its host bits cleared, except for `cidrsubnet` results
/// with negative `newbits`, whose prefix may also be negative (Terraform then prints `<nil>`).
#[derive(Clone, Copy, Debug)]
struct Network {
    ip: Ip,
    prefix: i64,
}

fn all_ones(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// The host part of a `bits`-wide address under a prefix of `prefix` bits.
fn host_mask(prefix: i64, bits: u32) -> u128 {
    let host_bits = (i64::from(bits) - prefix.clamp(0, i64::from(bits))) as u32;
    all_ones(host_bits)
}

fn net_mask(prefix: i64, bits: u32) -> u128 {
    all_ones(bits) & !host_mask(prefix, bits)
}

// ---- parsing, as Go 1.16's net package ----

/// Go's `dtoi`/`xtoi`: a run of digits in `radix`, refusing values from 0xFFFFFF up.
fn leading_number(s: &[u8], radix: u32) -> Option<(u32, usize)> {
    let mut value = 0u32;
    let mut used = 0;
    for &c in s {
        let Some(d) = char::from(c).to_digit(radix) else {
            break;
        };
        value = value * radix + d;
        if value >= 0xFF_FFFF {
            return None;
        }
        used += 1;
    }
    (used > 0).then_some((value, used))
}

fn parse_ipv4(s: &[u8]) -> Option<u32> {
    let mut rest = s;
    let mut value = 0u32;
    for i in 0..4 {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        let (octet, used) = leading_number(rest, 10)?;
        if octet > 0xff {
            return None;
        }
        value = value << 8 | octet;
        rest = &rest[used..];
    }
    rest.is_empty().then_some(value)
}

fn parse_ipv6(s: &[u8]) -> Option<u128> {
    let mut groups = [0u16; 8];
    let mut filled = 0;
    let mut ellipsis: Option<usize> = None;
    let mut rest = s;
    if let Some(after) = rest.strip_prefix(b"::") {
        ellipsis = Some(0);
        rest = after;
    }
    while !rest.is_empty() && filled < 8 {
        let (group, used) = leading_number(rest, 16)?;
        if rest.get(used) == Some(&b'.') {
            // A trailing dotted IPv4 address fills the last two groups.
            if (ellipsis.is_none() && filled != 6) || filled > 6 {
                return None;
            }
            let v4 = parse_ipv4(rest)?;
            groups[filled] = (v4 >> 16) as u16;
            groups[filled + 1] = v4 as u16;
            filled += 2;
            rest = b"";
            break;
        }
        if group > 0xffff {
            return None;
        }
        groups[filled] = group as u16;
        filled += 1;
        rest = &rest[used..];
        if rest.is_empty() {
            break;
        }
        if rest[0] != b':' || rest.len() == 1 {
            return None;
        }
        rest = &rest[1..];
        if rest[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(filled);
            rest = &rest[1..];
        }
    }
    if !rest.is_empty() {
        return None;
    }
    if filled < 8 {
        let at = ellipsis?;
        let moved = filled - at;
        groups.copy_within(at..filled, 8 - moved);
        groups[at..8 - moved].fill(0);
    } else if ellipsis.is_some() {
        // "::" must stand for at least one group.
        return None;
    }
    Some(
        groups
            .iter()
            .fold(0u128, |acc, g| acc << 16 | u128::from(*g)),
    )
}

/// Go's `ParseIP`: the first `.` or `:` decides between IPv4 and IPv6.
fn parse_ip(s: &str) -> Option<Ip> {
    match s.bytes().find(|c| *c == b'.' || *c == b':')? {
        b'.' => parse_ipv4(s.as_bytes()).map(|v| Ip {
            value: u128::from(v),
            bits: 32,
        }),
        _ => parse_ipv6(s.as_bytes()).map(|value| Ip { value, bits: 128 }),
    }
}

/// Go's `ParseCIDR`, with its error wording.
fn parse_cidr(s: &str) -> Result<Network, String> {
    let invalid = || format!("invalid CIDR address: {s}");
    let (addr, len) = s.split_once('/').ok_or_else(invalid)?;
    let ip = match parse_ipv4(addr.as_bytes()) {
        Some(v) => Ip {
            value: u128::from(v),
            bits: 32,
        },
        None => Ip {
            value: parse_ipv6(addr.as_bytes()).ok_or_else(invalid)?,
            bits: 128,
        },
    };
    let prefix = match leading_number(len.as_bytes(), 10) {
        Some((n, used)) if used == len.len() && n <= ip.bits => i64::from(n),
        _ => return Err(invalid()),
    };
    let value = ip.value & net_mask(prefix, ip.bits);
    Ok(Network {
        ip: Ip { value, ..ip },
        prefix,
    })
}

/// `ParseCIDR` as the cidr* functions report its failure.
fn parse_prefix_arg(v: &Value) -> Result<Network, String> {
    parse_cidr(v.as_str().unwrap_or_default()).map_err(|e| format!("invalid CIDR expression: {e}"))
}

// ---- printing, as Go's IP.String and IPNet.String ----

fn fmt_ipv4(v: u32) -> String {
    let [a, b, c, d] = v.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// RFC 5952 form: the first longest run of two or more zero groups becomes `::`.
fn fmt_ipv6(v: u128) -> String {
    let groups: Vec<u16> = (0..8).rev().map(|i| (v >> (16 * i)) as u16).collect();
    let (mut run_start, mut run_len) = (8, 0);
    let mut i = 0;
    while i < 8 {
        let zeros = groups[i..].iter().take_while(|g| **g == 0).count();
        if zeros > run_len {
            (run_start, run_len) = (i, zeros);
        }
        i += zeros.max(1);
    }
    if run_len < 2 {
        run_start = 8;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == run_start {
            out.push_str("::");
            i += run_len;
            continue;
        }
        if i > 0 && i != run_start + run_len {
            out.push(':');
        }
        out.push_str(&format!("{:x}", groups[i]));
        i += 1;
    }
    out
}

fn fmt_ip(ip: Ip) -> String {
    match ip.to4() {
        Some(v4) => fmt_ipv4(v4),
        None => fmt_ipv6(ip.value),
    }
}

fn fmt_network(n: &Network) -> String {
    if n.prefix < 0 {
        // Go's CIDRMask gives no mask for a negative length, and IPNet.String says so.
        return "<nil>".to_string();
    }
    match n.ip.to4() {
        Some(v4) if n.ip.bits == 128 => format!("{}/{}", fmt_ipv4(v4), (n.prefix - 96).max(0)),
        Some(v4) => format!("{}/{}", fmt_ipv4(v4), n.prefix),
        None => format!("{}/{}", fmt_ipv6(n.ip.value), n.prefix),
    }
}

/// Go's `IPNet.Contains`: IPv4 and IPv4-mapped addresses compare as IPv4, and an address of
/// the other family is never contained.
fn contains(n: &Network, ip: Ip) -> bool {
    let (net_value, bits, prefix) = match n.ip.to4() {
        Some(v4) if n.ip.bits == 128 => (u128::from(v4), 32, (n.prefix - 96).max(0)),
        Some(v4) => (u128::from(v4), 32, n.prefix),
        None => (n.ip.value, 128, n.prefix),
    };
    let value = match ip.to4() {
        Some(v4) if bits == 32 => u128::from(v4),
        None if bits == 128 => ip.value,
        _ => return false,
    };
    let mask = net_mask(prefix, bits);
    net_value & mask == value & mask
}

// ---- the functions ----

fn cidrhost(_: &FuncContext, args: &[Value]) -> FuncResult {
    let hostnum = whole_big(number(&args[1])?).map_err(FuncError::call)?;
    let net = parse_prefix_arg(&args[0]).map_err(FuncError::call)?;
    let host_bits = i64::from(net.ip.bits) - net.prefix;
    let max = (BigInt::one() << host_bits as usize) - 1;
    // Negative host numbers count back from the last address: -1 is the last one.
    let num = if hostnum.sign() == Sign::Minus {
        &max + 1 + hostnum
    } else {
        hostnum
    };
    // Terraform checks only the low 64 bits of a positive host number and so wraps into the
    // network part (or panics) beyond them; any number outside the prefix is refused here.
    let host = match num.to_u128() {
        Some(h) if num <= max => h,
        _ => {
            return Err(FuncError::call(format!(
                "prefix of {} does not accommodate a host numbered {num}",
                net.prefix
            )))
        }
    };
    // go-cidr places the host number of an IPv4-mapped prefix 96 bits up, as if the address
    // were 32 bits wide; Terraform's result is then an IPv6 address, and so is ours.
    let shift = if net.ip.bits == 128 && net.ip.to4().is_some() {
        96
    } else {
        0
    };
    Ok(Value::from(fmt_ip(Ip {
        value: net.ip.value | host << shift,
        bits: net.ip.bits,
    })))
}

fn cidrnetmask(_: &FuncContext, args: &[Value]) -> FuncResult {
    let net = parse_prefix_arg(&args[0]).map_err(FuncError::call)?;
    let mask = Ip {
        value: net_mask(net.prefix, net.ip.bits),
        bits: net.ip.bits,
    };
    Ok(Value::from(fmt_ip(mask)))
}

fn cidrsubnet(_: &FuncContext, args: &[Value]) -> FuncResult {
    let newbits = whole_i64(number(&args[1])?).map_err(FuncError::call)?;
    let netnum = whole_big(number(&args[2])?).map_err(FuncError::call)?;
    let net = parse_prefix_arg(&args[0]).map_err(FuncError::call)?;
    let bits = i64::from(net.ip.bits);
    let new_prefix = i128::from(net.prefix) + i128::from(newbits);
    if new_prefix > i128::from(bits) {
        return Err(FuncError::call(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        )));
    }
    let refuse = || {
        FuncError::call(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ))
    };
    // Terraform lets a negative netnum or newbits through: the former yields an unrelated
    // address, so it is refused; the latter shortens the prefix without clearing bits
    // ("11.0.0.0/8" by -1 is "11.0.0.0/7"), which is kept.
    if netnum.sign() == Sign::Minus || (newbits >= 0 && netnum.bits() > newbits.unsigned_abs()) {
        return Err(refuse());
    }
    let shift = i128::from(bits) - new_prefix;
    let value = if netnum.is_zero() {
        net.ip.value
    } else {
        let placed = u64::try_from(shift)
            .ok()
            .filter(|s| netnum.bits() + s <= bits as u64)
            .and_then(|s| (&netnum << s).to_u128())
            .ok_or_else(refuse)?;
        net.ip.value | placed
    };
    Ok(Value::from(fmt_network(&Network {
        ip: Ip { value, ..net.ip },
        prefix: new_prefix as i64,
    })))
}

fn cidrsubnets(_: &FuncContext, args: &[Value]) -> FuncResult {
    let net = parse_prefix_arg(&args[0]).map_err(|e| FuncError::arg(0, e))?;
    let lengths = &args[1..];
    let Some(first) = lengths.first() else {
        return Ok(Value::list(Type::String, vec![]));
    };
    let newbits = |i: usize, v: &Value| {
        number(v).and_then(|n| whole_i64(n).map_err(|m| FuncError::arg(i, m)))
    };
    let bits = net.ip.bits;
    let width = all_ones(bits);
    let first_len = i128::from(net.prefix) + i128::from(newbits(1, first)?);
    // The subnet just below the prefix, at the first requested length. go-cidr computes it
    // on the 32-bit form of an IPv4-mapped prefix with a 128-bit length, which yields no
    // network at all ("<nil>"), so such prefixes always fail below.
    let mut current = (net.ip.to4().is_none() || bits == 32)
        .then(|| i64::try_from(first_len).ok())
        .flatten()
        .filter(|len| (0..=i64::from(bits)).contains(len))
        .map(|len| Network {
            ip: Ip {
                value: net.ip.value.wrapping_sub(1) & width & net_mask(len, bits),
                bits,
            },
            prefix: len,
        });
    let mut out = Vec::with_capacity(lengths.len());
    for (i, arg) in lengths.iter().enumerate() {
        let index = i + 1;
        let extend = newbits(index, arg)?;
        if extend < 1 {
            return Err(FuncError::arg(
                index,
                "must extend prefix by at least one bit",
            ));
        }
        if extend > 32 {
            return Err(FuncError::arg(
                index,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let length = net.prefix + extend;
        if length > i64::from(bits) {
            let family = if bits == 32 { "IPv4" } else { "IPv6" };
            return Err(FuncError::arg(
                index,
                format!(
                    "would extend prefix to {length} bits, which is too long for an {family} address"
                ),
            ));
        }
        // The next subnet of this length after the one holding the current subnet's last
        // address; running past the top of the address space or out of the prefix fails.
        let next = current.and_then(|c| {
            let last = c.ip.value | host_mask(c.prefix, bits) | host_mask(length, bits);
            let start = last.wrapping_add(1) & width;
            let next = Network {
                ip: Ip { value: start, bits },
                prefix: length,
            };
            (start != 0 && contains(&net, next.ip)).then_some(next)
        });
        let Some(next) = next else {
            let after = current.map_or_else(|| "<nil>".to_string(), |c| fmt_network(&c));
            return Err(FuncError::arg(
                index,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after {after}"
                ),
            ));
        };
        out.push(Value::from(fmt_network(&next)));
        current = Some(next);
    }
    Ok(Value::list(Type::String, out))
}

fn cidrcontains(_: &FuncContext, args: &[Value]) -> FuncResult {
    let prefix = args[0].as_str().unwrap_or_default();
    let addr = args[1].as_str().unwrap_or_default();
    let containing = parse_cidr(prefix).map_err(FuncError::call)?;
    let (start, end) = match parse_ip(addr) {
        Some(ip) => (ip, None),
        None => {
            let inner = parse_cidr(addr)
                .map_err(|_| FuncError::call(format!("invalid IP address or prefix: {addr}")))?;
            let last = inner.ip.value | host_mask(inner.prefix, inner.ip.bits);
            (
                inner.ip,
                Some(Ip {
                    value: last,
                    ..inner.ip
                }),
            )
        }
    };
    if start.to4().is_none() != containing.ip.to4().is_none() {
        return Err(FuncError::call(format!(
            "address family mismatch: {prefix} vs. {addr}"
        )));
    }
    let inside = contains(&containing, start) && end.is_none_or(|e| contains(&containing, e));
    Ok(Value::Bool(inside))
}

#[cfg(test)]
mod tests {
    use super::super::call_builtin;
    use super::*;
    use crate::value::Number;

    fn n(s: &str) -> Value {
        Value::Number(Number::parse(s).expect("a number literal"))
    }

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

    fn list(v: &[&str]) -> String {
        Value::list(Type::String, v.iter().map(|e| s(e)).collect()).to_string()
    }

    #[test]
    fn cidrhost_counts_from_either_end() {
        let cases = [
            ("010.001.0.0/24", "6", "10.1.0.6"),
            ("192.168.1.0/24", "-256", "192.168.1.0"),
            ("192.168.1.0/24", "-5", "192.168.1.251"),
            ("192.168.1.0/24", "5", "192.168.1.5"),
            ("192.168.1.0/30", "-4", "192.168.1.0"),
            ("1.2.3.4/32", "0", "1.2.3.4"),
            ("1.2.3.4/024", "0", "1.2.3.0"),
            ("0000000001.2.3.4/24", "1", "1.2.3.1"),
            ("00001::/24", "1", "1::1"),
            ("0.0.0.0/0", "-1", "255.255.255.255"),
            ("::/0", "-1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            (
                "fe80::/64",
                "18446744073709551615",
                "fe80::ffff:ffff:ffff:ffff",
            ),
            ("fe80::/64", "-18446744073709551616", "fe80::"),
            ("fe80::/16", "1267650600228229401496703205376", "fe80:10::"),
            ("::1.2.3.4/120", "7", "::102:307"),
            ("::ffff:192.168.0.0/112", "5", "0:5::ffff:c0a8:0"),
            ("::ffff:192.168.0.0/112", "-1", "0:ffff::ffff:c0a8:0"),
        ];
        for (prefix, host, want) in cases {
            assert_eq!(
                ok("cidrhost", &[s(prefix), n(host)]),
                want,
                "cidrhost({prefix}, {host})"
            );
        }
    }

    #[test]
    fn cidrhost_errors_are_worded_as_terraform() {
        let call = |detail: &str| format!("Call to function \"cidrhost\" failed: {detail}.");
        assert_eq!(
            err("cidrhost", &[s("10.256.0.0/8"), n("0.75")]),
            call("value must be a whole number")
        );
        assert_eq!(
            err("cidrhost", &[s("10.256.0.0/8"), n("6")]),
            call("invalid CIDR expression: invalid CIDR address: 10.256.0.0/8")
        );
        assert_eq!(
            err("cidrhost", &[s("not-a-cidr"), n("6")]),
            call("invalid CIDR expression: invalid CIDR address: not-a-cidr")
        );
        assert_eq!(
            err("cidrhost", &[s("192.168.1.0/30"), n("-255")]),
            call("prefix of 30 does not accommodate a host numbered -251")
        );
        assert_eq!(
            err("cidrhost", &[s("192.168.1.0/30"), n("-5")]),
            call("prefix of 30 does not accommodate a host numbered -1")
        );
        assert_eq!(
            err("cidrhost", &[s("192.168.1.0/30"), n("255")]),
            call("prefix of 30 does not accommodate a host numbered 255")
        );
        assert_eq!(
            err("cidrhost", &[s("fe80::/64"), n("-18446744073709551617")]),
            call("prefix of 64 does not accommodate a host numbered -1")
        );
        assert_eq!(
            err("cidrhost", &[s("fe80::/64"), n("18446744073709551616")]),
            call("prefix of 64 does not accommodate a host numbered 18446744073709551616")
        );
        assert!(call_builtin("cidrhost", &[s("1.2.3.4/24"), n("1e99999")]).is_err());
        for bad in [
            "1.2.3.4/33",
            "1.2.3.4",
            "fe80::1%eth0/64",
            " 1.2.3.4/24",
            "1.2.3.4/ 24",
            "1.2.3.4/",
            "1.2.3/8",
            "1.2.3.4.5/8",
            "1:2:3:4:5:6:7:8:9/64",
            "1::2::3/64",
            "::1.2.3.4:5/64",
            "1:2:3:4:5:6:7::8/64",
            "12345::/16",
            ":/0",
            "/8",
        ] {
            assert!(
                err("cidrhost", &[s(bad), n("0")]).contains("invalid CIDR address"),
                "{bad} must be refused"
            );
        }
        assert_eq!(
            err(
                "cidrhost",
                &[s("1.2.3.4/24"), Value::Number(Number::PosInf)]
            ),
            call("value must be a whole number")
        );
    }

    #[test]
    fn cidrnetmask_prints_the_mask_as_an_address() {
        let cases = [
            ("0.0.0.0/0", "0.0.0.0"),
            ("010.001.0.0/24", "255.255.255.0"),
            ("192.168.1.0/24", "255.255.255.0"),
            ("192.168.1.0/32", "255.255.255.255"),
            ("10.1.2.3/8", "255.0.0.0"),
            ("1::/64", "ffff:ffff:ffff:ffff::"),
            ("::/0", "::"),
            (
                "::ffff:192.168.0.0/112",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:0",
            ),
        ];
        for (prefix, want) in cases {
            assert_eq!(
                ok("cidrnetmask", &[s(prefix)]),
                want,
                "cidrnetmask({prefix})"
            );
        }
        for bad in ["110.256.0.0/8", "not-a-cidr"] {
            assert_eq!(
                err("cidrnetmask", &[s(bad)]),
                format!("Call to function \"cidrnetmask\" failed: invalid CIDR expression: invalid CIDR address: {bad}.")
            );
        }
    }

    #[test]
    fn cidrsubnet_extends_the_prefix() {
        let cases = [
            ("010.001.0.0/24", "4", "1", "10.1.0.16/28"),
            ("192.168.2.0/20", "4", "6", "192.168.6.0/24"),
            ("::ffff:192.168.0.0/112", "8", "6", "192.168.6.0/24"),
            ("fe80::/48", "16", "6", "fe80:0:0:6::/64"),
            ("fe80::/48", "33", "6", "fe80::3:0:0:0/81"),
            ("10.0.0.0/8", "0", "0", "10.0.0.0/8"),
            ("10.1.2.3/8", "8", "1", "10.1.0.0/16"),
            ("::/0", "128", "1", "::1/128"),
            (
                "::/0",
                "100",
                "1267650600228229401496703205375",
                "ffff:ffff:ffff:ffff:ffff:ffff:f000:0/100",
            ),
            ("::ffff:0:0/96", "8", "3", "3.0.0.0/8"),
            ("::/64", "32", "65535", "0.0.0.0/0"),
            ("::ffff:192.168.0.0/112", "16", "5", "192.168.0.5/32"),
            ("10.0.0.0/8", "-1", "0", "10.0.0.0/7"),
            ("11.0.0.0/8", "-1", "0", "11.0.0.0/7"),
            ("10.0.0.0/8", "-1", "1", "10.0.0.0/7"),
            ("10.0.0.0/8", "-8", "0", "10.0.0.0/0"),
            ("10.0.0.0/8", "-9", "0", "<nil>"),
        ];
        for (prefix, newbits, netnum, want) in cases {
            assert_eq!(
                ok("cidrsubnet", &[s(prefix), n(newbits), n(netnum)]),
                want,
                "cidrsubnet({prefix}, {newbits}, {netnum})"
            );
        }
    }

    #[test]
    fn cidrsubnet_errors_are_worded_as_terraform() {
        let call = |detail: &str| format!("Call to function \"cidrsubnet\" failed: {detail}.");
        assert_eq!(
            err("cidrsubnet", &[s("10.256.0.0/8"), n("4"), n("6")]),
            call("invalid CIDR expression: invalid CIDR address: 10.256.0.0/8")
        );
        assert_eq!(
            err("cidrsubnet", &[s("192.168.0.0/168"), n("2"), n("16")]),
            call("invalid CIDR expression: invalid CIDR address: 192.168.0.0/168")
        );
        assert_eq!(
            err("cidrsubnet", &[s("192.168.0.0/30"), n("4"), n("6")]),
            call("insufficient address space to extend prefix of 30 by 4")
        );
        assert_eq!(
            err("cidrsubnet", &[s("not-a-cidr"), n("4"), n("6")]),
            call("invalid CIDR expression: invalid CIDR address: not-a-cidr")
        );
        assert_eq!(
            err("cidrsubnet", &[s("10.0.0.0/8"), n("8"), n("256")]),
            call("prefix extension of 8 does not accommodate a subnet numbered 256")
        );
        assert_eq!(
            err("cidrsubnet", &[s("::/0"), n("100"), n("1267650600228229401496703205376")]),
            call("prefix extension of 100 does not accommodate a subnet numbered 1267650600228229401496703205376")
        );
        assert_eq!(
            err("cidrsubnet", &[s("10.0.0.0/8"), n("8"), n("-1")]),
            call("prefix extension of 8 does not accommodate a subnet numbered -1")
        );
        assert_eq!(
            err("cidrsubnet", &[s("10.0.0.0/8"), n("0.5"), n("0")]),
            call("value must be a whole number, between -9223372036854775808 and 9223372036854775807")
        );
        assert_eq!(
            err("cidrsubnet", &[s("10.0.0.0/8"), n("8"), n("0.5")]),
            call("value must be a whole number")
        );
        assert!(call_builtin(
            "cidrsubnet",
            &[s("10.0.0.0/8"), n("9223372036854775807"), n("1")]
        )
        .is_err());
        assert!(call_builtin(
            "cidrsubnet",
            &[s("10.0.0.0/8"), n("-9223372036854775808"), n("1")]
        )
        .is_err());
        assert_eq!(
            ok(
                "cidrsubnet",
                &[s("10.0.0.0/8"), n("-9223372036854775808"), n("0")]
            ),
            "<nil>"
        );
    }

    #[test]
    fn cidrsubnets_allocates_consecutive_subnets() {
        let cases: [(&str, &[&str], &[&str]); 8] = [
            ("010.0.0.0/21", &["3"], &["10.0.0.0/24"]),
            (
                "10.0.0.0/21",
                &["3", "3", "3", "4", "4", "4", "7", "7", "7"],
                &[
                    "10.0.0.0/24",
                    "10.0.1.0/24",
                    "10.0.2.0/24",
                    "10.0.3.0/25",
                    "10.0.3.128/25",
                    "10.0.4.0/25",
                    "10.0.4.128/28",
                    "10.0.4.144/28",
                    "10.0.4.160/28",
                ],
            ),
            (
                "10.0.0.0/8",
                &["8", "8", "16", "8"],
                &["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/24", "10.3.0.0/16"],
            ),
            (
                "2001:db8:1100::/56",
                &["8", "8", "8", "8"],
                &[
                    "2001:db8:1100::/64",
                    "2001:db8:1100:1::/64",
                    "2001:db8:1100:2::/64",
                    "2001:db8:1100:3::/64",
                ],
            ),
            ("10.0.0.0/24", &["4", "2"], &["10.0.0.0/28", "10.0.0.64/26"]),
            (
                "10.0.0.0/8",
                &["8", "16", "8"],
                &["10.0.0.0/16", "10.1.0.0/24", "10.2.0.0/16"],
            ),
            ("10.1.2.3/8", &["8"], &["10.0.0.0/16"]),
            ("10.0.0.0/8", &[], &[]),
        ];
        for (prefix, bits, want) in cases {
            let mut args = vec![s(prefix)];
            args.extend(bits.iter().map(|b| n(b)));
            assert_eq!(
                ok("cidrsubnets", &args),
                list(want),
                "cidrsubnets({prefix}, {bits:?})"
            );
        }
    }

    #[test]
    fn cidrsubnets_errors_are_worded_as_terraform() {
        let cases: [(&str, &[&str], &str); 14] = [
            ("10.0.0.0/30", &["1", "3"], "Invalid value for \"newbits\" parameter: would extend prefix to 33 bits, which is too long for an IPv4 address."),
            ("10.0.0.0/8", &["1", "-1"], "Invalid value for \"newbits\" parameter: must extend prefix by at least one bit."),
            ("10.0.0.0/8", &["1", "0"], "Invalid value for \"newbits\" parameter: must extend prefix by at least one bit."),
            ("10.0.0.0/8", &["1", "1", "1"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 9 bits after 10.128.0.0/9."),
            ("2001:0db8:0102:0304::/64", &["32", "56", "63", "64"], "Invalid value for \"newbits\" parameter: may not extend prefix by more than 32 bits."),
            ("2001:db8:1100::/125", &["2", "2", "2", "2", "2"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 127 bits after 2001:db8:1100::6/127."),
            ("2001:db8:ffff::/127", &["2"], "Invalid value for \"newbits\" parameter: would extend prefix to 129 bits, which is too long for an IPv6 address."),
            ("::/1", &["129"], "Invalid value for \"newbits\" parameter: may not extend prefix by more than 32 bits."),
            ("0.0.0.0/0", &["1"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 1 bits after 128.0.0.0/1."),
            ("0.0.0.0/0", &["2", "1"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 2 bits after 192.0.0.0/2."),
            ("::/0", &["1"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 1 bits after 8000::/1."),
            ("255.255.255.0/24", &["1", "1", "1"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 25 bits after 255.255.255.128/25."),
            ("::ffff:10.0.0.0/104", &["8"], "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 112 bits after <nil>."),
            ("10.0.0.0/8", &["0.5"], "Invalid value for \"newbits\" parameter: value must be a whole number, between -9223372036854775808 and 9223372036854775807."),
        ];
        for (prefix, bits, want) in cases {
            let mut args = vec![s(prefix)];
            args.extend(bits.iter().map(|b| n(b)));
            assert_eq!(
                err("cidrsubnets", &args),
                want,
                "cidrsubnets({prefix}, {bits:?})"
            );
        }
        assert_eq!(
            err("cidrsubnets", &[s("bad"), n("1")]),
            "Invalid value for \"prefix\" parameter: invalid CIDR expression: invalid CIDR address: bad."
        );
    }

    #[test]
    fn cidrcontains_checks_addresses_and_prefixes() {
        let cases = [
            ("192.168.1.0/24", "192.168.1.1", true),
            ("192.168.1.0/24", "192.168.2.1", false),
            ("192.168.1.0/24", "192.168.1.128/25", true),
            ("192.168.1.0/24", "192.168.1.0/23", false),
            ("192.168.1.0/24", "192.168.1.0/24", true),
            ("fd00::/8", "fd00::1", true),
            ("fd00::/8", "fe00::1", false),
            ("fd00::/8", "fd00:1::/32", true),
            ("fd00::/8", "fc00::/7", false),
            ("::ffff:10.0.0.0/104", "10.1.2.3", true),
            ("10.0.0.0/8", "::ffff:10.1.2.3", true),
        ];
        for (prefix, addr, want) in cases {
            assert_eq!(
                call_builtin("cidrcontains", &[s(prefix), s(addr)])
                    .unwrap()
                    .as_bool(),
                Some(want),
                "cidrcontains({prefix}, {addr})"
            );
        }
    }

    #[test]
    fn cidrcontains_errors() {
        let call = |detail: &str| format!("Call to function \"cidrcontains\" failed: {detail}.");
        assert_eq!(
            err("cidrcontains", &[s("192.168.1.0"), s("192.168.1.1")]),
            call("invalid CIDR address: 192.168.1.0")
        );
        assert_eq!(
            err("cidrcontains", &[s("192.168.1.0/24"), s("not-an-ip")]),
            call("invalid IP address or prefix: not-an-ip")
        );
        assert_eq!(
            err("cidrcontains", &[s("192.168.1.0/24"), s("fd00::1")]),
            call("address family mismatch: 192.168.1.0/24 vs. fd00::1")
        );
        assert_eq!(
            err("cidrcontains", &[s("fd00::/8"), s("10.0.0.0/8")]),
            call("address family mismatch: fd00::/8 vs. 10.0.0.0/8")
        );
    }

    #[test]
    fn unknown_and_sensitive_arguments_pass_through() {
        let v = call_builtin(
            "cidrsubnets",
            &[s("10.0.0.0/8"), Value::Unknown(Type::Number)],
        )
        .unwrap();
        assert!(!v.is_known());
        assert_eq!(v.ty(), Type::list(Type::String));
        let v = call_builtin("cidrhost", &[s("10.0.0.0/8").mark_sensitive(), n("1")]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.as_str(), Some("10.0.0.1"));
    }

    #[test]
    fn ipv6_printing_compresses_the_first_longest_zero_run() {
        let cases = [
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            ("1:0:0:1:1:0:0:1", "1::1:1:0:0:1"),
            ("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("::fffe:1.2.3.4", "::fffe:102:304"),
        ];
        for (text, want) in cases {
            let value = parse_ipv6(text.as_bytes()).expect(text);
            assert_eq!(fmt_ipv6(value), want);
        }
    }
}
