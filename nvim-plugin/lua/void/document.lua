--- A light, line-based scan of a `.void` buffer: where the ```void blocks are, their `type`,
--- their top-level attrs (`uid`, `name`, `format`, `send`, `label`), and which section each
--- belongs to (sections are split by `request-separator` blocks, docs/format.md §2).
---
--- The commands use it to find the section under the cursor and the names of its `ws-message`
--- blocks (`:VoidSend {name}` and its picker). It is deliberately small: it reads the block
--- style the Voiden app writes plus simple flow style (`attrs: { uid: x }`). It must not
--- validate, report diagnostics or format anything: the server owns the real parser.
local M = {}

--- @class void.Block
--- @field type string|nil Value of the block's `type:` key.
--- @field attrs table<string, string> Top-level attrs with scalar values, quotes removed.
--- @field first integer 0-based line of the opening fence.
--- @field last integer 0-based line of the closing fence (last line of the buffer if unclosed).
--- @field section integer Index into `sections`.

--- @class void.Section
--- @field first integer 0-based first line.
--- @field last integer 0-based last line.
--- @field label string|nil Label of the `request-separator` that opens it.
--- @field blocks void.Block[]

--- @class void.Scan
--- @field blocks void.Block[]
--- @field sections void.Section[]

--- Removes YAML quotes from a scalar written on one line.
--- @param value string
--- @return string
local function unquote(value)
  value = vim.trim(value)
  local dq = value:match('^"(.*)"$')
  if dq then
    return (
      dq:gsub('\\(.)', function(c)
        local escapes = { n = '\n', t = '\t', ['"'] = '"', ['\\'] = '\\' }
        return escapes[c] or c
      end)
    )
  end
  local sq = value:match("^'(.*)'$")
  if sq then
    return (sq:gsub("''", "'"))
  end
  -- A plain scalar ends before a comment.
  return (value:gsub('%s+#.*$', ''))
end

--- Splits the inside of a flow mapping (`uid: a, name: "b"`) into key/value pairs. Values that
--- hold commas inside quotes are kept whole.
--- @param inner string
--- @return table<string, string>
local function parse_flow_mapping(inner)
  local result = {}
  local items, current, quote = {}, {}, nil
  for ch in inner:gmatch('.') do
    if quote then
      if ch == quote then
        quote = nil
      end
      table.insert(current, ch)
    elseif ch == '"' or ch == "'" then
      quote = ch
      table.insert(current, ch)
    elseif ch == ',' then
      table.insert(items, table.concat(current))
      current = {}
    else
      table.insert(current, ch)
    end
  end
  table.insert(items, table.concat(current))
  for _, item in ipairs(items) do
    local key, value = item:match('^%s*([%w_%-]+)%s*:%s*(.-)%s*$')
    if key then
      result[key] = unquote(value)
    end
  end
  return result
end

--- Recognizes a Markdown fence line. Returns its character, length and info string.
--- @param line string
--- @return string|nil char, integer|nil length, string|nil info
local function fence(line)
  local indent, marks, info = line:match('^( ? ? ?)(```+)(.*)$')
  if not marks then
    indent, marks, info = line:match('^( ? ? ?)(~~~+)(.*)$')
  end
  if not marks or not indent then
    return nil
  end
  -- A backtick fence's info string may not contain backticks.
  if marks:sub(1, 1) == '`' and info:find('`', 1, true) then
    return nil
  end
  return marks:sub(1, 1), #marks, vim.trim(info)
end

