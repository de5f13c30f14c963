//! The Voiden MCP tool blocks (docs/format.md §5): a `tool` block marks the request of its
//! section as a tool an AI agent may call through the Voiden MCP server, and its `toolparams`
//! child lists the tool's parameters. Each parameter row `binds` one `{{name}}` of that
//! request: when the tool is called, the server puts the parameter's value there. Such a name
//! is therefore not an unresolved variable in the tool's section, even when no environment
//! defines it; this module finds those bindings and says where their values come from.

use crate::model::Document;

/// Who gives a bound parameter its value when the tool is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSource {
    /// The agent passes it as an argument of the call (`source: agent`).
    Agent,
    /// The MCP server's own environment gives it, never the agent (`source: environment`, and
    /// the app's default when `source` is omitted, so a credential cannot leak by omission).
    Environment,
}

/// One `toolparams` row: the `{{variable}}` it binds in the section of its tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolBinding {
    /// The section of the `tool` block (and of the request it decorates).
    pub section: usize,
    /// The bound name, as written between the braces of the request (`binds`, trimmed).
    pub variable: String,
    /// Where the `binds` value is written (its scalar, quotes included).
    pub range: std::ops::Range<usize>,
    /// The tool's `name` (what the agent calls), empty when the block has none yet.
    pub tool: String,
    /// The parameter's `name` (what the agent calls the argument).
    pub parameter: String,
    pub source: ParamSource,
}

impl ToolBinding {
    /// Where the value comes from, in words (for hovers and run errors).
    pub fn explain(&self) -> String {
        let tool = if self.tool.is_empty() {
            "the MCP tool of this section".to_string()
        } else {
            format!("MCP tool `{}`", self.tool)
        };
        let giver = match self.source {
            ParamSource::Agent => "the agent gives its value when it calls the tool",
            ParamSource::Environment => {
                "the MCP server's environment gives its value when the tool is called (never the agent)"
            }
        };
        format!("bound to parameter `{}` of {tool}: {giver}", self.parameter)
    }
}

/// Every binding of every `tool` block of `doc`, in document order. Rows with no `binds` bind
/// nothing.
pub fn tool_bindings(doc: &Document) -> Vec<ToolBinding> {
    let mut out = Vec::new();
    for block in doc.blocks.iter().filter(|b| b.type_str() == "tool") {
        let Some(root) = block.yaml_root() else {
            continue;
        };
        let section = doc.section_at(block.range.start);
        let tool = text(root.get("attrs").and_then(|a| a.get("name")));
        let children = root.get("content").and_then(|c| c.items());
        for child in children.into_iter().flatten() {
            if child.get("type").and_then(|t| t.as_str()) != Some("toolparams") {
                continue;
            }
            let rows = child.get("attrs").and_then(|a| a.get("rows"));
            for row in rows.and_then(|r| r.items()).into_iter().flatten() {
                let Some(binds) = row.get("binds") else {
                    continue;
                };
                let variable = text(Some(binds));
                if variable.is_empty() {
                    continue;
                }
                let source = if text(row.get("source")) == "agent" {
                    ParamSource::Agent
                } else {
                    ParamSource::Environment
                };
                out.push(ToolBinding {
                    section,
                    variable,
                    range: binds.range(),
                    tool: tool.clone(),
                    parameter: text(row.get("name")),
                    source,
                });
            }
        }
    }
    out
}

/// The binding of `name` in `section`, when a tool of that section binds it.
pub fn binding_of<'b>(
    bindings: &'b [ToolBinding],
    section: usize,
    name: &str,
) -> Option<&'b ToolBinding> {
    bindings
        .iter()
        .find(|b| b.section == section && b.variable == name.trim())
}

/// For a run of `section` that stopped on unresolved `names`: why each name a tool of the
/// section binds has no value here (a run outside the MCP server has no agent or server to
/// give it), one sentence per name; empty when the tool binds none of them.
pub fn unresolved_bound(doc: &Document, section: usize, names: &[String]) -> Vec<String> {
    let bindings = tool_bindings(doc);
    names
        .iter()
        .filter_map(|name| {
            let binding = binding_of(&bindings, section, name)?;
            Some(format!("`{{{{{name}}}}}` is {}", binding.explain()))
        })
        .collect()
}

fn text(node: Option<crate::yaml::Node<'_>>) -> String {
    node.and_then(|n| n.as_str())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The shape the app's `/tool` block writes: a tool with parameters, one given by the
    /// agent, one by the server's environment, one with no `source` (the environment).
    const TOOL: &str = "```void\n---\ntype: tool\nattrs:\n  uid: t\n  name: create_customer\ncontent:\n  - type: toolparams\n    attrs:\n      uid: p\n      rows:\n        - name: email\n          binds: customer_email\n          type: string\n          required: true\n          source: agent\n        - name: key\n          binds: ' stripe_key '\n          source: environment\n        - name: region\n          binds: region\n        - name: unbound\n          binds: ''\n  - type: toolverifies\n    attrs:\n      uid: v\n      onFailure: withdraw\n      rows: []\n---\n```\n";

    #[test]
    fn every_row_binds_its_name_in_the_section_of_its_tool() {
        let sep = "```void\n---\ntype: request-separator\nattrs:\n  uid: s\n---\n```\n";
        let text = format!("# one\n\n{TOOL}\n{sep}\n# two\n");
        let doc = crate::parse(&text);
        let bindings = tool_bindings(&doc);
        let got: Vec<_> = bindings
            .iter()
            .map(|b| (b.variable.as_str(), b.parameter.as_str(), b.source))
            .collect();
        assert_eq!(
            got,
            [
                ("customer_email", "email", ParamSource::Agent),
                ("stripe_key", "key", ParamSource::Environment),
                ("region", "region", ParamSource::Environment),
            ]
        );
        assert_eq!(&text[bindings[1].range.clone()], "' stripe_key '");
        let section = doc.section_at(doc.blocks[0].range.start);
        assert!(binding_of(&bindings, section, "customer_email").is_some());
        assert!(binding_of(&bindings, section + 1, "customer_email").is_none());
        assert_eq!(
            bindings[0].explain(),
            "bound to parameter `email` of MCP tool `create_customer`: the agent gives its value when it calls the tool"
        );
        assert!(bindings[1].explain().contains("never the agent"));
        let why = unresolved_bound(
            &doc,
            section,
            &["BASE_URL".to_string(), "customer_email".to_string()],
        );
        assert_eq!(why.len(), 1);
        assert!(why[0].starts_with("`{{customer_email}}` is bound to parameter `email`"));
    }
}
