//! Writes the cases of the YAML differential test (`tests/stages/yaml-oracle.sh`) as JSON
//! Lines on stdout: for every block of the `.void` files given, and for generated values, our
//! reading of the YAML and our `YAML.stringify` output. `tests/yaml-oracle/compare.mjs` then
//! asks the real npm `yaml` 2.7.0 the same questions and counts the differences.
//!
//! `cargo run -p void-syntax --example yaml_oracle_cases -- [--generated N] [--seed S] FILES...`
//!
//! Each line is `{"id", "value", "yaml"}` (`yaml` null when we refuse to write the value),
//! plus `"source"` (YAML text: a block as written, or our own output for a generated value) and
//! `"parsed"` (our reading of that source; for a block, before the app's key order is
//! applied). Values are tagged so that no JavaScript detail is lost on the way: `{"a": [...]}`
//! an array, `{"o": [[key, value], ...]}` an object in its property order, `{"n": "text"}` a
//! number as JavaScript's `Number(text)` reads it (`"-0"`, `"NaN"`, `"Infinity"` included);
//! strings, booleans and null as themselves. `"readerRefused": true` marks our own output that
//! our reader does not read (YAML 1.2 forbids a U+FEFF inside a document; the package writes
//! and reads one): the formatter never writes such a block (it checks that it reads back).

use std::io::Write;

use serde_json::{Value as Json, json};
use void_syntax::format::canonical_value;
use void_syntax::yaml::{self, JsObject, JsValue, js_number_string};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut generated = 0usize;
    let mut seed = 0x5eed_u64;
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--generated" => generated = args.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "--seed" => seed = args.next().and_then(|n| n.parse().ok()).unwrap_or(seed),
            _ => files.push(arg),
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write = |line: Json| {
        if writeln!(out, "{line}").is_err() {
            std::process::exit(2);
        }
    };
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            eprintln!("yaml_oracle_cases: cannot read {file}");
            std::process::exit(2);
        };
        let doc = void_syntax::parse(&text);
        for (n, block) in doc.blocks.iter().enumerate() {
            let (Some(root), Some(range)) = (block.yaml_root(), block.yaml_range.clone()) else {
                continue;
            };
            if block.in_container {
                continue;
            }
            let Ok(parsed) = JsValue::from_yaml(root) else {
                continue;
            };
            let Some(value) = canonical_value(root) else {
                continue;
            };
            let Some(ours) = yaml::stringify(&value) else {
                continue;
            };
            write(json!({
                "id": format!("{file}#block{n}"),
                "source": &text[range],
                "parsed": tagged(&parsed),
                "value": tagged(&value),
                "yaml": ours,
            }));
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut skipped = 0usize;
    for n in 0..generated {
        let value = JsValue::Object(rng.object(0));
        match yaml::stringify(&value) {
            // Our own output is also a source: our reader must read it as the package does.
            Some(ours) => {
                let reread = yaml::parse(&ours, &yaml::OffsetMap::contiguous(&ours, 0))
                    .ok()
                    .flatten()
                    .and_then(|tree| JsValue::from_yaml(tree.root()).ok());
                let mut case = json!({
                    "id": format!("generated#{n} (seed {seed})"),
                    "value": tagged(&value),
                    "yaml": ours,
                });
                match reread {
                    Some(parsed) => {
                        case["source"] = json!(ours);
                        case["parsed"] = tagged(&parsed);
                    }
                    None => case["readerRefused"] = json!(true),
                }
                write(case);
            }
            // No YAML of ours: the package's own output must then be broken text (a lone
            // surrogate), which the oracle checks.
            None => {
                skipped += 1;
                write(json!({
                    "id": format!("generated#{n} (seed {seed})"),
                    "value": tagged(&value),
                    "yaml": null,
                }));
            }
        }
    }
    if skipped > 0 {
        eprintln!("yaml_oracle_cases: {skipped} generated values written as refused (no YAML)");
    }
}

fn tagged(value: &JsValue) -> Json {
    match value {
        JsValue::Null => Json::Null,
        JsValue::Bool(b) => json!(b),
        JsValue::String(s) => json!(s),
        JsValue::Number(n) => {
            let text = if *n == 0.0 && n.is_sign_negative() {
                "-0".to_string()
            } else {
                js_number_string(*n)
            };
            json!({ "n": text })
        }
        JsValue::Array(items) => json!({ "a": items.iter().map(tagged).collect::<Vec<_>>() }),
        JsValue::Object(o) => {
            json!({ "o": o.iter().map(|(k, v)| json!([k, tagged(v)])).collect::<Vec<_>>() })
        }
    }
}

/// A small deterministic generator (xorshift64*), so a failing case can be reproduced.
struct Rng(u64);

/// Pieces strings are made of: every quoting trigger, line breaks, long words, unicode.
const PIECES: &[&str] = &[
    "word",
    "GET",
    "wss://echo.example/ws?x=1&y=2",
    "{{BASE_URL}}",
    "{{A}}/x",
    "x {{A}}",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\n  ",
    " \n",
    ": ",
    ":",
    " #",
    "#",
    "- ",
    "-",
    "? ",
    "?",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    "\"",
    "%",
    "@",
    "`",
    "---",
    "...",
    "true",
    "False",
    "null",
    "~",
    "42",
    "-7",
    "0x1F",
    "0o17",
    "1.5",
    "1e3",
    ".inf",
    ".NaN",
    "yes",
    "on",
    "2025-04-01T07:33:45.739Z",
    "é",
    "中文",
    "😀",
    "e\u{301}",
    "\u{0}",
    "\u{7}",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{feff}",
    "\r",
    "\\",
    "\\n",
    "{\"op\": \"subscribe\", \"channel\": \"ticker\"}",
    "Bearer eyJhbGciOiJIUzI1NiJ9.payload",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor",
    "supercalifragilisticexpialidocious_and_then_some_more_letters_without_any_space_at_all",
];

