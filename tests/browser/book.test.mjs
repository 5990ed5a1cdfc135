// The book as a reader sees it: every page opened in headless Chromium.
//
//   cd tests/browser && npm ci && node --test
//
// needs the book built first (`mdbook build` at the repository root) and
// Chromium at /usr/bin/chromium (Debian's `chromium` package; set CHROMIUM
// to use another). Screenshots of a few pages go to
// target/browser-screenshots/.
//
// The same checks are then run on two small fixture books built from
// fixture/, each broken on purpose, and must report exactly what was broken.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBook } from './check-book.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const fixture = path.join(here, 'fixture');

/** With a second output (linkcheck2) mdBook writes the HTML to book/html/. */
function htmlDirOf(buildDir) {
  const html = path.join(buildDir, 'html');
  return fs.existsSync(path.join(html, 'index.html')) ? html : buildDir;
}

const show = (problems) => problems.map((p) => `  ${p.page}: ${p.kind}: ${p.detail}`).join('\n');

/** "page: kind" for each problem, sorted and without repeats. */
const kinds = (problems) => [...new Set(problems.map((p) => `${p.page}: ${p.kind}`))].sort();

/** book.toml without the named [sections]. */
function withoutSections(toml, names) {
  const kept = [];
  let skipping = false;
  for (const line of toml.split('\n')) {
    const header = line.match(/^\[([^\]]+)\]\s*$/);
    if (header) skipping = names.includes(header[1]);
    if (!skipping) kept.push(line);
  }
  return kept.join('\n');
}

/**
 * Builds a fixture book with this repository's book.toml, theme/ and
 * chapters/assets/, then adds a page to SUMMARY.md that the build has not
 * seen (a stale build). Returns { htmlDir, srcDir }.
 */
function buildFixture({ preprocessors, pages }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'book-fixture-'));
  let toml = fs.readFileSync(path.join(repo, 'book.toml'), 'utf8');
  if (!preprocessors) toml = withoutSections(toml, ['preprocessor.katex', 'preprocessor.mermaid']);
  fs.writeFileSync(path.join(dir, 'book.toml'), toml);
  fs.cpSync(path.join(repo, 'theme'), path.join(dir, 'theme'), { recursive: true });
  const src = path.join(dir, 'chapters');
  fs.cpSync(path.join(repo, 'chapters', 'assets'), path.join(src, 'assets'), { recursive: true });
  for (const f of fs.readdirSync(fixture)) {
    if (f !== 'late.md') fs.copyFileSync(path.join(fixture, f), path.join(src, f));
  }
  if (pages) {
    const summary = fs
      .readFileSync(path.join(src, 'SUMMARY.md'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('- [') || pages.some((p) => l.includes(`(${p})`)));
    fs.writeFileSync(path.join(src, 'SUMMARY.md'), summary.join('\n'));
  }
  const built = spawnSync('mdbook', ['build', dir], { encoding: 'utf8' });
  assert.equal(built.status, 0, `mdbook build of the fixture failed:\n${built.stdout}${built.stderr}`);
  fs.copyFileSync(path.join(fixture, 'late.md'), path.join(src, 'late.md'));
  fs.appendFileSync(path.join(src, 'SUMMARY.md'), '- [A page added after the build](late.md)\n');
  return { dir, htmlDir: htmlDirOf(path.join(dir, 'book')), srcDir: src };
}

test('every page of the built book works in Chromium', async () => {
  const htmlDir = process.env.BOOK_HTML || htmlDirOf(path.join(repo, 'book'));
  assert.ok(
    fs.existsSync(path.join(htmlDir, 'index.html')),
    `no built book in ${htmlDir}: run \`mdbook build\` at the repository root first`,
  );
  const started = Date.now();
  const result = await checkBook({
    htmlDir,
    srcDir: path.join(repo, 'chapters'),
    screenshotsDir: path.join(repo, 'target', 'browser-screenshots'),
    log: (line) => console.log(`  ${line}`),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`opened ${result.pages.length} pages in ${seconds} s`);
  console.log(`screenshots: ${result.screenshots.map((f) => path.relative(repo, f)).join(', ')}`);
  const summary = fs.readFileSync(path.join(repo, 'chapters', 'SUMMARY.md'), 'utf8');
  const written = [...summary.matchAll(/\]\(([^)\s]+\.md)\)/g)].length;
  assert.equal(result.pages.length, written, 'the sidebar and SUMMARY.md list different numbers of pages');
  // Section 4.1 shows its bins with rustdoc_include: the test above
  // clicked each one's eye button.
  assert.ok(
    (result.expandable['ch04-01-concurrency.html'] || 0) >= 5,
    `ch04-01-concurrency.html has ${result.expandable['ch04-01-concurrency.html']} listings with hidden lines`,
  );
  assert.deepEqual(result.problems, [], `the built book has problems:\n${show(result.problems)}`);
});

test('a broken fixture book: each breakage is reported, on its page only', async () => {
  const { dir, htmlDir, srcDir } = buildFixture({ preprocessors: true });
  try {
    const result = await checkBook({ htmlDir, srcDir });
    console.log(`fixture problems, as reported:\n${show(result.problems)}`);
    assert.deepEqual(kinds(result.problems), [
      'broken-diagram.html: unrendered diagram',
      'broken-expand.html: expand control broken',
      'broken-js.html: JavaScript error',
      'broken-links.html: broken #fragment',
      'broken-links.html: broken link',
      'broken-listing.html: empty code listing',
      'broken-math.html: unrendered formula',
      'broken-request.html: broken image',
      'broken-request.html: request off this machine',
      'late.html: not in the sidebar',
      'late.html: search misses a page',
    ]);
    assert.ok(result.pages.includes('clean.html'), 'the clean page was not opened');
    assert.equal(result.expandable['clean.html'], 1, 'the clean page has one listing with hidden lines');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a fixture book built without the math and diagram preprocessors is reported', async () => {
  const { dir, htmlDir, srcDir } = buildFixture({ preprocessors: false, pages: ['clean.md'] });
  try {
    const result = await checkBook({ htmlDir, srcDir });
    console.log(`fixture problems, as reported:\n${show(result.problems)}`);
    assert.deepEqual(kinds(result.problems), [
      'clean.html: no typeset math',
      'clean.html: unrendered diagram',
      'clean.html: unrendered formula',
      'late.html: not in the sidebar',
      'late.html: search misses a page',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
