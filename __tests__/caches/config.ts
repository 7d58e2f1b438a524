import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One of examples/caches/* (the configurations the README documents), its {{…}} placeholders filled in. */
export function exampleConfig(file: 'nginx.conf' | 'varnish.vcl', values: Record<string, string | number>): string {
  const template = readFileSync(resolve(__dirname, '../../examples/caches', file), 'utf8');
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    if (!(name in values)) throw new Error(`no value for {{${name}}} in ${file}`);
    return String(values[name]);
  });
}