const KEYS: &[&str] = &[
    "type",
    "attrs",
    "content",
    "uid",
    "body",
    "name",
    "format",
    "row",
    "rows",
    "disabled",
    "label",
    "colorIndex",
    "0",
    "12",
    "007",
    "1.5",
    "true",
    "null",
    "",
    "a: b",
    "#k",
    "-",
    "é",
    "key with spaces",
    "multi\nline",
    "trailing ",
    "---x",
];

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn string(&mut self) -> String {
        let mut s = String::new();
        match self.below(12) {
            // A long line with control characters and tabs: double quotes, folded with escapes.
            10 => {
                for _ in 0..20 + self.below(40) {
                    s.push_str(
                        ["ab", "\t", " ", "\u{7}", "é😀", "\\", "\"", "  ", "\n"][self.below(9)],
                    );
                }
            }
            // Many lines, some indented more, some long, with other line terminators.
            11 => {
                for _ in 0..2 + self.below(8) {
                    s.push_str(["", " ", "  ", "\t"][self.below(4)]);
                    for _ in 0..self.below(25) {
                        s.push_str(
                            ["lorem ", "ipsum ", "\r", "\u{2028}", "x", "  "][self.below(6)],
                        );
                    }
                    s.push('\n');
                }
            }
            // A multi-line body with some lines longer than 80 columns.
            0 => {
                for _ in 0..1 + self.below(6) {
                    if self.chance(30) {
                        s.push_str(&" ".repeat(1 + self.below(4)));
                    }
                    let words = self.below(30);
                    for w in 0..words {
                        if w > 0 {
                            s.push_str(if self.chance(5) { "  " } else { " " });
                        }
                        s.push_str(PIECES[self.below(PIECES.len())].trim_matches('\n'));
                    }
                    s.push_str(&"\n".repeat(if self.chance(20) { 2 } else { 1 }));
                }
                if self.chance(50) {
                    s.pop();
                }
            }
            // One long line of words.
            1 => {
                let words = 10 + self.below(40);
                for w in 0..words {
                    if w > 0 {
                        s.push(' ');
                    }
                    s.push_str(["alpha", "beta", "{{TOKEN}}", "γάμμα", "x"][self.below(5)]);
                }
            }
            _ => {
                for _ in 0..1 + self.below(5) {
                    s.push_str(PIECES[self.below(PIECES.len())]);
                }
            }
        }
        s
    }

    fn key(&mut self) -> String {
        if self.chance(85) {
            KEYS[self.below(12)].to_string()
        } else if self.chance(2) {
            "k".repeat(1020 + self.below(10))
        } else if self.chance(50) {
            KEYS[self.below(KEYS.len())].to_string()
        } else {
            self.string()
        }
    }

    fn number(&mut self) -> f64 {
        match self.below(8) {
            0 => 0.0,
            1 => -(self.below(1000) as f64),
            2 => self.below(100_000) as f64 / 7.0,
            3 => 1e21 * (1 + self.below(9)) as f64,
            4 => 1.5e-7,
            5 => f64::INFINITY,
            6 => f64::NAN,
            _ => self.below(1_000_000) as f64,
        }
    }

    fn scalar(&mut self) -> JsValue {
        match self.below(12) {
            0 => JsValue::Null,
            1 => JsValue::Bool(self.chance(50)),
            2 => JsValue::Number(self.number()),
            _ => JsValue::String(self.string()),
        }
    }

    fn value(&mut self, depth: usize) -> JsValue {
        // Now and then a deep chain, for indentations past the 60 columns where folding changes.
        if depth == 1 && self.chance(3) {
            let mut v = JsValue::String(self.string());
            for _ in 0..20 + self.below(25) {
                v = if self.chance(50) {
                    JsValue::Array(vec![v])
                } else {
                    JsValue::Object(JsObject::from_ordered(vec![(self.key(), v)]))
                };
            }
            return v;
        }
        if depth > 7 || self.chance(55) {
            return self.scalar();
        }
        match self.below(4) {
            0 => JsValue::Array(self.table_rows(depth + 1)),
            1 => {
                let n = self.below(4);
                JsValue::Array((0..n).map(|_| self.value(depth + 1)).collect())
            }
            _ => JsValue::Object(self.object(depth + 1)),
        }
    }

    /// The app's compact table rows: `{attrs: {disabled}, row: [cells]}`.
    fn table_rows(&mut self, depth: usize) -> Vec<JsValue> {
        (0..self.below(4))
            .map(|_| {
                let cells = (0..1 + self.below(3))
                    .map(|_| {
                        if self.chance(10) {
                            JsValue::Null
                        } else if self.chance(10) {
                            self.value(depth + 1)
                        } else {
                            JsValue::String(self.string())
                        }
                    })
                    .collect();
                let attrs = JsObject::from_ordered(vec![(
                    "disabled".to_string(),
                    JsValue::Bool(self.chance(20)),
                )]);
                JsValue::Object(JsObject::from_ordered(vec![
                    ("attrs".to_string(), JsValue::Object(attrs)),
                    ("row".to_string(), JsValue::Array(cells)),
                ]))
            })
            .collect()
    }

    fn object(&mut self, depth: usize) -> JsObject {
        let mut object = JsObject::new();
        for _ in 0..self.below(6) {
            let key = self.key();
            let value = self.value(depth);
            // A repeated key is simply not added (JavaScript objects have none).
            let _ = object.insert(key, value);
        }
        object
    }
}
