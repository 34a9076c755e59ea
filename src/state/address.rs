//! Reading back the address strings a state file holds: `module` paths such as
//! `module.a["x"].module.b[0]` and `dependencies` such as `module.a.data.t.n`.
//!
//! Terraform parses these as HCL traversals. Keys may be written with HCL's escapes or with
//! Go's `%q` escapes (what `InstanceKey`'s Display produces), so both are accepted; whatever
//! `ModuleInstance` prints must parse back to the same value.

use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr};
use crate::config::ResourceMode;

/// Parses a module instance path; the empty string is the root module.
pub fn parse_module_instance(s: &str) -> Result<ModuleInstance, String> {
    let mut p = Parser::new(s);
    let mut steps = Vec::new();
    if s.is_empty() {
        return Ok(ModuleInstance(steps));
    }
    loop {
        steps.push(p.module_step()?);
        if p.at_end() {
            return Ok(ModuleInstance(steps));
        }
        p.expect('.')?;
    }
}

/// Parses an absolute resource address without an instance key (`dependencies` entries).
/// Module instance keys are accepted and dropped, as Terraform keeps only the configuration
/// address of a dependency.
pub fn parse_config_resource(s: &str) -> Result<ResourceAddr, String> {
    let mut p = Parser::new(s);
    let mut module = Vec::new();
    let mut first = p.ident()?;
    while first == "module" && p.peek() == Some('.') {
        p.expect('.')?;
        let name = p.ident()?;
        if p.peek() == Some('[') {
            p.key()?;
        }
        module.push((name, InstanceKey::None));
        p.expect('.')?;
        first = p.ident()?;
    }
    let mode = if first == "data" {
        p.expect('.')?;
        first = p.ident()?;
        ResourceMode::Data
    } else {
        ResourceMode::Managed
    };
    p.expect('.')?;
    let name = p.ident()?;
    if !p.at_end() {
        return Err(format!("unexpected {:?} after the resource name", p.rest()));
    }
    Ok(ResourceAddr {
        module: ModuleInstance(module),
        mode,
        type_name: first,
        name,
    })
}

