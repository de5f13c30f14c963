// Copies the repository's grammars (../grammars/*.tmLanguage.json, the one source of truth)
// into the extension folder, where vsce can package them.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(here, '..', 'grammars');
const target = join(here, 'grammars');
mkdirSync(target, { recursive: true });
for (const file of readdirSync(source).filter((f) => f.endsWith('.tmLanguage.json'))) {
  copyFileSync(join(source, file), join(target, file));
}
