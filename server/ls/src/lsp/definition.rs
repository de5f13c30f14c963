//! `textDocument/definition`: from a `{{variable}}` to the environment-file line that sets it
//! (values from the process environment or the editor settings have no location: no result),
//! and from a `linkedBlock` / `linkedFile` to the block, file or section it links to.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::variables::Source;

use super::server::ServerState;

pub fn goto_definition(
    state: &ServerState,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let position = params.text_document_position_params;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    let model = doc.model();
    let Some(var) = model.variable_at(offset) else {
        return Ok(
            super::links::definition(state, &doc, offset).map(GotoDefinitionResponse::Scalar)
        );
    };
    let variables = state.variables_for(&doc.uri);
    let Some(resolved) = variables.get(&var.name) else {
        return Ok(None);
    };
    let Source::File { path, line } = &resolved.source else {
        return Ok(None);
    };
    let Some(uri) = Uri::from_file_path(path) else {
        return Ok(None);
    };
    let line = u32::try_from(*line).unwrap_or(u32::MAX);
    let range = Range::new(Position::new(line, 0), Position::new(line, 0));
    Ok(Some(GotoDefinitionResponse::Scalar(Location::new(
        uri, range,
    ))))
}
