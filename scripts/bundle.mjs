#!/usr/bin/env node
// Packs the compiled CLI (dist/src, as `tsc -b` wrote it) into one script, dist/lupine-cli.js, that
// bin/lupine loads with one read instead of resolving ~80 ES modules one by one, plus a V8 code
// cache of it (dist/lupine-cli.cache). The sources and `tsc -b` stay as they are: this is a packing
// step after the build, like a linker. Each module is translated to a function with TypeScript's own
// transpiler (ESM → CommonJS), keyed by its path, and runs on first require, in the same order ESM
// would have evaluated it. bin/lupine falls back to dist/src/cli/run.js when the pack is missing or
// older than the last build (dist/.tsbuildinfo), so a forgotten pack never runs stale code.
//
// The pack is pure ASCII (every other character escaped as \uXXXX) so bin/lupine reads it as latin1,
// a one-byte string. Its first line carries the sha256 of the rest; the cache starts with the same 64
// hex digits, so bin/lupine never hands V8 a cache made for other text (V8 itself only compares lengths).
//
// Usage: node scripts/bundle.mjs [--force]
//   quiet; rewrites only when dist/.tsbuildinfo, a dist/src file or this script is newer than the pack.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { walkFiles } from './walk-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const OUT = join(dist, 'lupine-cli.js');
const CACHE = join(dist, 'lupine-cli.cache');
const BUILDINFO = join(dist, '.tsbuildinfo');
const ENTRY = 'src/cli/main.js';
/** The pack's first line is HEADER + 64 hex digits + '\n'; bin/lupine reads the digits at this offset. */
const HEADER = '// lupine-cli pack sha256:';
/**
 * V8 flags the pack runs with (its second line; bin/lupine sets them before compiling, and the code
 * cache is made under them, or V8 would reject it). A 16x interrupt budget holds back TurboFan until
 * a function has done real work: a 100 ms command no longer spends a core compiling code it will
 * not run again, nor waits at exit for those compile jobs, while a long build still gets optimized
 * code a few milliseconds later. Measured on \`apk --simulate add\` of 87 packages: ~125 → ~100 ms.
 */
const V8_FLAGS = '--interrupt-budget=1081344';
v8.setFlagsFromString(V8_FLAGS);

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

const walk = (dir) => walkFiles(dir, '.js');

if (!existsSync(join(dist, ENTRY))) fail(`${join(dist, ENTRY)} does not exist: run \`npx tsc -b\` first`);
const force = process.argv.includes('--force');

/** What the pack is made from (dist/.tsbuildinfo, every dist/src file, this script): newest mtime and a stamp of all. */
function inputs() {
  const files = [fileURLToPath(import.meta.url), ...walk(join(dist, 'src'))];
  if (existsSync(BUILDINFO)) files.push(BUILDINFO);
  const times = files.map((f) => statSync(f).mtimeMs);
  return { newest: Math.max(...times), stamp: files.map((f, i) => `${f}\t${times[i]}`).join('\n') };
}
if (!force && existsSync(OUT) && existsSync(CACHE) && statSync(OUT).mtimeMs > inputs().newest) {
  process.exit(0);
}

const ts = createRequire(import.meta.url)('typescript');