/// A resource address as `dependencies` lists it: module path without keys.
pub fn config_resource_string(addr: &ResourceAddr) -> String {
    let mut out = String::new();
    for (name, _) in &addr.module.0 {
        out.push_str("module.");
        out.push_str(name);
        out.push('.');
    }
    if addr.mode == ResourceMode::Data {
        out.push_str("data.");
    }
    out.push_str(&addr.type_name);
    out.push('.');
    out.push_str(&addr.name);
    out
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Parser<'a> {
        Parser { s, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn expect(&mut self, want: char) -> Result<(), String> {
        match self.bump() {
            Some(c) if c == want => Ok(()),
            Some(c) => Err(format!("expected {want:?}, found {c:?}")),
            None => Err(format!("expected {want:?} at the end")),
        }
    }

    /// An HCL identifier: a letter or `_`, then letters, digits, `_` and `-`.
    fn ident(&mut self) -> Result<String, String> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_alphabetic() || c == '_' => {
                self.bump();
            }
            Some(c) => return Err(format!("expected a name, found {c:?}")),
            None => return Err("expected a name at the end".into()),
        }
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                self.bump();
            } else {
                break;
            }
        }
        Ok(self.s[start..self.pos].to_string())
    }

    fn module_step(&mut self) -> Result<(String, InstanceKey), String> {
        let kw = self.ident()?;
        if kw != "module" {
            return Err(format!("expected \"module\", found {kw:?}"));
        }
        self.expect('.')?;
        let name = self.ident()?;
        let key = if self.peek() == Some('[') {
            self.key()?
        } else {
            InstanceKey::None
        };
        Ok((name, key))
    }

    /// `[0]` or `["key"]`.
    fn key(&mut self) -> Result<InstanceKey, String> {
        self.expect('[')?;
        let key = match self.peek() {
            Some('"') => InstanceKey::Str(self.quoted()?),
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.pos;
                self.bump();
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
                let digits = &self.s[start..self.pos];
                InstanceKey::Int(
                    digits
                        .parse()
                        .map_err(|_| format!("invalid index {digits:?}"))?,
                )
            }
            Some(c) => return Err(format!("expected an index, found {c:?}")),
            None => return Err("expected an index at the end".into()),
        };
        self.expect(']')?;
        Ok(key)
    }

    /// A quoted string with HCL's and Go's escapes. `$${` is kept as written: `InstanceKey`
    /// prints keys as Terraform 1.0 does (Go's `%q`), which does not double `${`.
    fn quoted(&mut self) -> Result<String, String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            let c = self.bump().ok_or("unterminated string")?;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = self.bump().ok_or("unterminated escape")?;
                    match e {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'a' => out.push('\u{07}'),
                        'b' => out.push('\u{08}'),
                        'f' => out.push('\u{0c}'),
                        'v' => out.push('\u{0b}'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'x' => out.push(self.hex_char(2)?),
                        'u' => out.push(self.hex_char(4)?),
                        'U' => out.push(self.hex_char(8)?),
                        other => return Err(format!("invalid escape \\{other}")),
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn hex_char(&mut self, digits: usize) -> Result<char, String> {
        let hex = self
            .rest()
            .get(..digits)
            .ok_or("truncated escape sequence")?;
        let code = u32::from_str_radix(hex, 16).map_err(|_| format!("invalid escape {hex:?}"))?;
        self.pos += digits;
        char::from_u32(code).ok_or_else(|| format!("invalid character code {hex:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn module_paths_parse_back_to_what_they_print() {
        let m = ModuleInstance::root()
            .child("a", InstanceKey::Str("x".into()))
            .child("b", InstanceKey::None)
            .child("c", InstanceKey::Int(10));
        assert_eq!(m.to_string(), "module.a[\"x\"].module.b.module.c[10]");
        assert_eq!(parse_module_instance(&m.to_string()), Ok(m));
        assert_eq!(parse_module_instance(""), Ok(ModuleInstance::root()));
    }

    #[test]
    fn hcl_escapes_in_keys_are_understood() {
        let m = parse_module_instance(r#"module.a["${x}\u00e9\U0001f600\x7f\n"]"#).unwrap();
        assert_eq!(m.0[0].1, InstanceKey::Str("${x}é😀\u{7f}\n".into()));
    }

    #[test]
    fn malformed_module_paths_are_refused() {
        for bad in [
            "module",
            "module.",
            "module.a[",
            "module.a[\"x]",
            "module.a[x]",
            "module.a.",
            "foo.a",
            "module.a[\"x\"]b",
            "module.a[\"\\q\"]",
        ] {
            assert!(parse_module_instance(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn dependencies_parse_as_configuration_addresses() {
        let r = parse_config_resource("module.a[\"k\"].module.b.data.http.x").unwrap();
        assert_eq!(r.mode, ResourceMode::Data);
        assert_eq!(r.type_name, "http");
        assert_eq!(config_resource_string(&r), "module.a.module.b.data.http.x");
        let r = parse_config_resource("null_resource.n").unwrap();
        assert_eq!(r.mode, ResourceMode::Managed);
        assert!(r.module.is_root());
        assert!(parse_config_resource("null_resource.n[0]").is_err());
        assert!(parse_config_resource("null_resource").is_err());
        assert!(parse_config_resource("module.a").is_err());
    }

    proptest! {
        #[test]
        fn any_printed_module_path_parses_back(
            steps in proptest::collection::vec(
                ("[a-z_][a-z0-9_-]{0,6}", prop_oneof![
                    Just(InstanceKey::None),
                    (0i64..100_000).prop_map(InstanceKey::Int),
                    any::<String>().prop_map(InstanceKey::Str),
                ]),
                1..4,
            )
        ) {
            let m = ModuleInstance(steps);
            prop_assert_eq!(parse_module_instance(&m.to_string()), Ok(m));
        }
    }
}
