//! A block's data as the Voiden app holds it: the JavaScript value that npm `yaml` 2.7.0's
//! `YAML.parse` gives for a YAML tree (YAML 1.2 core schema, plain JavaScript objects), which the
//! app later hands back to `YAML.stringify` ([`super::stringify`]).
//!
//! The JavaScript rules that show in the output are kept exactly: numbers are IEEE doubles
//! printed the way JavaScript prints them (`0x1F` is `31`, `1.50` is `1.5`, `1e21` is
//! `1e+21`), keys are strings (`1: x` has the key `"1"`, `null: x` the key `""`), and an object's
//! keys that are array indexes (`"0"`, `"12"`) come first in ascending order, the others in
//! insertion order, as in every JavaScript object.
//!
//! A tree that has no such value, or whose value the app would not get back unchanged, is
//! refused with the reason ([`NotPlainData`]): aliases, anchors and tags, a key that is a list
//! or a map, a repeated key (`YAML.parse` rejects those), an integer too large to convert
//! exactly here.

use std::fmt;

use super::node::{Node, Value};
use super::schema::{is_core_bool, is_core_null};
use super::{ScalarStyle, is_core_number};

/// A JavaScript value made of JSON-like data, with numbers as doubles.
#[derive(Debug, Clone, PartialEq)]
pub enum JsValue {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<JsValue>),
    Object(JsObject),
}

/// A plain JavaScript object: its properties in JavaScript's order (array-index keys first,
/// ascending; then the others in insertion order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsObject {
    entries: Vec<(String, JsValue)>,
}

/// Why a tree cannot be read as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotPlainData {
    /// `*alias`, `&anchor` or a `!tag`.
    AliasAnchorOrTag,
    /// A mapping key that is a list or a map.
    CollectionKey,
    /// The same key twice in one mapping.
    DuplicateKey(String),
    /// A `0x`/`0o` integer wider than 128 bits.
    HugeInteger,
}

impl fmt::Display for NotPlainData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotPlainData::AliasAnchorOrTag => f.write_str("it uses an alias, anchor or tag"),
            NotPlainData::CollectionKey => f.write_str("a key is a list or a map"),
            NotPlainData::DuplicateKey(k) => write!(f, "the key `{k}` is repeated"),
            NotPlainData::HugeInteger => f.write_str("an integer is too large"),
        }
    }
}

impl JsObject {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a property where JavaScript would put it. Refuses a key that is already there.
    pub fn insert(&mut self, key: String, value: JsValue) -> Result<(), NotPlainData> {
        if self.entries.iter().any(|(k, _)| *k == key) {
            return Err(NotPlainData::DuplicateKey(key));
        }
        let at = match array_index(&key) {
            Some(index) => self
                .entries
                .iter()
                .position(|(k, _)| array_index(k).is_none_or(|other| other > index))
                .unwrap_or(self.entries.len()),
            None => self.entries.len(),
        };
        self.entries.insert(at, (key, value));
        Ok(())
    }

    /// Builds an object whose properties keep exactly this order (for values built by the
    /// caller, such as a block with its keys in the app's order).
    pub fn from_ordered(entries: Vec<(String, JsValue)>) -> Self {
        JsObject { entries }
    }

    pub fn get(&self, key: &str) -> Option<&JsValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &JsValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn into_entries(self) -> Vec<(String, JsValue)> {
        self.entries
    }
}

/// The array index a property key stands for: a canonical decimal integer below 2^32 - 1.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    (n < u64::from(u32::MAX)).then_some(n as u32)
}

impl JsValue {
    /// The value `YAML.parse` gives for this tree.
    pub fn from_yaml(node: Node<'_>) -> Result<JsValue, NotPlainData> {
        if node.decorated() {
            return Err(NotPlainData::AliasAnchorOrTag);
        }
        match node.value() {
            Value::Alias => Err(NotPlainData::AliasAnchorOrTag),
            Value::Scalar(s) => {
                if s.style != ScalarStyle::Plain {
                    return Ok(JsValue::String(s.value.to_string()));
                }
                scalar_from_plain(s.value)
            }
            Value::Sequence { items, .. } => items
                .map(JsValue::from_yaml)
                .collect::<Result<Vec<_>, _>>()
                .map(JsValue::Array),
            Value::Mapping { entries, .. } => {
                let mut object = JsObject::new();
                for entry in entries {
                    if entry.key.is_collection() {
                        return Err(NotPlainData::CollectionKey);
                    }
                    let key = JsValue::from_yaml(entry.key)?.property_key();
                    object.insert(key, JsValue::from_yaml(entry.value)?)?;
                }
                Ok(JsValue::Object(object))
            }
        }
    }

    /// The property name JavaScript makes of this value used as a key (`String(value)`, with
    /// null giving `""` as `yaml` does).
    pub fn property_key(&self) -> String {
        match self {
            JsValue::Null => String::new(),
            JsValue::Bool(b) => b.to_string(),
            JsValue::Number(n) => {
                if n.is_nan() {
                    "NaN".into()
                } else if n.is_infinite() {
                    if *n > 0.0 { "Infinity" } else { "-Infinity" }.into()
                } else {
                    js_number_string(*n)
                }
            }
            JsValue::String(s) => s.clone(),
            JsValue::Array(_) | JsValue::Object(_) => String::new(),
        }
    }