/** Where the module cannot run as a function body: top-level await, or an import() of a computed name. */
function unpackable(file, esm) {
  const sf = ts.createSourceFile(file, esm, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  let problem;
  const visit = (node, topLevel) => {
    if (problem !== undefined) return;
    if (topLevel && (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined))) {
      problem = 'top-level await';
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      !ts.isStringLiteralLike(node.arguments[0])
    ) {
      problem = 'import() of a computed specifier';
    }
    if (problem !== undefined) {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      problem += ` at line ${line + 1}`;
      return;
    }
    const inner = topLevel && !ts.isFunctionLike(node) && !ts.isClassStaticBlockDeclaration(node);
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(sf, true);
  return problem;
}

const REEXPORT =
  /Object\.defineProperty\(exports, ("[\w$]+"), \{ enumerable: true, get: function \(\) \{ return ([\w$]+)\.([\w$]+); \} \}\);/g;

/** One module: its key (path under dist/, posix) and its CommonJS body with requires resolved to keys. */
function translate(file) {
  const key = relative(dist, file).split('\\').join('/');
  const esm = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  const problem = unpackable(file, esm);
  if (problem !== undefined) fail(`${key} cannot be packed: ${problem}`);
  const out = ts.transpileModule(esm.replaceAll('import.meta.url', '__lupineMetaUrl'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      removeComments: true,
      sourceMap: false,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0)
    fail(`${key} cannot be packed: ${ts.flattenDiagnosticMessageText(errors[0].messageText, '\n')}`);
  if (/\bimport\.meta\b/.test(out.outputText)) fail(`${key} cannot be packed: import.meta other than import.meta.url`);
  const deps = [];
  let body = out.outputText
    // Re-exports become plain values when the source module is complete (it is, unless a cycle
    // reaches back here), so a call through a barrel is a property load rather than a getter call.
    .replace(REEXPORT, '__lupineReexport(exports, $1, $2, "$3");')
    .replace(/\brequire\((["'])(\.{1,2}\/[^"']+)\1\)/g, (_, _q, spec) => {
      const target = posix.normalize(posix.join(posix.dirname(key), spec));
      if (!existsSync(join(dist, target))) {
        fail(`${key} imports ${spec}, but ${join(dist, target)} does not exist`);
      }
      deps.push(target);
      return `__lupineRequire(${JSON.stringify(target)})`;
    });
  if (/\brequire\((?!["'](?!\.{1,2}\/))/.test(body)) {
    fail(`${key} cannot be packed: a require() the packer cannot resolve`);
  }
  if (/^src\/([^/]+\/)?index\.js$/.test(key)) body = lazyBarrel(body);
  return { key, body, deps };
}

/**
 * A module's index.js only re-exports its files. Packed, each re-export becomes a getter that loads
 * its file on first use (then a plain value), so a command evaluates only the files it uses, not
 * every file of every module it touches. A file variable used for anything but re-exports is kept.
 */
function lazyBarrel(body) {
  const vars = new Map();
  for (const m of body.matchAll(/^var ([\w$]+) = __lupineRequire\(("[^"]+")\);$/gm)) vars.set(m[1], m[2]);
  for (const [v, target] of vars) {
    const name = v.replaceAll('$', '\\$');
    const uses = body.match(new RegExp(`\\b${name}\\b`, 'g'))?.length ?? 0;
    const reexports = new RegExp(`__lupineReexport\\(exports, ("[\\w$]+"), ${name}, ("[\\w$]+")\\);`, 'g');
    const count = body.match(reexports)?.length ?? 0;
    if (count === 0 || uses !== count + 1) continue;
    body = body
      .replace(`var ${v} = __lupineRequire(${target});\n`, '')
      .replace(reexports, `__lupineLazy(exports, $1, ${target}, $2);`);
  }
  return body;
}

/** The pack's text (digest line + script). */
function packText() {
  const modules = new Map();
  const pending = [ENTRY];
  while (pending.length > 0) {
    const key = pending.pop();
    if (modules.has(key)) continue;
    const m = translate(join(dist, key));
    modules.set(key, m);
    pending.push(...m.deps);
  }

  const keys = [...modules.keys()].sort();
  let body = `// v8-flags: ${V8_FLAGS}\n(function (__nodeRequire, __distUrl, __loadAll) {\n"use strict";\nconst __defs = {\n`;
  for (const key of keys) {
    const m = modules.get(key);
    body += `${JSON.stringify(key)}: function (exports, module, __lupineRequire, require, __lupineMetaUrl) {\n${m.body}\n},\n`;
  }
  body += `};
const __cache = Object.create(null);
function __lupineReexport(exports, name, from, key) {
  const v = from[key];
  if (v !== undefined) exports[name] = v;
  else Object.defineProperty(exports, name, { enumerable: true, get: () => from[key] });
}
function __lupineLazy(exports, name, key, prop) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    configurable: true,
    get() {
      const v = __lupineRequire(key)[prop];
      if (v !== undefined) Object.defineProperty(exports, name, { value: v, enumerable: true });
      return v;
    },
  });
}
function __lupineRequire(key) {
  const hit = __cache[key];
  if (hit !== undefined) return hit.exports;
  const module = { exports: {} };
  __cache[key] = module;
  __defs[key].call(module.exports, module.exports, module, __lupineRequire, __nodeRequire, __distUrl + key);
  return module.exports;
}
const __main = __lupineRequire(${JSON.stringify(ENTRY)});
if (__loadAll === true) for (const key in __defs) __lupineRequire(key);
return __main;
})
`;
  // Pure ASCII: \uXXXX means the same UTF-16 unit in strings, templates, regexes and comments.
  body = body.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const digest = createHash('sha256').update(body).digest('hex');
  return `${HEADER}${digest}\n${body}`;
}

/**
 * Runs two cheap commands in this process so that the functions a real run needs are compiled when
 * the cache is taken: `apk --help` and an `apk --simulate add` against the 4-package melange index of
 * the shared vectors (when they are there). Measured: the small simulate run ~4 ms faster, the
 * 87-package one ~5-10 ms; their output is thrown away and a failure only costs that speed.
 */
async function warm(main) {
  const sink = () =>
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    });
  const run = (argv, cwd) =>
    main(argv, { stdout: sink(), stderr: sink(), env: {}, cwd, signal: new AbortController().signal }).catch(
      () => undefined,
    );
  await run(['apk', '--help'], root);
  const index = join(root, '..', 'shared', 'vectors', 'apk', 'melange-x86_64-APKINDEX.tar.gz');
  if (!existsSync(index)) return;
  const tmp = mkdtempSync(join(tmpdir(), 'lupine-bundle-'));
  try {
    mkdirSync(join(tmp, 'repo', 'x86_64'), { recursive: true });
    mkdirSync(join(tmp, 'root'));
    symlinkSync(index, join(tmp, 'repo', 'x86_64', 'APKINDEX.tar.gz'));
    const argv = ['apk', '--simulate', '--root', join(tmp, 'root'), '--arch', 'x86_64', '--allow-untrusted'];
    // Twice through a cache of its own: the first run stores the index's pack, the second reads it.
    const cached = [...argv, '--cache-dir', join(tmp, 'cache'), '-X', join(tmp, 'repo'), 'add', 'replayout'];
    await run(cached, tmp);
    await run(cached, tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The pack and its code cache, made from dist/ as it is now. */
async function pack() {
  const text = packText();
  // The code cache: compile, warm up (the modules those runs load are evaluated), and keep what V8
  // compiled. Modules no warm-up loads are compiled when first used: a smaller cache loads faster. bin/lupine checks the digest; a rejected cache only costs speed.
  const script = new vm.Script(text, { filename: OUT });
  const { main } = script.runInThisContext()(createRequire(OUT), pathToFileURL(`${dist}/`).href, false);
  await warm(main);
  const digest = text.slice(HEADER.length, HEADER.length + 64);
  return { text, cache: Buffer.concat([Buffer.from(digest, 'latin1'), script.createCachedData()]) };
}

// If tsc rewrites dist/ while we pack, pack again: a pack must never look newer than the build it
// holds. Inputs written after the last look get an mtime >= the pack's, and bin/lupine only takes a
// pack strictly newer than dist/.tsbuildinfo.
for (let attempt = 1; ; attempt++) {
  const before = inputs();
  const { text, cache } = await pack();
  const tmp = `${OUT}.${process.pid}.tmp`;
  const ctmp = `${CACHE}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, 'latin1');
    writeFileSync(ctmp, cache);
    if (inputs().stamp !== before.stamp) {
      if (attempt < 5) continue;
      rmSync(tmp, { force: true });
      rmSync(ctmp, { force: true });
      fail('dist/ kept changing while packing: run it again when the build is done');
    }
    renameSync(ctmp, CACHE);
    renameSync(tmp, OUT);
    break;
  } finally {
    rmSync(tmp, { force: true });
    rmSync(ctmp, { force: true });
  }
}
