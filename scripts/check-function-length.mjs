#!/usr/bin/env node
// No long functions in src/: a function longer than MAX_LINES lines is a list of named steps waiting
// to be written (see STYLE.md, "A long operation is a list of named phases").
//
// What counts as a function: a function declaration, a class method / constructor / accessor, and an
// arrow function or function expression assigned to a variable (`const f = () => { … }`) or to a class
// property. Its length is the lines from its first token (after any comments) to its closing brace.
//
// The marker: a function may stay long when a comment directly above it (in the comments that lead
// its declaration) starts with `long:` followed by the reason, e.g.
//     // long: one case per tar header type; splitting the switch would scatter the table
// The reason must say something (at least three words); a bare `// long:` is reported.
//
// PENDING lists the functions still to be split (issue 14 item 7), by `path:name`: they are not
// reported, but one that is no longer long must leave the list, so it only shrinks. Do not add to it:
// split the function, or give it a `long:` reason.
//
// Uses the TypeScript compiler API for the extents, so strings, templates and comments cannot
// confuse it. Prints each offender as `src/file.ts:line: name is N lines (max 80) …` and exits 1.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { walkFiles } from './walk-files.mjs';

export const MAX_LINES = 80;

const PENDING = new Set([]);
const MARKER = /^\s*(?:\/\/|\/\*+|\*)\s*long:\s*(.*?)\s*(?:\*\/)?\s*$/m;

/** The reason given by a `long:` comment among the comments leading `node`, or undefined. */
function longReason(text, node) {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  for (const r of ranges) {
    const m = MARKER.exec(text.slice(r.pos, r.end));
    if (m) return m[1] ?? '';
  }
  return undefined;
}

function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name && ts.isPrivateIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

/** The functions of one source file with the node that carries their leading comments. */
function functionsOf(sf) {
  const out = [];
  const visit = (node) => {
    if (
      (ts.isFunctionDeclaration(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isConstructorDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node)) &&
      node.body
    ) {
      out.push({ fn: node, name: nameOf(node), commentHolder: node });
    } else if (
      (ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) &&
      node.initializer &&
      (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))
    ) {
      // `export const f = …` carries its comments on the variable statement.
      const holder = ts.isVariableDeclaration(node) ? node.parent.parent : node;
      out.push({ fn: node.initializer, name: nameOf(node), commentHolder: holder });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every function over MAX_LINES in the given files without a reasoned `long:` marker. */
export function checkFunctionLength(files, root, pending = new Set()) {
  const problems = [];
  const stillLong = new Set();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    for (const { fn, name, commentHolder } of functionsOf(sf)) {
      const first = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(fn.getEnd()).line;
      const lines = last - first + 1;
      if (lines <= MAX_LINES) continue;
      const reason = longReason(text, commentHolder);
      const where = `${relative(root, file)}:${first + 1}`;
      const key = `${relative(root, file)}:${name}`;
      if (reason === undefined && pending.has(key)) {
        stillLong.add(key);
        continue;
      }
      if (reason === undefined) {
        problems.push(
          `${where}: ${name} is ${lines} lines (max ${MAX_LINES}); split it into named steps, or say why above it: // long: <reason>`,
        );
      } else if (reason.split(/\s+/).filter(Boolean).length < 3) {
        problems.push(`${where}: ${name} is ${lines} lines and its '// long:' comment gives no reason (say why)`);
      }
    }
  }
  for (const key of pending) {
    if (!stillLong.has(key)) {
      problems.push(`${key}: no longer over ${MAX_LINES} lines without a reason; remove it from PENDING`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : [join(root, 'src')];
  const problems = checkFunctionLength(
    dirs.flatMap((d) => walkFiles(d, '.ts')),
    root,
    process.argv.length > 2 ? new Set() : PENDING,
  );
  if (problems.length) {
    console.error(problems.join('\n'));
    console.error(`check-function-length: ${problems.length} function(s) over ${MAX_LINES} lines without a reason`);
    process.exit(1);
  }
}
