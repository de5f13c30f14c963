// The YAML differential test: asks the real npm `yaml` 2.7.0 (the package the Voiden app saves
// blocks with) the questions `yaml_oracle_cases` answered, and counts the differences.
//
//   node compare.mjs CASES.jsonl
//
// For every case: `YAML.stringify(value)` must equal our `yaml` byte for byte (or, when we
// refuse to write a value, the package's own text must be broken: a lone surrogate, or text
// that does not read back as the value); for a block,
// `YAML.parse(source)` must also equal our reading of it (`parsed`), key order included.
// Prints the first differences in full and a summary line; exits 1 on any difference, on a
// wrong package version, or when there are fewer cases than VOID_ORACLE_MIN_CASES (default 1).
// The package is found through VOID_YAML_MODULES (a node_modules directory).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const modules = process.env.VOID_YAML_MODULES;
if (!modules) {
  console.error('VOID_YAML_MODULES is not set (the node_modules holding yaml@2.7.0)');
  process.exit(2);
}
const require = createRequire(path.join(modules, 'noop.js'));
const version = require('yaml/package.json').version;
if (version !== '2.7.0') {
  console.error(`the oracle must be yaml 2.7.0, found ${version}`);
  process.exit(2);
}
const YAML = require('yaml');

const file = process.argv[2];
const minCases = Number(process.env.VOID_ORACLE_MIN_CASES ?? 1);

// Tagged values: {"a": [...]}, {"o": [[k, v], ...]}, {"n": "text"}; scalars as themselves.
// Objects become Maps for stringify, so that our key order is exactly the one written.
function decode(t, asMap) {
  if (t === null || typeof t !== 'object') return t;
  if ('n' in t) return Number(t.n);
  if ('a' in t) return t.a.map((x) => decode(x, asMap));
  if (asMap) return new Map(t.o.map(([k, v]) => [k, decode(v, asMap)]));
  const o = {};
  for (const [k, v] of t.o) o[k] = decode(v, asMap);
  return o;
}

// Deep equality of plain data, with key order and Object.is for numbers.
function same(a, b, at, out) {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!Object.is(a, b)) out.push(`${at}: ${a} vs ${b}`);
    return;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    if (a !== b) out.push(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    return;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${at}: array vs object`);
    return;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (JSON.stringify(ka) !== JSON.stringify(kb)) {
    out.push(`${at}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`);
    return;
  }
  for (const k of ka) same(a[k], b[k], `${at}.${k}`, out);
}

const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
let cases = 0;
let realBlocks = 0;
let reads = 0;
let differences = 0;
let refused = 0;
let readerRefused = 0;
const shown = [];
for (const line of lines) {
  const c = JSON.parse(line);
  cases += 1;
  const problems = [];
  let oracle;
  try {
    oracle = YAML.stringify(decode(c.value, true));
  } catch (e) {
    oracle = `<YAML.stringify threw: ${e.message}>`;
  }
  if (c.yaml === null) {
    // We refused to write it: right only when the package's own text is broken (a lone
    // surrogate) or does not read back as the value.
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    let readsBack = false;
    if (!lone.test(oracle)) {
      try {
        const diffs = [];
        same(YAML.parse(oracle), decode(c.value, false), '$', diffs);
        readsBack = diffs.length === 0;
      } catch {
        readsBack = false;
      }
    }
    if (readsBack) problems.push(`refused a value yaml 2.7.0 writes well:\n${oracle}`);
    refused += 1;
  } else if (oracle !== c.yaml) problems.push(`stringify:\n--- yaml 2.7.0\n${oracle}--- ours\n${c.yaml}`);
  if (c.readerRefused) {
    // Our reader may refuse only text that holds a U+FEFF (YAML 1.2 forbids one inside).
    readerRefused += 1;
    if (!c.yaml.includes('\ufeff')) problems.push('our reader refused our own output');
  }
  if (c.source !== undefined) {
    reads += 1;
    if (!c.id.startsWith('generated#')) realBlocks += 1;
    let parsed;
    try {
      parsed = YAML.parse(c.source);
    } catch (e) {
      problems.push(`YAML.parse threw: ${e.message}`);
    }
    if (parsed !== undefined) {
      const diffs = [];
      same(parsed, decode(c.parsed, false), '$', diffs);
      if (diffs.length) problems.push(`parse:\n  ${diffs.slice(0, 5).join('\n  ')}`);
    }
  }
  if (problems.length) {
    differences += 1;
    if (shown.length < 20) shown.push(`== ${c.id}\n${problems.join('\n')}`);
  }
}
for (const s of shown) console.log(s);
console.log(
  `yaml 2.7.0 oracle: ${cases} cases (${realBlocks} blocks of real files, ${cases - realBlocks} generated values; ${reads} YAML texts read by both, ${readerRefused} holding U+FEFF not read by ours; ${refused} refused where the package writes broken text), ${differences} differences`,
);
process.exit(differences > 0 || cases < minCases ? 1 : 0);
