// Checks (or with --write, applies) StyLua formatting of the Neovim plugin's and tests' Lua,
// using the StyLua npm package (WebAssembly, no binary download). Settings mirror
// nvim-plugin/.stylua.toml so the `stylua` CLI gives the same result.
//   node tests/nvim-e2e/lua-format.cjs NODE_MODULES_DIR [--write] FILES...
// Exits 1 naming each file that is not formatted.
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, ...rest] = process.argv.slice(2);
const write = rest.includes('--write');
const files = rest.filter((a) => a !== '--write');
const stylua = require(path.join(modules, '@johnnymorganz/stylua'));

// formatCode takes ownership of its Config, so each file gets a fresh one.
function makeConfig() {
  const config = stylua.Config.new();
  config.column_width = 120;
  config.indent_type = stylua.IndentType.Spaces;
  config.indent_width = 2;
  config.quote_style = stylua.QuoteStyle.AutoPreferSingle;
  config.call_parentheses = stylua.CallParenType.Always;
  return config;
}

let bad = 0;
for (const file of files) {
  const source = fs.readFileSync(file, 'utf8');
  let formatted;
  try {
    formatted = stylua.formatCode(source, makeConfig(), undefined, stylua.OutputVerification.None);
  } catch (err) {
    console.log(`${file}: cannot be parsed: ${err}`);
    bad++;
    continue;
  }
  if (formatted !== source) {
    if (write) {
      fs.writeFileSync(file, formatted);
      console.log(`formatted ${file}`);
    } else {
      console.log(`${file}: not formatted (run: node tests/nvim-e2e/lua-format.cjs ${modules} --write ${file})`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
