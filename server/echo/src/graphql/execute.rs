//! The demo schema and its executor: an operation parsed by [`super::parse`] is chosen,
//! its variables coerced, its selection validated against the schema below (every error
//! collected, in graphql-js's words, with its place), then resolved to a `{data, errors}`
//! result; a subscription is resolved one event at a time ([`Plan::event`]). Pure: no I/O,
//! no state kept between requests.
//!
//! ```graphql
//! type Query { items: [Item!]!  item(id: Int!): Item  hello(name: String = "world"): String! }
//! type Mutation { addItem(name: String!): Item! }
//! type Subscription { ticks(count: Int = 3, everyMs: Int = 100): Tick! }
//! type Item { id: Int!  name: String! }
//! type Tick { n: Int! }
//! ```
//!
//! `items` are items 1 to 3, `item(id)` is `{id, name: "item <id>"}` for any id from 1 (as
//! `GET /api/items/<id>` answers; `null` below 1), `addItem` answers the item it would add as
//! id 4 (nothing is stored; an empty name is a field error), `ticks` sends `{n: 1}` to
//! `{n: count}`, `everyMs` apart (count at most 1000, everyMs at most 10000). Every object
//! type has `__typename`; `@include(if:)` and `@skip(if:)` work on fields.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::parse::{self, Field, Literal, Located, Operation, OperationKind, Pos, TypeRef};

/// A field of the schema: its name, type and arguments `(name, type, default as JSON)`.
struct FieldDef {
    name: &'static str,
    ty: &'static str,
    args: &'static [(&'static str, &'static str, Option<&'static str>)],
}

const fn field(name: &'static str, ty: &'static str) -> FieldDef {
    FieldDef {
        name,
        ty,
        args: &[],
    }
}

/// The object types and their fields.
const OBJECTS: &[(&str, &[FieldDef])] = &[
    (
        "Query",
        &[
            field("items", "[Item!]!"),
            FieldDef {
                name: "item",
                ty: "Item",
                args: &[("id", "Int!", None)],
            },
            FieldDef {
                name: "hello",
                ty: "String!",
                args: &[("name", "String", Some("\"world\""))],
            },
        ],
    ),
    (
        "Mutation",
        &[FieldDef {
            name: "addItem",
            ty: "Item!",
            args: &[("name", "String!", None)],
        }],
    ),
    (
        "Subscription",
        &[FieldDef {
            name: "ticks",
            ty: "Tick!",
            args: &[("count", "Int", Some("3")), ("everyMs", "Int", Some("100"))],
        }],
    ),
    ("Item", &[field("id", "Int!"), field("name", "String!")]),
    ("Tick", &[field("n", "Int!")]),
];

/// The input types variables and arguments may have.
const SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

/// The most events one `ticks` subscription sends, and the longest pause between two.
const MAX_TICKS: i64 = 1000;
const MAX_EVERY_MS: i64 = 10_000;

fn fields_of(object: &str) -> Option<&'static [FieldDef]> {
    OBJECTS.iter().find(|(n, _)| *n == object).map(|(_, f)| *f)
}

/// The named type inside a type (`[Item!]!` is `Item`).
fn named(ty: &str) -> &str {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

/// A schema type written as text (`[Item!]!`), read as a [`TypeRef`].
fn type_ref(ty: &str) -> TypeRef {
    if let Some(inner) = ty.strip_suffix('!') {
        TypeRef::NonNull(Box::new(type_ref(inner)))
    } else if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        TypeRef::List(Box::new(type_ref(inner)))
    } else {
        TypeRef::Named(ty.to_string())
    }
}

/// A GraphQL error object: `{message, locations}`.
pub fn error(message: &str, pos: Option<Pos>) -> Value {
    let mut e = json!({ "message": message });
    if let Some(p) = pos {
        e["locations"] = json!([{ "line": p.line, "column": p.column }]);
    }
    e
}

fn located(e: Located) -> Value {
    error(&e.message, Some(e.pos))
}

/// An operation ready to run: chosen, its variables coerced, its selection valid.
#[derive(Debug)]
pub struct Plan {
    operation: Operation,
    variables: Map<String, Value>,
}

