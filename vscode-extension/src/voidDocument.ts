/**
 * A light scan of a `.void` text for what the client's own commands need: which section the
 * cursor is in, that section's `socket-request` uid, and its `ws-message` blocks (uid, name,
 * format, body) for the Send quick pick. The server owns real parsing, diagnostics and
 * formatting; this scanner must stay tolerant (never throw) and must not grow into a second
 * parser. It must not import `vscode`, so it is unit tested under plain Node.
 */

export interface VoidBlock {
  type: string;
  uid?: string;
  name?: string;
  format?: string;
  send?: string;
  body?: string;
  /** First line (the opening fence) and last line (the closing fence), 0-based. */
  startLine: number;
  endLine: number;
}

export interface Section {
  startLine: number;
  endLine: number;
  label?: string;
  blocks: VoidBlock[];
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;

/** Splits the text into sections at `request-separator` blocks (docs/format.md §2). */
export function scanSections(text: string): Section[] {
  const lines = text.split(/\r\n|\r|\n/);
  const sections: Section[] = [];
  let current: Section = { startLine: 0, endLine: Math.max(0, lines.length - 1), blocks: [] };
  let i = 0;
  while (i < lines.length) {
    const open = FENCE_OPEN.exec(lines[i]);
    if (!open) {
      i++;
      continue;
    }
    const fence = open[1];
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (open[2] === 'void') {
      const block = parseBlock(lines.slice(i + 1, Math.min(end, lines.length)), i, Math.min(end, lines.length - 1));
      if (block.type === 'request-separator') {
        if (current.blocks.length > 0 || i > current.startLine) {
          current.endLine = i - 1;
          sections.push(current);
        }
        current = { startLine: i, endLine: lines.length - 1, label: block.name, blocks: [block] };
      } else {
        current.blocks.push(block);
      }
    }
    i = end + 1;
  }
  current.endLine = Math.max(current.startLine, lines.length - 1);
  sections.push(current);
  return sections;
}

export function sectionAt(sections: Section[], line: number): Section | undefined {
  return sections.find((s) => line >= s.startLine && line <= s.endLine);
}

/** The WebSocket request of a section, if it has one. */
export function socketRequestOf(section: Section): VoidBlock | undefined {
  return section.blocks.find((b) => b.type === 'socket-request');
}

export function messagesOf(section: Section): VoidBlock[] {
  return section.blocks.filter((b) => b.type === 'ws-message');
}

/** Reads `type` and the scalar attrs this client needs from the YAML between the `---` lines. */
function parseBlock(body: string[], startLine: number, endLine: number): VoidBlock {
  const block: VoidBlock = { type: '', startLine, endLine };
  let inAttrs = false;
  let seenDocStart = false;
  for (let k = 0; k < body.length; k++) {
    const line = body[k];
    if (/^---\s*$/.test(line)) {
      if (seenDocStart) break;
      seenDocStart = true;
      continue;
    }
    const top = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (top) {
      inAttrs = top[1] === 'attrs';
      if (top[1] === 'type') block.type = unquote(top[2]);
      continue;
    }
    if (!inAttrs) continue;
    const attr = /^( {2})([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (!attr) continue;
    const [, , key, raw] = attr;
    if (key === 'body') {
      const literal = /^[|>][+-]?(\d?)[+-]?\s*$/.exec(raw);
      if (literal) {
        // Attrs sit at indent 2; an indentation indicator counts from there.
        let indent = literal[1] ? 2 + Number(literal[1]) : 0;
        const collected: string[] = [];
        for (let m = k + 1; m < body.length; m++) {
          const next = body[m];
          if (next.trim() === '') {
            collected.push('');
            k = m;
            continue;
          }
          const lead = next.length - next.trimStart().length;
          if (lead <= 2) break;
          if (indent === 0) indent = lead;
          collected.push(next.slice(Math.min(indent, lead)));
          k = m;
        }
        while (collected.length && collected[collected.length - 1] === '') collected.pop();
        block.body = collected.join('\n');
      } else {
        block.body = unquote(raw);
      }
      continue;
    }
    if (key === 'uid' || key === 'name' || key === 'format' || key === 'send' || key === 'label') {
      const value = unquote(raw);
      if (key === 'label') block.name = value;
      else block[key] = value;
    }
  }
  return block;
}

/** Undoes the YAML quoting the app writes for one-line scalars. */
export function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    return value.slice(1, -1).replace(/''/g, "'");
  }
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value.slice(1, -1);
    }
  }
  return value.replace(/\s+#.*$/, '');
}
