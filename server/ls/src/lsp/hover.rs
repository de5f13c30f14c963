//! `textDocument/hover`: variables (value and where it came from, secrets masked), block and
//! node types, ws-message attrs, `ws-options` keys, assertion fields and operators.
//! Explanations come from `void_syntax::vocab` and [`super::catalog`]; this module only finds
//! what is under the cursor.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::environments::DEFAULT_PROFILE;
use void_syntax::variables::{ActiveEnvironment, MASK};
use void_syntax::{BlockKind, Document, VariableKind, vocab};

use super::catalog;
use super::completion::source_text;
use super::server::ServerState;

pub fn hover(state: &ServerState, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    let model = doc.model();
    let found = super::sessions::editor::extend_hover(
        state,
        &doc,
        offset,
        find(state, &doc, &model, offset),
    );
    Ok(found.map(|(range, value)| {
        let contents = if state.features().markdown_hover {
            HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        } else {
            HoverContents::Markup(MarkupContent {
                kind: MarkupKind::PlainText,
                value: value.replace('`', ""),
            })
        };
        Hover {
            contents,
            range: Some(state.range(&doc, range)),
        }
    }))
}

type Found = Option<(std::ops::Range<usize>, String)>;

fn find(
    state: &ServerState,
    doc: &super::document::OpenDocument,
    model: &Document,
    offset: usize,
) -> Found {
    if let Some(var) = model.variable_at(offset) {
        return Some((var.range.clone(), variable(state, &doc.uri, model, var)));
    }
    let (_, block) = model.block_at(offset)?;
    let contains = |r: &std::ops::Range<usize>| r.start <= offset && offset <= r.end;
    match &block.kind {
        BlockKind::WsOptions(options) => {
            for row in &options.rows {
                if let Some(key) = row.key.as_ref().filter(|k| contains(&k.range)) {
                    let text = match row.option {
                        Some(option) => {
                            let default = option
                                .default
                                .map_or("off".to_string(), |d| format!("`{d}`"));
                            format!(
                                "**`{}`** (ws-options)\n\n{}\n\nDefault: {default}",
                                option.name, option.doc
                            )
                        }
                        None => format!(
                            "`{}` is not a ws-options key. Known keys: {}",
                            key.value,
                            vocab::OPTION_KEYS
                                .iter()
                                .filter(|k| k.scope.websocket())
                                .map(|k| k.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    return Some((key.range.clone(), text));
                }
            }
        }
        BlockKind::WsAssertions(assertions) => {
            for row in &assertions.rows {
                if let Some(field) = row.field.as_ref().filter(|f| contains(&f.range)) {
                    return Some((field.range.clone(), field_doc(&field.value)));
                }
                if let Some(op) = row.operator.as_ref().filter(|o| contains(&o.range)) {
                    let text = match vocab::Operator::parse(&op.value) {
                        Some(parsed) => {
                            format!("**`{}`** (operator)\n\n{}", parsed.as_str(), parsed.doc())
                        }
                        None => format!(
                            "`{}` is not an operator. Known: {}",
                            op.value,
                            vocab::Operator::ALL.map(|o| o.as_str()).join(", ")
                        ),
                    };
                    return Some((op.range.clone(), text));
                }
            }
        }
        _ => {}
    }
    // Words on the line: `type: x` values and attr keys.
    let text = doc.text();
    let line = doc.line_index().line_of(offset);
    let line_range = doc.line_index().line_range(text, line);
    let line_text = &text[line_range.clone()];
    let trimmed = line_text.trim_start().trim_start_matches("- ");
    let key_start = line_range.start + (line_text.len() - trimmed.len());
    let (key, value) = trimmed.split_once(':')?;
    let value_start = key_start + key.len() + 1 + (value.len() - value.trim_start().len());
    let value = value.trim();
    if key == "type" && offset >= value_start {
        let ty = catalog::block_type(value.trim_matches('"'))?;
        return Some((
            value_start..value_start + value.len(),
            format!("**`{}`**\n\n{}", ty.name, ty.doc),
        ));
    }
    if offset < key_start + key.len() {
        let ty = catalog::block_type(block.type_str())?;
        let (_, doc_text) = ty.attrs.iter().find(|(name, _)| *name == key.trim())?;
        return Some((
            key_start..key_start + key.len(),
            format!("**`{}`** ({} attr)\n\n{doc_text}", key.trim(), ty.name),
        ));
    }
    None
}

/// The hover text of a `{{process.NAME}}`: captured by a `runtime-variables` row when an
/// earlier HTTP section runs; its value now (masked when secret, as captured secrets are) and
/// the expression that captured it, once a run in this editor captured it.
fn process_variable(state: &ServerState, uri: &Uri, name: &str) -> String {
    let mut text = format!(
        "**`{{{{{name}}}}}`**\n\nA value captured at run time by a `runtime-variables` row of an earlier HTTP section (`process.*`)."
    );
    let short = name.strip_prefix("process.").unwrap_or(name);
    let captured = state.sessions.http.captured(uri);
    let found = captured.iter().rev().find_map(|c| {
        if c.name == short {
            return Some((c, c.value.clone()));
        }
        let member = short.strip_prefix(c.name.as_str())?.strip_prefix('.')?;
        let value = c.members.iter().find(|(path, _)| path == member)?.1.clone();
        Some((c, Some(value)))
    });
    match found {
        Some((c, value)) => {
            let shown = match value {
                Some(_) if c.secret => MASK.to_string(),
                Some(v) => format!("`{v}`"),
                None => "nothing (the expression read nothing)".to_string(),
            };
            text.push_str(&format!(
                "\n\nNow: {shown}, captured by `{}` in the last run.",
                c.expression
            ));
        }
        None => text.push_str("\n\nNot captured yet: run the section that captures it."),
    }
    text
}

/// The hover text of a `{{variable}}`: its value (masked when secret), where it came from and the
/// environment; what is missing when it does not resolve. Also the tooltip of its inlay hint.
pub fn variable(
    state: &ServerState,
    uri: &Uri,
    model: &void_syntax::Document,
    var: &void_syntax::VariableRef,
) -> String {
    match var.kind() {
        VariableKind::Message => {
            return match void_syntax::conversation::msg_variable(&var.name) {
                Some(Ok(field)) => format!(
                    "**`{{{{{}}}}}`**\n\nThe `{}` of the message this reply answers, filled in when the reply is sent (`send: on-receive`, or `after:`).",
                    var.name,
                    vocab::message_field_text(&field)
                ),
                Some(Err(e)) => e,
                None => String::new(),
            };
        }
        VariableKind::Process => return process_variable(state, uri, &var.name),
        VariableKind::Runtime => {
            return format!(
                "**`{{{{{}}}}}`**\n\nResolved by the Voiden app's HTTP runner; kept as written.",
                var.name
            );
        }
        VariableKind::Environment => {}
    }
    let variables = state.variables_for(uri);
    let bindings = void_syntax::mcp_tools::tool_bindings(model);
    let bound =
        void_syntax::mcp_tools::binding_of(&bindings, model.section_at(var.range.start), &var.name);
    let section = &model.sections[model.section_at(var.range.start)];
    let capture = section
        .captured_names(model)
        .into_iter()
        .find(|(name, _, _)| *name == var.name.as_str());
    if let Some((_, _, message)) = capture {
        let by = message
            .name
            .as_ref()
            .map_or("a reply".to_string(), |n| format!("reply `{}`", n.value));
        let mut text = format!(
            "**`{{{{{}}}}}`**\n\nCaptured at run time by {by} (`capture: {}`); every later message of the session uses the captured value.",
            var.name,
            message.capture.as_ref().map_or("", |c| c.value.as_str())
        );
        if let Some(resolved) = variables.get(&var.name) {
            let shown = if resolved.secret {
                MASK.to_string()
            } else {
                format!("`{}`", resolved.value)
            };
            text.push_str(&format!(
                "\n\nUntil then: {shown}, from {}",
                source_text(&resolved.source)
            ));
        }
        return text;
    }
    match variables.get(&var.name) {
        Some(resolved) => {
            let shown = if resolved.secret {
                format!("{MASK} (secret)")
            } else {
                format!("`{}`", resolved.value)
            };
            let mut text = format!(
                "**`{{{{{}}}}}`** = {shown}\n\nFrom {}",
                var.name,
                source_text(&resolved.source)
            );
            if let Some(env) = &resolved.environment {
                text.push_str(&environment_note(env, variables.active_environment()));
            }
            if let Some(binding) = bound {
                text.push_str(&format!("\n\nIt is also {}.", binding.explain()));
            }
            text
        }
        None => match bound {
            Some(binding) => format!(
                "**`{{{{{}}}}}`** is {}.\n\nA run here has no value for it: {}",
                var.name,
                binding.explain(),
                void_syntax::variables::unresolved_message(&var.name, &variables)
            ),
            None => format!(
                "**`{{{{{}}}}}`** is not set.\n\n{}",
                var.name,
                void_syntax::variables::unresolved_message(&var.name, &variables)
            ),
        },
    }
}

/// Which app environment a value came from: the one that defines it, the active one that
/// inherits it, and the profile when it is not `default`.
fn environment_note(defined_in: &str, active: Option<&ActiveEnvironment>) -> String {
    let mut note = format!(", environment `{defined_in}`");
    if let Some(active) = active {
        if let Some(name) = active.name.as_deref()
            && name != defined_in
        {
            note.push_str(&format!(" (inherited by the active environment `{name}`)"));
        }
        if active.profile != DEFAULT_PROFILE {
            note.push_str(&format!(", profile `{}`", active.profile));
        }
        if !active.chosen {
            note.push_str(" — the first environment, as none is picked");
        }
    }
    note
}

fn field_doc(field: &str) -> String {
    match vocab::Field::parse(field) {
        Ok(parsed) => {
            let base_doc = vocab::FIELD_DOCS
                .iter()
                .filter(|(name, _)| field.starts_with(name.trim_end_matches('.')))
                .max_by_key(|(name, _)| name.len())
                .map_or("", |(_, doc)| doc);
            let accessor = match parsed.accessor {
                vocab::Accessor::Whole => String::new(),
                vocab::Accessor::Json(steps) => format!(
                    "\n\nReads the JSON value at {} into the message.",
                    vocab::count(steps.len(), "step", "steps")
                ),
                vocab::Accessor::Text => "\n\nReads the message as text.".into(),
                vocab::Accessor::Size => "\n\nReads the payload size in bytes.".into(),
                vocab::Accessor::Binary => "\n\nWhether the message is binary.".into(),
                vocab::Accessor::Event => {
                    "\n\nThe Server-Sent Event's type (`message` when it names none), or the Socket.IO event name.".into()
                }
                vocab::Accessor::Id => "\n\nThe Server-Sent Event's `id`.".into(),
                vocab::Accessor::Ack(_) => {
                    "\n\nSocket.IO: the arguments of an acknowledgement.".into()
                }
            };
            format!("**`{field}`** (assertion field)\n\n{base_doc}{accessor}")
        }
        Err(e) => e,
    }
}
