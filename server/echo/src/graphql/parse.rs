//! The GraphQL document parser of the demo endpoint: a lexer and a recursive-descent parser for
//! the executable part of the language the demo schema needs — operations (`query`,
//! `mutation`, `subscription`, or a bare selection set) with a name, variable definitions
//! (types with `[...]` and `!`, default values), fields with aliases, arguments (every literal
//! kind and `$variables`), directives and nested selection sets. Fragments are read far enough
//! to be refused in words at their place. Every failure is a [`Located`] error saying what was
//! expected and where (line and column from 1, as GraphQL errors give them); nothing panics.

use std::fmt;

/// A place in the document: line and column, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// An error at a place in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub message: String,
    pub pos: Pos,
}

impl Located {
    pub fn new(message: impl Into<String>, pos: Pos) -> Self {
        Located {
            message: message.into(),
            pos,
        }
    }
}

/// The kind of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

/// One operation of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub kind: OperationKind,
    pub name: Option<String>,
    pub variables: Vec<VariableDefinition>,
    pub selection: Vec<Field>,
    pub pos: Pos,
}

/// `$name: Type = default`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableDefinition {
    pub name: String,
    pub ty: TypeRef,
    pub default: Option<Literal>,
    pub pos: Pos,
}

/// A type as written in a variable definition.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Named(name) => f.write_str(name),
            TypeRef::List(inner) => write!(f, "[{inner}]"),
            TypeRef::NonNull(inner) => write!(f, "{inner}!"),
        }
    }
}

/// A field of a selection set, with its alias, arguments, directives and own selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub alias: Option<String>,
    pub name: String,
    pub arguments: Vec<Argument>,
    pub directives: Vec<Directive>,
    pub selection: Vec<Field>,
    pub pos: Pos,
}

impl Field {
    /// The key of the field in the result: its alias, else its name.
    pub fn response_key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// `name: value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    pub name: String,
    pub value: Literal,
    pub pos: Pos,
}

/// `@name(arguments)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub name: String,
    pub arguments: Vec<Argument>,
    pub pos: Pos,
}

/// A value as written: a literal or a `$variable`.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Variable(String, Pos),
    Int(i64),
    Float(f64),
    String(String),
    Boolean(bool),
    Null,
    Enum(String),
    List(Vec<Literal>),
    Object(Vec<(String, Literal)>),
}

/// A token of the document.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Int(i64),
    Float(f64),
    String(String),
    /// One of `! $ & ( ) ... : = @ [ ] { | }`.
    Punct(&'static str),
    End,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Name(name) => write!(f, "name \"{name}\""),
            Token::Int(n) => write!(f, "number {n}"),
            Token::Float(n) => write!(f, "number {n}"),
            Token::String(s) => write!(f, "string {s:?}"),
            Token::Punct(p) => write!(f, "\"{p}\""),
            Token::End => f.write_str("the end of the document"),
        }
    }
}

const PUNCTUATORS: [&str; 14] = [
    "...", "!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}",
];

/// Splits `text` into tokens with their places; a character GraphQL does not allow is an error.
fn tokens(text: &str) -> Result<Vec<(Token, Pos)>, Located> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut line_start) = (0usize, 1usize, 0usize);
    while i < chars.len() {
        let pos = Pos {
            line,
            column: i - line_start + 1,
        };
        let c = chars[i];
        match c {
            '\n' => {
                i += 1;
                line += 1;
                line_start = i;
            }
            ' ' | '\t' | '\r' | ',' | '\u{feff}' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' => {
                let (s, next) = string(&chars, i, pos)?;
                out.push((Token::String(s), pos));
                i = next;
            }
            c if c == '-' || c.is_ascii_digit() => {
                let (token, next) = number(&chars, i, pos)?;
                out.push((token, pos));
                i = next;
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push((Token::Name(chars[start..i].iter().collect()), pos));
            }
            _ => {
                let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
                let Some(p) = PUNCTUATORS.iter().find(|p| rest.starts_with(**p)) else {
                    return Err(Located::new(
                        format!("Syntax Error: Unexpected character {c:?}."),
                        pos,
                    ));
                };
                out.push((Token::Punct(p), pos));
                i += p.len();
            }
        }
    }
    let end = Pos {
        line,
        column: chars.len() - line_start + 1,
    };
    out.push((Token::End, end));
    Ok(out)
}

