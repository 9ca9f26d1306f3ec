// `pnpm example <package>/<name>` runs examples/<package>/<name>.ts; with no
// argument it lists the examples.
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../examples/', import.meta.url));
const wanted = process.argv[2];
const list = () =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'node_modules' && d.name !== 'out')
    .flatMap((d) => readdirSync(join(root, d.name)).filter((f) => f.endsWith('.ts')).map((f) => `${d.name}/${f.replace(/\.ts$/, '')}`));

if (!wanted) {
  console.log(`usage: pnpm example <package>/<name>\n\n${list().join('\n')}`);
} else {
  const file = join(root, `${wanted.replace(/\.ts$/, '')}.ts`);
  if (!existsSync(file)) {
    console.error(`no example '${wanted}'; available:\n${list().join('\n')}`);
    process.exit(1);
  }
  await import(pathToFileURL(file).href);
}