    /// The same data: like `==`, except that NaN equals NaN (both are written `.nan`).
    pub fn same_data(&self, other: &JsValue) -> bool {
        match (self, other) {
            (JsValue::Number(a), JsValue::Number(b)) => a == b || (a.is_nan() && b.is_nan()),
            (JsValue::Array(a), JsValue::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_data(y))
            }
            (JsValue::Object(a), JsValue::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same_data(vb))
            }
            (a, b) => a == b,
        }
    }

    /// JavaScript's `String(value)`: what the app substitutes for a variable's value.
    pub fn to_js_string(&self) -> String {
        match self {
            JsValue::Null => "null".into(),
            JsValue::Array(items) => items
                .iter()
                .map(|v| match v {
                    JsValue::Null => String::new(),
                    v => v.to_js_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            JsValue::Object(_) => "[object Object]".into(),
            other => other.property_key(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&JsObject> {
        match self {
            JsValue::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// A plain scalar under the YAML 1.2 core schema, as `yaml` resolves it.
fn scalar_from_plain(text: &str) -> Result<JsValue, NotPlainData> {
    if is_core_null(text) {
        return Ok(JsValue::Null);
    }
    if is_core_bool(text) {
        return Ok(JsValue::Bool(text.starts_with(['t', 'T'])));
    }
    if !is_core_number(text) {
        return Ok(JsValue::String(text.to_string()));
    }
    let lower = text.to_ascii_lowercase();
    let number = if lower.ends_with(".nan") {
        f64::NAN
    } else if lower.ends_with(".inf") {
        if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    } else if let Some(hex) = text.strip_prefix("0x") {
        radix_integer(hex, 16)?
    } else if let Some(octal) = text.strip_prefix("0o") {
        radix_integer(octal, 8)?
    } else {
        // Decimal integers (`parseInt`) and floats (`parseFloat`) are both the nearest double.
        text.parse::<f64>().unwrap_or(f64::NAN)
    };
    Ok(JsValue::Number(number))
}

/// `parseInt(digits, radix)` for hexadecimal and octal digits, rounded to the nearest double.
fn radix_integer(digits: &str, radix: u32) -> Result<f64, NotPlainData> {
    let trimmed = digits.trim_start_matches('0');
    let value = u128::from_str_radix(if trimmed.is_empty() { "0" } else { trimmed }, radix)
        .map_err(|_| NotPlainData::HugeInteger)?;
    Ok(value as f64)
}

/// `String(n)` for a finite double, as JavaScript writes it (ECMAScript `Number::toString`):
/// the shortest digits that read back as the same double, in plain notation from 1e-7 up to
/// 1e21 and in exponent notation (`1e+21`, `1.5e-7`) beyond.
pub fn js_number_string(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust's `{:e}` writes the shortest round-trip digits: `d[.ddd]e<exp>`.
    let scientific = format!("{:e}", n.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let n_pos = exponent + 1;
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    if k <= n_pos && n_pos <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n_pos - k) as usize));
    } else if 0 < n_pos && n_pos <= 21 {
        out.push_str(&digits[..n_pos as usize]);
        out.push('.');
        out.push_str(&digits[n_pos as usize..]);
    } else if -6 < n_pos && n_pos <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n_pos) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n_pos > 0 { '+' } else { '-' });
        out.push_str(&(n_pos - 1).abs().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::yaml::{OffsetMap, parse};

    fn value(text: &str) -> Result<JsValue, NotPlainData> {
        let tree = parse(text, &OffsetMap::contiguous(text, 0))
            .unwrap()
            .unwrap();
        JsValue::from_yaml(tree.root())
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        for (n, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (-123.456, "-123.456"),
            (12345678901234567890.0, "12345678901234567000"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(js_number_string(n), s, "{n}");
        }
    }

    #[test]
    fn core_schema_values() {
        let v =
            value("a: 0x1F\nb: 0o17\nc: 1.50\nd: ~\ne: True\nf: .inf\ng: yes\nh: '1'\n").unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.get("a"), Some(&JsValue::Number(31.0)));
        assert_eq!(o.get("b"), Some(&JsValue::Number(15.0)));
        assert_eq!(o.get("c"), Some(&JsValue::Number(1.5)));
        assert_eq!(o.get("d"), Some(&JsValue::Null));
        assert_eq!(o.get("e"), Some(&JsValue::Bool(true)));
        assert_eq!(o.get("f"), Some(&JsValue::Number(f64::INFINITY)));
        assert_eq!(o.get("g"), Some(&JsValue::String("yes".into())));
        assert_eq!(o.get("h"), Some(&JsValue::String("1".into())));
    }

    #[test]
    fn keys_are_strings_in_javascript_order() {
        let v = value("b: 1\n10: 2\n2: 3\nnull: 4\n007: 5\n").unwrap();
        let keys: Vec<_> = v.as_object().unwrap().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["2", "7", "10", "b", ""]);
    }

    #[test]
    fn what_is_not_plain_data() {
        assert_eq!(
            value("a: 1\na: 2\n"),
            Err(NotPlainData::DuplicateKey("a".into()))
        );
        assert_eq!(value("? [a]\n: 1\n"), Err(NotPlainData::CollectionKey));
        assert_eq!(
            value("a: &x 1\nb: *x\n"),
            Err(NotPlainData::AliasAnchorOrTag)
        );
    }
}