/// A quoted string from `chars[start]` (the opening quote): its value and the index after it.
/// Block strings (`"""`) keep their text as written, without indentation rules.
fn string(chars: &[char], start: usize, pos: Pos) -> Result<(String, usize), Located> {
    let unterminated = || Located::new("Syntax Error: Unterminated string.", pos);
    if chars.get(start + 1) == Some(&'"') && chars.get(start + 2) == Some(&'"') {
        let body_start = start + 3;
        let mut i = body_start;
        while i + 2 < chars.len() {
            if chars[i] == '"' && chars[i + 1] == '"' && chars[i + 2] == '"' {
                return Ok((chars[body_start..i].iter().collect(), i + 3));
            }
            i += 1;
        }
        return Err(unterminated());
    }
    let mut value = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None | Some('\n') => return Err(unterminated()),
            Some('"') => return Ok((value, i + 1)),
            Some('\\') => {
                let escaped = match chars.get(i + 1) {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some('b') => '\u{8}',
                    Some('f') => '\u{c}',
                    Some(c @ ('"' | '\\' | '/')) => *c,
                    Some('u') => {
                        let hex: String = chars.iter().skip(i + 2).take(4).collect();
                        let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        match code {
                            Some(c) if hex.len() == 4 => {
                                value.push(c);
                                i += 6;
                                continue;
                            }
                            _ => {
                                return Err(Located::new(
                                    format!(
                                        "Syntax Error: Invalid Unicode escape sequence: \"\\u{hex}\"."
                                    ),
                                    pos,
                                ));
                            }
                        }
                    }
                    other => {
                        return Err(Located::new(
                            format!(
                                "Syntax Error: Invalid character escape sequence: \"\\{}\".",
                                other.map_or(String::new(), |c| c.to_string())
                            ),
                            pos,
                        ));
                    }
                };
                value.push(escaped);
                i += 2;
            }
            Some(c) => {
                value.push(*c);
                i += 1;
            }
        }
    }
}

