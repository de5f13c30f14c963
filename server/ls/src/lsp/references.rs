//! `textDocument/references`: every place the project names what the position names (a
//! `{{variable}}`, a `ws-message` name, a block), from the workspace index
//! ([`super::occurrences`]). With `includeDeclaration`, the definitions come first: the lines of
//! `.env` and app environment files that set a variable, the message's `name`, the linked
//! block itself.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use serde::{Serialize, Serializer as _};

use super::occurrences::{self, Occurrence, Role};
use super::ordering;
use super::server::ServerState;

pub async fn references(
    state: &Arc<ServerState>,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>> {
    let position = params.text_document_position;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    let Some(at) = occurrences::named_at(&doc, offset, &state.roots()) else {
        return Ok(None);
    };
    let Some((view, origin)) = occurrences::project_view(state, &doc).await else {
        return Ok(None);
    };
    let found = occurrences::find(&view, &origin, &at.named);
    let wanted = |o: &&Occurrence| params.context.include_declaration || o.role != Role::Definition;
    if let Ok(result) = serialized(found.iter().filter(wanted))
        && ordering::answer_serialized(result)
    {
        // Sent as these bytes in place of the `null` (see `ordering`).
        return Ok(None);
    }
    Ok(Some(
        found
            .iter()
            .filter(wanted)
            .map(|o| Location::new(o.uri().clone(), o.range))
            .collect(),
    ))
}

/// A `Location` that borrows its URI and range (serialised exactly as `Location` is).
#[derive(Serialize)]
struct LocationRef<'a> {
    uri: &'a Uri,
    range: &'a Range,
}

/// The JSON array of the occurrences' locations, written straight from the index's values:
/// no `Location` is built, no URI copied, no `serde_json::Value` tree made.
fn serialized<'a>(
    occurrences: impl Iterator<Item = &'a Occurrence>,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut seq = serde_json::Serializer::new(&mut out);
    seq.collect_seq(occurrences.map(|o| LocationRef {
        uri: o.uri(),
        range: &o.range,
    }))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::lsp::index::{Content, IndexedFile, Origin};

    fn file(path: &str) -> Arc<IndexedFile> {
        Arc::new(IndexedFile {
            path: path.into(),
            uri: Uri::from_file_path(path).unwrap(),
            project: Arc::from(std::path::Path::new("/p")),
            in_workspace: true,
            origin: Origin::Open(1),
            content: Content::Unread(String::new()),
        })
    }

    /// The bytes written straight from the occurrences are the bytes the framework would have
    /// written for the same `Vec<Location>` (through its `Value` tree, keys in order).
    #[test]
    fn serialized_locations_are_what_the_typed_answer_serialises_to() {
        let (a, b) = (file("/p/a b.void"), file("/p/ü/é\"x.void"));
        let occurrences: Vec<Occurrence> = [(&a, 0, 3), (&a, 7, 12), (&b, 65_535, 1)]
            .into_iter()
            .map(|(f, line, character)| Occurrence {
                file: f.clone(),
                range: Range::new(
                    Position::new(line, character),
                    Position::new(line, character + 4),
                ),
                role: Role::Use,
                exact: true,
            })
            .collect();
        let typed: Vec<Location> = occurrences
            .iter()
            .map(|o| Location::new(o.uri().clone(), o.range))
            .collect();
        let through_value = serde_json::to_vec(&serde_json::to_value(&typed).unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(serialized(occurrences.iter()).unwrap()).unwrap(),
            String::from_utf8(through_value).unwrap()
        );
        assert_eq!(serialized(std::iter::empty()).unwrap(), b"[]");
    }
}