--- Parses the YAML lines between the fences of a ```void block (top level only).
--- @param lines string[]
--- @param from integer 1-based index of the first line inside the fence
--- @param to integer 1-based index of the last line inside the fence
--- @return string|nil type, table<string, string> attrs
local function parse_block_yaml(lines, from, to)
  local block_type, attrs = nil, {}
  local in_attrs = false
  local dashes = 0
  for i = from, to do
    local line = lines[i]
    if line:match('^%-%-%-%s*$') then
      dashes = dashes + 1
      if dashes == 2 then
        break -- Anything after the second `---` is ignored by the app.
      end
    elseif line:match('^%S') then
      in_attrs = false
      local key, value = line:match('^([%w_%-]+)%s*:%s*(.-)%s*$')
      if key == 'type' then
        block_type = unquote(value)
      elseif key == 'attrs' then
        local inner = value:match('^{(.*)}$')
        if inner then
          attrs = vim.tbl_extend('force', attrs, parse_flow_mapping(inner))
        elseif value == '' then
          in_attrs = true
        end
      end
    elseif in_attrs then
      -- Exactly one indentation level: the block's own attrs, not those of nested nodes.
      local indent, key, value = line:match('^(%s+)([%w_%-]+)%s*:%s*(.-)%s*$')
      if indent and (attrs._indent == nil or #indent == attrs._indent) then
        attrs._indent = #indent
        if value ~= '' and not value:match('^[|>]') then
          attrs[key] = unquote(value)
        end
      end
    end
  end
  attrs._indent = nil
  return block_type, attrs
end

--- Scans buffer lines for ```void blocks and sections.
--- @param lines string[]
--- @return void.Scan
function M.scan_lines(lines)
  local blocks, sections = {}, {}
  local current = { first = 0, last = math.max(#lines - 1, 0), blocks = {} }
  table.insert(sections, current)
  local i = 1
  while i <= #lines do
    local char, length, info = fence(lines[i])
    if char then
      -- Find the closing fence: same character, at least as long, nothing after it.
      local close = #lines + 1
      for j = i + 1, #lines do
        local c, l, rest = fence(lines[j])
        if c == char and l >= length and rest == '' then
          close = j
          break
        end
      end
      if info == 'void' then
        local block_type, attrs = parse_block_yaml(lines, i + 1, math.min(close - 1, #lines))
        if block_type == 'request-separator' then
          current.last = i - 2
          current = { first = i - 1, last = math.max(#lines - 1, 0), label = attrs.label, blocks = {} }
          table.insert(sections, current)
        end
        local block = {
          type = block_type,
          attrs = attrs,
          first = i - 1,
          last = math.min(close, #lines) - 1,
          section = #sections,
        }
        table.insert(blocks, block)
        table.insert(current.blocks, block)
      end
      i = close + 1
    else
      i = i + 1
    end
  end
  -- A separator on the very first line leaves an empty leading section: keep indices stable.
  return { blocks = blocks, sections = sections }
end

--- Scans a loaded buffer.
--- @param bufnr integer
--- @return void.Scan
function M.scan(bufnr)
  return M.scan_lines(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
end

--- The section holding a 0-based line.
--- @param scan void.Scan
--- @param line integer
--- @return void.Section|nil
function M.section_at(scan, line)
  local found
  for _, section in ipairs(scan.sections) do
    if line >= section.first and line <= section.last then
      found = section
    end
  end
  return found
end

--- The section holding the block with this uid.
--- @param scan void.Scan
--- @param uid string
--- @return void.Section|nil
function M.section_of_block(scan, uid)
  for _, block in ipairs(scan.blocks) do
    if block.attrs.uid == uid then
      return scan.sections[block.section]
    end
  end
  return nil
end

--- Blocks of one type in a section, in file order.
--- @param section void.Section
--- @param block_type string
--- @return void.Block[]
function M.blocks_of_type(section, block_type)
  return vim.tbl_filter(function(block)
    return block.type == block_type
  end, section.blocks)
end

--- The `ws-message` blocks of a section that carry a name, in file order.
--- @param section void.Section
--- @return void.Block[]
function M.messages(section)
  return M.blocks_of_type(section, 'ws-message')
end

--- The first `socket-request` of a section.
--- @param section void.Section
--- @return void.Block|nil
function M.socket_request(section)
  return M.blocks_of_type(section, 'socket-request')[1]
end

return M