/// A number from `chars[start]`: an `Int` or a `Float`, and the index after it.
fn number(chars: &[char], start: usize, pos: Pos) -> Result<(Token, usize), Located> {
    let mut i = start;
    if chars[i] == '-' {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > from
    };
    let bad = |what: &str| Located::new(format!("Syntax Error: Invalid number, {what}."), pos);
    if !digits(&mut i) {
        return Err(bad("expected digit"));
    }
    let mut float = false;
    if chars.get(i) == Some(&'.') {
        i += 1;
        float = true;
        if !digits(&mut i) {
            return Err(bad("expected digit after \".\""));
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        i += 1;
        float = true;
        if matches!(chars.get(i), Some('+' | '-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return Err(bad("expected digit in the exponent"));
        }
    }
    if chars
        .get(i)
        .is_some_and(|c| *c == '_' || *c == '.' || c.is_ascii_alphabetic())
    {
        return Err(bad(&format!("unexpected {:?} after it", chars[i])));
    }
    let text: String = chars[start..i].iter().collect();
    let token = if float {
        text.parse()
            .map(Token::Float)
            .map_err(|_| bad("not a number"))?
    } else {
        text.parse()
            .map(Token::Int)
            .map_err(|_| bad("too large for a 64-bit integer"))?
    };
    Ok((token, i))
}

/// Parses a whole document into its operations.
pub fn document(text: &str) -> Result<Vec<Operation>, Located> {
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
        depth: 0,
    };
    let mut operations = Vec::new();
    while parser.peek() != &Token::End {
        operations.push(parser.operation()?);
    }
    if operations.is_empty() {
        return Err(Located::new(
            "Syntax Error: Unexpected the end of the document: the document has no operation.",
            parser.pos(),
        ));
    }
    Ok(operations)
}

/// The parser's place in the token list.
struct Parser {
    tokens: Vec<(Token, Pos)>,
    at: usize,
    /// How many selection sets, lists, objects and list types the parser is inside.
    depth: usize,
}

/// The deepest nesting read: deeper is an error, not a stack overflow.
const MAX_DEPTH: usize = 64;

impl Parser {
    /// Runs `parse` one level deeper, or refuses past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, Located>,
    ) -> Result<T, Located> {
        if self.depth >= MAX_DEPTH {
            return Err(Located::new(
                format!("the document nests deeper than {MAX_DEPTH} levels"),
                self.pos(),
            ));
        }
        self.depth += 1;
        let parsed = parse(self);
        self.depth -= 1;
        parsed
    }

    fn peek(&self) -> &Token {
        self.tokens.get(self.at).map_or(&Token::End, |(t, _)| t)
    }

    fn pos(&self) -> Pos {
        self.tokens
            .get(self.at)
            .or(self.tokens.last())
            .map_or(Pos { line: 1, column: 1 }, |(_, p)| *p)
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn unexpected(&self, expected: &str) -> Located {
        Located::new(
            format!("Syntax Error: Expected {expected}, found {}.", self.peek()),
            self.pos(),
        )
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Token::Punct(q) if *q == p)
    }

    /// Takes `p` when it is next.
    fn skip(&mut self, p: &str) -> bool {
        let here = self.is_punct(p);
        if here {
            self.at += 1;
        }
        here
    }

    fn expect(&mut self, p: &str) -> Result<(), Located> {
        if self.skip(p) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("\"{p}\"")))
        }
    }

    fn name(&mut self) -> Result<String, Located> {
        match self.peek() {
            Token::Name(name) => {
                let name = name.clone();
                self.at += 1;
                Ok(name)
            }
            _ => Err(self.unexpected("a name")),
        }
    }

    fn operation(&mut self) -> Result<Operation, Located> {
        let pos = self.pos();
        if self.is_punct("{") {
            return Ok(Operation {
                kind: OperationKind::Query,
                name: None,
                variables: Vec::new(),
                selection: self.selection_set()?,
                pos,
            });
        }
        let kind = match self.peek() {
            Token::Name(word) if word == "query" => OperationKind::Query,
            Token::Name(word) if word == "mutation" => OperationKind::Mutation,
            Token::Name(word) if word == "subscription" => OperationKind::Subscription,
            Token::Name(word) if word == "fragment" => {
                return Err(Located::new(
                    "fragments are not served by the demo server: write the fields in the operation",
                    pos,
                ));
            }
            _ => return Err(self.unexpected("\"query\", \"mutation\", \"subscription\" or \"{\"")),
        };
        self.at += 1;
        let name = match self.peek() {
            Token::Name(_) => Some(self.name()?),
            _ => None,
        };
        let variables = self.variable_definitions()?;
        let directives = self.directives()?;
        if let Some(d) = directives.first() {
            return Err(Located::new(
                format!("Directive \"@{}\" may not be used on an operation.", d.name),
                d.pos,
            ));
        }
        Ok(Operation {
            kind,
            name,
            variables,
            selection: self.selection_set()?,
            pos,
        })
    }

    fn variable_definitions(&mut self) -> Result<Vec<VariableDefinition>, Located> {
        let mut definitions = Vec::new();
        if !self.skip("(") {
            return Ok(definitions);
        }
        loop {
            let pos = self.pos();
            self.expect("$")?;
            let name = self.name()?;
            self.expect(":")?;
            let ty = self.type_ref()?;
            let default = if self.skip("=") {
                Some(self.value(true)?)
            } else {
                None
            };
            definitions.push(VariableDefinition {
                name,
                ty,
                default,
                pos,
            });
            if self.skip(")") {
                return Ok(definitions);
            }
        }
    }

    fn type_ref(&mut self) -> Result<TypeRef, Located> {
        let inner = if self.skip("[") {
            let item = self.nested(Self::type_ref)?;
            self.expect("]")?;
            TypeRef::List(Box::new(item))
        } else {
            TypeRef::Named(self.name()?)
        };
        Ok(if self.skip("!") {
            TypeRef::NonNull(Box::new(inner))
        } else {
            inner
        })
    }

    fn selection_set(&mut self) -> Result<Vec<Field>, Located> {
        self.expect("{")?;
        let mut fields = Vec::new();
        loop {
            if self.is_punct("...") {
                return Err(Located::new(
                    "fragments are not served by the demo server: write the fields in the operation",
                    self.pos(),
                ));
            }
            fields.push(self.field()?);
            if self.skip("}") {
                return Ok(fields);
            }
        }
    }

    fn field(&mut self) -> Result<Field, Located> {
        let pos = self.pos();
        let first = self.name()?;
        let (alias, name) = if self.skip(":") {
            (Some(first), self.name()?)
        } else {
            (None, first)
        };
        let arguments = self.arguments(false)?;
        let directives = self.directives()?;
        let selection = if self.is_punct("{") {
            self.nested(Self::selection_set)?
        } else {
            Vec::new()
        };
        Ok(Field {
            alias,
            name,
            arguments,
            directives,
            selection,
            pos,
        })
    }

    fn arguments(&mut self, constant: bool) -> Result<Vec<Argument>, Located> {
        let mut arguments = Vec::new();
        if !self.skip("(") {
            return Ok(arguments);
        }
        loop {
            let pos = self.pos();
            let name = self.name()?;
            self.expect(":")?;
            let value = self.value(constant)?;
            arguments.push(Argument { name, value, pos });
            if self.skip(")") {
                return Ok(arguments);
            }
        }
    }

    fn directives(&mut self) -> Result<Vec<Directive>, Located> {
        let mut directives = Vec::new();
        while self.is_punct("@") {
            let pos = self.pos();
            self.at += 1;
            let name = self.name()?;
            let arguments = self.arguments(false)?;
            directives.push(Directive {
                name,
                arguments,
                pos,
            });
        }
        Ok(directives)
    }

    /// A value; `constant` (a default value) refuses `$variables`.
    fn value(&mut self, constant: bool) -> Result<Literal, Located> {
        let pos = self.pos();
        let value = match self.next() {
            Token::Punct("$") if !constant => Literal::Variable(self.name()?, pos),
            Token::Int(n) => Literal::Int(n),
            Token::Float(n) => Literal::Float(n),
            Token::String(s) => Literal::String(s),
            Token::Name(word) => match word.as_str() {
                "true" => Literal::Boolean(true),
                "false" => Literal::Boolean(false),
                "null" => Literal::Null,
                _ => Literal::Enum(word),
            },
            Token::Punct("[") => {
                let mut items = Vec::new();
                while !self.skip("]") {
                    items.push(self.nested(|p| p.value(constant))?);
                }
                Literal::List(items)
            }
            Token::Punct("{") => {
                let mut fields = Vec::new();
                while !self.skip("}") {
                    let name = self.name()?;
                    self.expect(":")?;
                    fields.push((name, self.nested(|p| p.value(constant))?));
                }
                Literal::Object(fields)
            }
            _ => {
                self.at = self.at.saturating_sub(1);
                let what = if constant {
                    "a constant value"
                } else {
                    "a value"
                };
                return Err(self.unexpected(what));
            }
        };
        Ok(value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn operations_fields_aliases_arguments_and_variables_parse() {
        let ops = document(
            "# the items\nquery Items($id: Int! = 2, $names: [String!]) {\n  first: item(id: $id) { id name }\n  items @include(if: true) { __typename }\n  hello(name: \"a\\u0041\\n\", n: -1.5e2, on: true, x: null, e: RED, l: [1 2], o: {k: \"v\"})\n}",
        )
        .unwrap();
        assert_eq!(ops.len(), 1);
        let op = &ops[0];
        assert_eq!(op.kind, OperationKind::Query);
        assert_eq!(op.name.as_deref(), Some("Items"));
        assert_eq!(op.variables[0].ty.to_string(), "Int!");
        assert_eq!(op.variables[0].default, Some(Literal::Int(2)));
        assert_eq!(op.variables[1].ty.to_string(), "[String!]");
        let first = &op.selection[0];
        assert_eq!(
            (first.response_key(), first.name.as_str()),
            ("first", "item")
        );
        assert_eq!(first.pos, Pos { line: 3, column: 3 });
        assert!(matches!(first.arguments[0].value, Literal::Variable(ref v, _) if v == "id"));
        assert_eq!(first.selection.len(), 2);
        assert_eq!(op.selection[1].directives[0].name, "include");
        let hello = &op.selection[2].arguments;
        assert_eq!(hello[0].value, Literal::String("aA\n".into()));
        assert_eq!(hello[1].value, Literal::Float(-150.0));
        assert_eq!(hello[4].value, Literal::Enum("RED".into()));
        assert_eq!(
            hello[5].value,
            Literal::List(vec![Literal::Int(1), Literal::Int(2)])
        );
        let short = document("{ items { id } } subscription S { ticks }").unwrap();
        assert_eq!(short[0].kind, OperationKind::Query);
        assert_eq!(short[1].kind, OperationKind::Subscription);
        assert_eq!(
            document("{ a(s: \"\"\"x \"y\" z\"\"\") }").unwrap()[0].selection[0].arguments[0].value,
            Literal::String("x \"y\" z".into())
        );
    }

    #[test]
    fn syntax_errors_say_what_and_where() {
        let err = |text: &str| document(text).unwrap_err();
        let e = err("{ items {\n  id\n");
        assert_eq!(
            e.message,
            "Syntax Error: Expected a name, found the end of the document."
        );
        assert_eq!(e.pos.line, 3);
        let e = err("query Q { item(id: ) }");
        assert_eq!(e.message, "Syntax Error: Expected a value, found \")\".");
        assert_eq!(
            e.pos,
            Pos {
                line: 1,
                column: 20
            }
        );
        assert!(
            err("{ a(s: \"open) }")
                .message
                .contains("Unterminated string")
        );
        assert!(err("{ a(n: 12ab) }").message.contains("Invalid number"));
        assert!(
            err("{ a(n: 99999999999999999999) }")
                .message
                .contains("64-bit")
        );
        assert!(err("{ a ? }").message.contains("Unexpected character '?'"));
        assert!(err("{ a(s: \"\\q\") }").message.contains("escape sequence"));
        assert!(err("").message.contains("no operation"));
        assert!(err("{ ...F }").message.contains("fragments"));
        assert!(
            err("fragment F on Item { id }")
                .message
                .contains("fragments")
        );
        assert!(
            err("query ($x: Int = $y) { a }")
                .message
                .contains("constant")
        );
        assert!(
            err("query @skip(if: true) { a }")
                .message
                .contains("may not be used")
        );
        assert!(err("nonsense { a }").message.contains("Expected \"query\""));
        let deep = format!(
            "{{ a(l: {}1{}) }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(err(&deep).message.contains("nests deeper than 64"));
        let deep = format!("{}{}", "{ a ".repeat(100_000), "}".repeat(100_000));
        assert!(err(&deep).message.contains("nests deeper than 64"));
        let deep = format!(
            "query ($x: {}Int{}) {{ a }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(err(&deep).message.contains("nests deeper than 64"));
    }
}
