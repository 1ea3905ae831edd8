#!/usr/bin/env node
// Adds `.js` to the relative imports and exports tsc leaves extensionless in dist/ (the
// generated client's `from "./UsdmHub.types"`), so that dist/ loads as ES modules in Node and
// in bundlers that resolve a `"type": "module"` package's imports as written (webpack 5).
// Run by `npm run build` after tsc; idempotent.
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, 'dist');
const specifier = /(\b(?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*?)\2/g;

function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (file.endsWith('.js') || file.endsWith('.d.ts')) rewrite(file);
  }
}

function rewrite(file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = text.replace(specifier, (all, lead, quote, spec) => {
    if (/\.(c|m)?js$/.test(spec) || spec.endsWith('.json')) return all;
    const target = path.resolve(path.dirname(file), spec);
    if (fs.existsSync(`${target}.js`)) return `${lead}${quote}${spec}.js${quote}`;
    if (fs.existsSync(path.join(target, 'index.js'))) return `${lead}${quote}${spec}/index.js${quote}`;
    throw new Error(`${path.relative(__dirname, file)}: cannot resolve ${spec}`);
  });
  if (out !== text) fs.writeFileSync(file, out);
}

if (!fs.existsSync(dist)) {
  console.error('no dist/: run tsc -p tsconfig.build.json first');
  process.exit(1);
}
walk(dist);