/// Parses `query`, chooses the operation (`operation_name`, or the only one), coerces
/// `variables` and validates the selection; the GraphQL errors otherwise.
pub fn prepare(
    query: &str,
    variables: &Map<String, Value>,
    operation_name: Option<&str>,
) -> Result<Plan, Vec<Value>> {
    let operations = parse::document(query).map_err(|e| vec![located(e)])?;
    let operation = choose(operations, operation_name)?;
    let variables = coerce_variables(&operation, variables)?;
    let plan = Plan {
        operation,
        variables,
    };
    let mut errors = Vec::new();
    let root = plan.root_type();
    plan.validate_selection(root, &plan.operation.selection, &mut errors);
    if plan.operation.kind == OperationKind::Subscription && plan.operation.selection.len() != 1 {
        let what = match &plan.operation.name {
            Some(name) => format!("Subscription \"{name}\""),
            None => "Anonymous Subscription".into(),
        };
        errors.push(error(
            &format!("{what} must select only one top level field."),
            Some(plan.operation.pos),
        ));
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// The operation named `name`, or the only one.
fn choose(operations: Vec<Operation>, name: Option<&str>) -> Result<Operation, Vec<Value>> {
    let count = operations.len();
    let mut chosen = operations
        .into_iter()
        .filter(|op| name.is_none() || op.name.as_deref() == name);
    match (chosen.next(), name) {
        (Some(op), Some(_)) => Ok(op),
        (Some(op), None) if count == 1 => Ok(op),
        (_, None) => Err(vec![error(
            "Must provide operation name if query contains multiple operations.",
            None,
        )]),
        (None, Some(name)) => Err(vec![error(
            &format!("Unknown operation named \"{name}\"."),
            None,
        )]),
    }
}

/// The operation's variables: each value given (or its default) coerced to its type.
fn coerce_variables(
    operation: &Operation,
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<Value>> {
    let mut values = Map::new();
    let mut errors = Vec::new();
    for definition in &operation.variables {
        let name = &definition.name;
        let type_name = named_ref(&definition.ty);
        if !SCALARS.contains(&type_name) {
            let message = if fields_of(type_name).is_some() {
                format!(
                    "Variable \"${name}\" cannot be non-input type \"{}\".",
                    definition.ty
                )
            } else {
                format!("Unknown type \"{type_name}\".")
            };
            errors.push(error(&message, Some(definition.pos)));
            continue;
        }
        let value = match (given.get(name), &definition.default) {
            (Some(value), _) => value.clone(),
            (None, Some(default)) => match literal_json(default, &Map::new()) {
                Ok(value) => value,
                Err(e) => {
                    errors.push(error(&e.message, Some(definition.pos)));
                    continue;
                }
            },
            (None, None) => match definition.ty {
                TypeRef::NonNull(_) => {
                    errors.push(error(
                        &format!(
                            "Variable \"${name}\" of required type \"{}\" was not provided.",
                            definition.ty
                        ),
                        Some(definition.pos),
                    ));
                    continue;
                }
                _ => continue,
            },
        };
        match coerce(&value, &definition.ty) {
            Ok(value) => {
                values.insert(name.clone(), value);
            }
            Err(why) => errors.push(error(
                &format!("Variable \"${name}\" got invalid value {value}; {why}"),
                Some(definition.pos),
            )),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

fn named_ref(ty: &TypeRef) -> &str {
    match ty {
        TypeRef::Named(name) => name,
        TypeRef::List(inner) | TypeRef::NonNull(inner) => named_ref(inner),
    }
}

/// A JSON input value coerced to an input type, or why it cannot be.
fn coerce(value: &Value, ty: &TypeRef) -> Result<Value, String> {
    match (ty, value) {
        (TypeRef::NonNull(_), Value::Null) => Err(format!(
            "Expected non-nullable type \"{ty}\" not to be null."
        )),
        (TypeRef::NonNull(inner), _) => coerce(value, inner),
        (_, Value::Null) => Ok(Value::Null),
        (TypeRef::List(inner), Value::Array(items)) => items
            .iter()
            .map(|item| coerce(item, inner))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        // A single value where a list is expected is a list of one.
        (TypeRef::List(inner), _) => coerce(value, inner).map(|v| Value::Array(vec![v])),
        (TypeRef::Named(name), _) => coerce_scalar(value, name),
    }
}

fn coerce_scalar(value: &Value, name: &str) -> Result<Value, String> {
    let fits = match name {
        "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Float" => value.is_number(),
        "String" => value.is_string(),
        "Boolean" => value.is_boolean(),
        "ID" => value.is_string() || value.is_i64() || value.is_u64(),
        _ => false,
    };
    if !fits {
        let what = match name {
            "Int" => "non-integer (or out of 32-bit range)",
            "Float" => "non numeric",
            "String" => "a non string",
            "Boolean" => "a non boolean",
            _ => "this",
        };
        return Err(format!("{name} cannot represent {what} value: {value}"));
    }
    Ok(match (name, value) {
        ("ID", Value::Number(n)) => Value::String(n.to_string()),
        _ => value.clone(),
    })
}

/// A literal as JSON, its `$variables` replaced by their values (absent: null).
fn literal_json(literal: &Literal, variables: &Map<String, Value>) -> Result<Value, Located> {
    Ok(match literal {
        Literal::Variable(name, _) => variables.get(name).cloned().unwrap_or(Value::Null),
        Literal::Int(n) => json!(n),
        Literal::Float(n) => json!(n),
        Literal::String(s) => json!(s),
        Literal::Boolean(b) => json!(b),
        Literal::Null => Value::Null,
        Literal::Enum(word) => {
            return Err(Located::new(
                format!(
                    "Enum value {word} cannot be used here: the demo schema has no enum types."
                ),
                Pos { line: 0, column: 0 },
            ));
        }
        Literal::List(items) => Value::Array(
            items
                .iter()
                .map(|item| literal_json(item, variables))
                .collect::<Result<_, _>>()?,
        ),
        Literal::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), literal_json(v, variables)?)))
                .collect::<Result<_, Located>>()?,
        ),
    })
}

impl Plan {
    pub fn kind(&self) -> OperationKind {
        self.operation.kind
    }

    fn root_type(&self) -> &'static str {
        match self.operation.kind {
            OperationKind::Query => "Query",
            OperationKind::Mutation => "Mutation",
            OperationKind::Subscription => "Subscription",
        }
    }

    /// Collects into `errors` what is wrong with `selection` on the object type `object`.
    fn validate_selection(&self, object: &str, selection: &[Field], errors: &mut Vec<Value>) {
        let mut seen: HashMap<&str, &Field> = HashMap::new();
        for f in selection {
            if let Err(e) = self.included(f) {
                errors.push(located(e));
                continue;
            }
            if let Some(earlier) = seen.get(f.response_key()) {
                if earlier.name != f.name || earlier.arguments.len() != f.arguments.len() {
                    errors.push(error(
                        &format!(
                            "Fields \"{}\" conflict because they are different fields or arguments. Use different aliases on the fields to fetch both if this was intentional.",
                            f.response_key()
                        ),
                        Some(f.pos),
                    ));
                }
                continue;
            }
            seen.insert(f.response_key(), f);
            if f.name == "__typename" {
                if let Some(inner) = f.selection.first() {
                    errors.push(no_subfields(f, "String!", inner.pos));
                }
                continue;
            }
            let Some(def) = fields_of(object).and_then(|fs| fs.iter().find(|d| d.name == f.name))
            else {
                errors.push(error(
                    &format!("Cannot query field \"{}\" on type \"{object}\".", f.name),
                    Some(f.pos),
                ));
                continue;
            };
            if let Err(mut bad) = self.arguments(object, def, f) {
                errors.append(&mut bad);
            }
            let inner = named(def.ty);
            match (fields_of(inner).is_some(), f.selection.first()) {
                (true, None) => errors.push(error(
                    &format!(
                        "Field \"{}\" of type \"{}\" must have a selection of subfields. Did you mean \"{} {{ ... }}\"?",
                        f.name, def.ty, f.name
                    ),
                    Some(f.pos),
                )),
                (true, Some(_)) => self.validate_selection(inner, &f.selection, errors),
                (false, Some(sub)) => errors.push(no_subfields(f, def.ty, sub.pos)),
                (false, None) => {}
            }
        }
    }

    /// Whether a field is selected, by its `@include` and `@skip` directives.
    fn included(&self, f: &Field) -> Result<bool, Located> {
        let mut keep = true;
        for d in &f.directives {
            let wanted = match d.name.as_str() {
                "include" => true,
                "skip" => false,
                other => {
                    return Err(Located::new(
                        format!("Unknown directive \"@{other}\"."),
                        d.pos,
                    ));
                }
            };
            let condition = match d.arguments.as_slice() {
                [arg] if arg.name == "if" => literal_json(&arg.value, &self.variables)
                    .map_err(|e| Located::new(e.message, arg.pos))?,
                _ => Value::Null,
            };
            let Some(condition) = condition.as_bool() else {
                return Err(Located::new(
                    format!(
                        "Directive \"@{}\" wants one argument \"if\" of type \"Boolean!\".",
                        d.name
                    ),
                    d.pos,
                ));
            };
            keep &= condition == wanted;
        }
        Ok(keep)
    }

    /// The arguments of `f` (a field `def` of `object`) coerced, defaults filled in.
    fn arguments(
        &self,
        object: &str,
        def: &FieldDef,
        f: &Field,
    ) -> Result<Map<String, Value>, Vec<Value>> {
        let mut values = Map::new();
        let mut errors = Vec::new();
        for arg in &f.arguments {
            let Some((_, ty, _)) = def.args.iter().find(|(n, _, _)| *n == arg.name) else {
                errors.push(error(
                    &format!(
                        "Unknown argument \"{}\" on field \"{object}.{}\".",
                        arg.name, f.name
                    ),
                    Some(arg.pos),
                ));
                continue;
            };
            if let Err(e) = self.variable_fits(&arg.value, ty) {
                errors.push(e);
                continue;
            }
            let coerced = literal_json(&arg.value, &self.variables)
                .map_err(|e| Located::new(e.message, arg.pos))
                .and_then(|v| coerce(&v, &type_ref(ty)).map_err(|why| Located::new(why, arg.pos)));
            match coerced {
                // An absent variable leaves the argument to its default.
                Ok(Value::Null) if matches!(arg.value, Literal::Variable(ref v, _) if !self.variables.contains_key(v)) =>
                    {}
                Ok(value) => {
                    values.insert(arg.name.clone(), value);
                }
                Err(e) => errors.push(located(e)),
            }
        }
        for (name, ty, default) in def.args {
            if values.contains_key(*name) {
                continue;
            }
            if let Some(default) = default {
                values.insert(
                    name.to_string(),
                    serde_json::from_str(default).unwrap_or(Value::Null),
                );
            } else if ty.ends_with('!') && !f.arguments.iter().any(|a| a.name == *name) {
                errors.push(error(
                    &format!(
                        "Field \"{}\" argument \"{name}\" of type \"{ty}\" is required, but it was not provided.",
                        f.name
                    ),
                    Some(f.pos),
                ));
            }
        }
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    }

    /// A `$variable` argument: defined by the operation, of a type that fits `expected`.
    fn variable_fits(&self, value: &Literal, expected: &str) -> Result<(), Value> {
        let Literal::Variable(name, pos) = value else {
            return Ok(());
        };
        let Some(definition) = self.operation.variables.iter().find(|d| d.name == *name) else {
            let by = match &self.operation.name {
                Some(op) => format!(" by operation \"{op}\""),
                None => String::new(),
            };
            return Err(error(
                &format!("Variable \"${name}\" is not defined{by}."),
                Some(*pos),
            ));
        };
        if fits(
            &definition.ty,
            definition.default.is_some(),
            &type_ref(expected),
        ) {
            Ok(())
        } else {
            Err(error(
                &format!(
                    "Variable \"${name}\" of type \"{}\" used in position expecting type \"{expected}\".",
                    definition.ty
                ),
                Some(*pos),
            ))
        }
    }

    /// The result of a query or mutation: `{"data": ...}`, with `errors` when a field failed.
    pub fn execute(&self) -> Value {
        let mut errors = Vec::new();
        let data = self.resolve_root(self.root_type(), &mut errors, None);
        let mut result = json!({ "data": data });
        if !errors.is_empty() {
            result["errors"] = Value::Array(errors);
        }
        result
    }

    /// A subscription's events: `(count, every_ms)`.
    pub fn ticks(&self) -> (u64, u64) {
        let args = self
            .operation
            .selection
            .first()
            .and_then(|f| {
                let def = fields_of("Subscription")?
                    .iter()
                    .find(|d| d.name == f.name)?;
                self.arguments("Subscription", def, f).ok()
            })
            .unwrap_or_default();
        let int = |name: &str, max: i64| {
            args.get(name)
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .clamp(0, max)
        };
        (
            int("count", MAX_TICKS) as u64,
            int("everyMs", MAX_EVERY_MS) as u64,
        )
    }

    /// The subscription's event number `n` (from 1), as a result payload.
    pub fn event(&self, n: u64) -> Value {
        let mut errors = Vec::new();
        let data = self.resolve_root("Subscription", &mut errors, Some(n));
        let mut result = json!({ "data": data });
        if !errors.is_empty() {
            result["errors"] = Value::Array(errors);
        }
        result
    }

    /// The root fields resolved (`tick`: the subscription event's number); `null` when a
    /// non-null root field failed.
    fn resolve_root(&self, root: &str, errors: &mut Vec<Value>, tick: Option<u64>) -> Value {
        let mut data = Map::new();
        for f in &self.operation.selection {
            if !self.included(f).unwrap_or(false) || data.contains_key(f.response_key()) {
                continue;
            }
            if f.name == "__typename" {
                data.insert(f.response_key().into(), json!(root));
                continue;
            }
            let Some(def) = fields_of(root).and_then(|fs| fs.iter().find(|d| d.name == f.name))
            else {
                continue;
            };
            let args = self.arguments(root, def, f).unwrap_or_default();
            match resolve(&f.name, &args, tick) {
                Ok(value) => {
                    data.insert(
                        f.response_key().into(),
                        self.complete(def.ty, &value, &f.selection),
                    );
                }
                Err(why) => {
                    let mut e = error(&why, Some(f.pos));
                    e["path"] = json!([f.response_key()]);
                    errors.push(e);
                    if def.ty.ends_with('!') {
                        return Value::Null;
                    }
                    data.insert(f.response_key().into(), Value::Null);
                }
            }
        }
        Value::Object(data)
    }

    /// A resolved value shaped by its type and selection.
    fn complete(&self, ty: &str, value: &Value, selection: &[Field]) -> Value {
        let inner = named(ty);
        match value {
            Value::Null => Value::Null,
            Value::Array(items) => {
                let item_ty = ty
                    .trim_end_matches('!')
                    .trim_start_matches('[')
                    .trim_end_matches(']');
                Value::Array(
                    items
                        .iter()
                        .map(|v| self.complete(item_ty, v, selection))
                        .collect(),
                )
            }
            Value::Object(source) if fields_of(inner).is_some() => {
                let mut out = Map::new();
                for f in selection {
                    if !self.included(f).unwrap_or(false) || out.contains_key(f.response_key()) {
                        continue;
                    }
                    let key = f.response_key().to_string();
                    if f.name == "__typename" {
                        out.insert(key, json!(inner));
                        continue;
                    }
                    let field_ty = fields_of(inner)
                        .and_then(|fs| fs.iter().find(|d| d.name == f.name))
                        .map_or("String", |d| d.ty);
                    let value = source.get(&f.name).cloned().unwrap_or(Value::Null);
                    out.insert(key, self.complete(field_ty, &value, &f.selection));
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

/// Whether a variable of type `var` (with a default or not) may stand where `expected` is.
fn fits(var: &TypeRef, has_default: bool, expected: &TypeRef) -> bool {
    match (var, expected) {
        (TypeRef::NonNull(v), TypeRef::NonNull(e)) => fits(v, false, e),
        (v, TypeRef::NonNull(e)) => has_default && fits(v, false, e),
        (TypeRef::NonNull(v), e) => fits(v, false, e),
        (TypeRef::List(v), TypeRef::List(e)) => fits(v, false, e),
        (TypeRef::Named(v), TypeRef::Named(e)) => v == e,
        _ => false,
    }
}

fn no_subfields(f: &Field, ty: &str, pos: Pos) -> Value {
    error(
        &format!(
            "Field \"{}\" must not have a selection since type \"{ty}\" has no subfields.",
            f.name
        ),
        Some(pos),
    )
}

/// The value of a root field, from its arguments (`tick`: a subscription event's number).
fn resolve(name: &str, args: &Map<String, Value>, tick: Option<u64>) -> Result<Value, String> {
    let item = |id: i64| json!({ "id": id, "name": format!("item {id}") });
    let text = |key: &str| {
        args.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(match name {
        "items" => Value::Array((1..=3).map(item).collect()),
        "item" => match args.get("id").and_then(Value::as_i64) {
            Some(id) if id >= 1 => item(id),
            _ => Value::Null,
        },
        "hello" => json!(format!("hello {}", text("name"))),
        "addItem" => {
            let name = text("name");
            if name.trim().is_empty() {
                return Err("an item needs a name: addItem(name: \"...\")".into());
            }
            json!({ "id": 4, "name": name })
        }
        "ticks" => json!({ "n": tick.unwrap_or(1) }),
        other => return Err(format!("the demo schema has no resolver for {other}")),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(query: &str, variables: Value) -> Value {
        let variables = variables.as_object().cloned().unwrap_or_default();
        match prepare(query, &variables, None) {
            Ok(plan) => plan.execute(),
            Err(errors) => json!({ "errors": errors }),
        }
    }

    fn first_error(result: &Value) -> String {
        result["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn queries_resolve_with_aliases_variables_and_typename() {
        let r = run(
            "query Q($id: Int!) { all: items { id } one: item(id: $id) { __typename name } __typename hello }",
            json!({"id": 7}),
        );
        assert_eq!(
            r,
            json!({"data": {
                "all": [{"id": 1}, {"id": 2}, {"id": 3}],
                "one": {"__typename": "Item", "name": "item 7"},
                "__typename": "Query",
                "hello": "hello world",
            }})
        );
        let r = run("{ item(id: 0) { id } hello(name: \"ada\") }", json!({}));
        assert_eq!(r, json!({"data": {"item": null, "hello": "hello ada"}}));
        let r = run(
            "query ($skip: Boolean!) { items @skip(if: $skip) { id } a: hello @include(if: true) }",
            json!({"skip": true}),
        );
        assert_eq!(r, json!({"data": {"a": "hello world"}}));
    }

    #[test]
    fn mutations_answer_and_fail_in_words() {
        let r = run(
            "mutation Add($name: String!) { addItem(name: $name) { id name } }",
            json!({"name": "pen"}),
        );
        assert_eq!(r, json!({"data": {"addItem": {"id": 4, "name": "pen"}}}));
        let r = run("mutation { added: addItem(name: \" \") { id } }", json!({}));
        assert_eq!(r["data"], Value::Null);
        assert_eq!(r["errors"][0]["path"], json!(["added"]));
        assert!(first_error(&r).contains("an item needs a name"));
    }

    #[test]
    fn validation_errors_say_what_and_where() {
        let r = run("{\n  items { id }\n  nope\n}", json!({}));
        assert_eq!(
            first_error(&r),
            "Cannot query field \"nope\" on type \"Query\"."
        );
        assert_eq!(
            r["errors"][0]["locations"],
            json!([{"line": 3, "column": 3}])
        );
        let id = |v: Value| json!({ "id": v });
        // (query, variables, words its first error holds)
        let cases = [
            (
                "{ item(id: \"x\") { id } }",
                json!({}),
                "Int cannot represent",
            ),
            (
                "{ item { id } }",
                json!({}),
                "argument \"id\" of type \"Int!\" is required",
            ),
            (
                "{ item(id: 1, x: 2) { id } }",
                json!({}),
                "Unknown argument \"x\" on field \"Query.item\"",
            ),
            (
                "{ item(id: 1) }",
                json!({}),
                "must have a selection of subfields",
            ),
            ("{ hello { x } }", json!({}), "must not have a selection"),
            (
                "{ item(id: $id) { id } }",
                json!({}),
                "Variable \"$id\" is not defined",
            ),
            (
                "query ($id: String) { item(id: $id) { id } }",
                json!({}),
                "used in position expecting type \"Int!\"",
            ),
            (
                "query ($id: Int!) { item(id: $id) { id } }",
                json!({}),
                "was not provided",
            ),
            (
                "query ($id: Int!) { item(id: $id) { id } }",
                id(json!("x")),
                "got invalid value \"x\"",
            ),
            (
                "query ($i: Item) { items { id } }",
                json!({}),
                "non-input type",
            ),
            ("{ a: items { id } a: hello }", json!({}), "conflict"),
            (
                "{ items @deprecated { id } }",
                json!({}),
                "Unknown directive",
            ),
            (
                "subscription { ticks { n } again: ticks { n } }",
                json!({}),
                "only one top level field",
            ),
            ("{ items { id }", json!({}), "Syntax Error"),
        ];
        for (query, variables, words) in cases {
            let said = first_error(&run(query, variables));
            assert!(said.contains(words), "{query}: {said}");
        }
        let two = "query A { hello } query B { items { id } }";
        let none = prepare(two, &Map::new(), None).unwrap_err();
        assert!(
            none[0]["message"]
                .as_str()
                .unwrap()
                .contains("Must provide operation name")
        );
        assert!(prepare(two, &Map::new(), Some("C")).is_err());
        let a = prepare(two, &Map::new(), Some("A")).unwrap().execute();
        assert_eq!(a, json!({"data": {"hello": "hello world"}}));
    }

    /// Every prefix and every one-character change of a rich document is answered (a result
    /// or errors in words), never a panic.
    #[test]
    fn no_input_panics() {
        let rich = "query Q($id: Int! = 1, $l: [String!]) { a: item(id: $id) { id __typename } hello(name: \"\\u00e9\\n\") items @skip(if: false) { name } } subscription S { ticks(count: 2, everyMs: -1.5e3) { n } }";
        let chars: Vec<char> = rich.chars().collect();
        let variables = json!({"id": 3, "l": ["x"]}).as_object().cloned().unwrap();
        for end in 0..=chars.len() {
            let prefix: String = chars[..end].iter().collect();
            for name in [None, Some("Q"), Some("S")] {
                if let Ok(plan) = prepare(&prefix, &variables, name) {
                    let _ = (plan.execute(), plan.ticks(), plan.event(1));
                }
            }
            for c in [
                '{', '}', '(', ')', '$', '"', '[', ':', '@', '.', '!', '\\', 'é',
            ] {
                let mut changed = chars.clone();
                if end < changed.len() {
                    changed[end] = c;
                }
                let changed: String = changed.into_iter().collect();
                if let Ok(plan) = prepare(&changed, &variables, Some("Q")) {
                    let _ = plan.execute();
                }
            }
        }
    }

    #[test]
    fn subscriptions_say_their_events() {
        let plan = prepare(
            "subscription S($c: Int) { tick: ticks(count: $c, everyMs: 0) { n __typename } }",
            &json!({"c": 2}).as_object().cloned().unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(plan.kind(), OperationKind::Subscription);
        assert_eq!(plan.ticks(), (2, 0));
        assert_eq!(
            plan.event(2),
            json!({"data": {"tick": {"n": 2, "__typename": "Tick"}}})
        );
        let defaults = prepare("subscription { ticks { n } }", &Map::new(), None).unwrap();
        assert_eq!(defaults.ticks(), (3, 100));
        let huge = prepare(
            "subscription { ticks(count: 5000) { n } }",
            &Map::new(),
            None,
        )
        .unwrap();
        assert_eq!(huge.ticks().0, 1000);
    }
}
