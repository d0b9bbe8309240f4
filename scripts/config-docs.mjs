#!/usr/bin/env node
// Generates docs/configuration.md: every option of every public package,
// read from the TSDoc of each exported `…Options` interface or type (with
// inherited members), with its type, unit and default. Never edit the page by
// hand: change the TSDoc and run
//   node scripts/config-docs.mjs          (write docs/configuration.md)
//   node scripts/config-docs.mjs --check  (exit 1 when the page is out of date)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'configuration.md');

const packages = readdirSync(join(root, 'packages'))
  .sort()
  .map((dir) => ({ dir, file: join(root, 'packages', dir, 'package.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ dir, file }) => ({ dir, pkg: JSON.parse(readFileSync(file, 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

const entries = packages.map(({ dir }) => join(root, 'packages', dir, 'src', 'index.ts'));
const program = ts.createProgram(entries, {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

/** One line of TSDoc text: `{@link X.y}` → `X.y`, newlines folded, pipes escaped. */
function flatten(parts) {
  const text = typeof parts === 'string' ? parts : ts.displayPartsToString(parts ?? []);
  return text
    .replace(/\{@link(?:code|plain)?\s+([^}]*?)\s*\}/g, (_, link) => {
      const [ref, ...label] = link.split(/\s*\|\s*|\s+/);
      return `\`${label.length > 0 ? label.join(' ') : ref}\``;
    })
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

/** The unit an option's value is in, read from its name (the repo's naming rule: `…Ms`, `…Bytes`). */
function unitOf(name) {
  if (/Ms$/.test(name)) return 'ms';
  if (/Bytes$|Size$/.test(name)) return 'bytes';
  return '';
}

function ownDeclaration(symbol, srcDir) {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const declaration = target.declarations?.[0];
  if (!declaration) return undefined;
  const file = declaration.getSourceFile().fileName;
  if (!file.startsWith(srcDir + sep) && !file.startsWith(`${srcDir}/`)) return undefined;
  if (!ts.isInterfaceDeclaration(declaration) && !ts.isTypeAliasDeclaration(declaration))
    return undefined;
  return { symbol: target, declaration };
}

/**
 * Options types taken by exported constructors that are not exported
 * themselves under an `…Options` name (e.g. an intersection of two
 * interfaces): `[title, type]`.
 */
function constructorOptions(symbols, listed) {
  const found = [];
  for (const exported of symbols) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & ts.SymbolFlags.Class) || !symbol.valueDeclaration) continue;
    const classType = checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration);
    const first = classType.getConstructSignatures()[0]?.getParameters()[0];
    if (!first?.valueDeclaration || first.getName() !== 'options') continue;
    const type = checker.getNonNullableType(
      checker.getTypeOfSymbolAtLocation(first, first.valueDeclaration),
    );
    const parts = type.isIntersection() ? type.types : [type];
    const names = parts.map((part) => (part.aliasSymbol ?? part.getSymbol())?.getName());
    if (names.every((name) => name && listed.has(name))) continue;
    if (checker.getPropertiesOfType(type).length === 0) continue;
    found.push([
      `new ${symbol.getName()}(${first.getName()})`,
      type,
      names.filter(Boolean).join(' & '),
    ]);
  }
  return found;
}

function optionRows(declarationOrType) {
  const type =
    ts.isNode?.(declarationOrType) || declarationOrType.kind !== undefined
      ? checker.getTypeAtLocation(declarationOrType.name)
      : declarationOrType;
  const rows = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const decl = property.valueDeclaration ?? property.declarations?.[0];
    if (!decl) continue;
    if (decl.getSourceFile().fileName.includes(`${sep}node_modules${sep}`)) continue;
    const propertyType = checker.getTypeOfSymbolAtLocation(property, decl);
    let typeText = checker.typeToString(
      checker.getNonNullableType(propertyType),
      undefined,
      ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
    );
    if (typeText.length > 60) typeText = `${typeText.slice(0, 57)}…`;
    const tags = property.getJsDocTags(checker);
    const defaultTag = tags.find((tag) => tag.name === 'default' || tag.name === 'defaultValue');
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    rows.push({
      name: property.getName(),
      type: typeText.replace(/\|/g, '\\|'),
      unit: unitOf(property.getName()),
      default: defaultTag ? flatten(defaultTag.text) : optional ? '' : '(required)',
      doc: flatten(property.getDocumentationComment(checker)),
    });
  }
  return rows;
}

const lines = [
  '# Configuration reference',
  '',
  '<!-- Generated by scripts/config-docs.mjs from the TSDoc in packages/*/src. Do not edit by hand: run `pnpm config-docs`. -->',
  '',
  'Every option of every published package, as its TSDoc states it. Units: `ms` for',
  'durations, `bytes` for sizes (from the option name; the description says more).',
  'An empty default means the option is optional and unset unless the description',
  'says otherwise. Constructors throw a `TypeError` naming a bad or unknown option.',
  '',
];
const missingDocs = [];
for (const { dir, pkg } of packages) {
  const srcDir = join(root, 'packages', dir, 'src');
  const source = program.getSourceFile(join(srcDir, 'index.ts'));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  const found = checker
    .getExportsOfModule(moduleSymbol)
    .filter((symbol) => /Options$/.test(symbol.getName()))
    .map((symbol) => ownDeclaration(symbol, srcDir))
    .filter(Boolean)
    .sort((a, b) => a.symbol.getName().localeCompare(b.symbol.getName()));
  const listed = new Set(found.map(({ symbol }) => symbol.getName()));
  const constructors = constructorOptions(checker.getExportsOfModule(moduleSymbol), listed);
  if (found.length === 0 && constructors.length === 0) continue;
  lines.push(`## ${pkg.name}`, '');
  for (const [title, type, names] of constructors) {
    lines.push(
      `### \`${title}\``,
      '',
      `The options of \`${title}\`: \`${names}\`, all members.`,
      '',
    );
    pushTable(`${pkg.name} ${title}`, optionRows(type));
  }
  for (const { symbol, declaration } of found) {
    const rows = optionRows(declaration);
    if (rows.length === 0) continue;
    const where = relative(root, declaration.getSourceFile().fileName).split(sep).join('/');
    lines.push(`### \`${symbol.getName()}\``, '');
    const summary = flatten(symbol.getDocumentationComment(checker));
    if (summary) lines.push(summary, '');
    lines.push(`Source: [${where}](../${where})`, '');
    pushTable(`${pkg.name} ${symbol.getName()}`, rows);
  }
}

function pushTable(where, rows) {
  lines.push('| option | type | unit | default | description |', '| --- | --- | --- | --- | --- |');
  for (const row of rows) {
    if (!row.doc) missingDocs.push(`${where}: ${row.name}`);
    lines.push(`| \`${row.name}\` | \`${row.type}\` | ${row.unit} | ${row.default} | ${row.doc} |`);
  }
  lines.push('');
}
const page = `${lines.join('\n').trimEnd()}\n`;

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== page) {
    console.error('docs/configuration.md is out of date: run `pnpm config-docs` and commit it');
    process.exit(1);
  }
  console.log('docs/configuration.md is up to date');
} else {
  writeFileSync(target, page);
  console.log(
    `wrote docs/configuration.md (${lines.filter((l) => l.startsWith('| `')).length} options)`,
  );
}
if (missingDocs.length > 0) console.warn(`options without TSDoc:\n  ${missingDocs.join('\n  ')}`);
