// Opens every page of a built mdBook in headless Chromium and reports what a
// reader would see go wrong. Used by book.test.mjs on the real book and on
// broken fixture books.
//
// The book is served from 127.0.0.1 by a small static server in this
// process. Every request to any other address is blocked and reported, so
// a page that would need the network fails here.
//
// Each problem is { page, kind, detail }. The kinds:
//   JavaScript error          an uncaught exception, or console.error
//   request off this machine  a request to anything but 127.0.0.1/localhost
//   failed request            a request that failed or got a 4xx/5xx answer
//   unrendered formula        $$, $...$ or a TeX command left in the text
//   no typeset math           the source page has math; the HTML has no .katex
//   unrendered diagram        a ```mermaid block not drawn as an SVG, or drawn
//                             as Mermaid's error picture
//   empty code listing        a <pre><code> with no text
//   expand control broken     a listing with hidden lines (rustdoc_include)
//                             whose eye button is missing, whose hidden lines
//                             show before the click, or stay hidden after it
//   broken image              an <img> that did not load
//   broken link               a link to a file that is not in the book
//   broken #fragment          a link to an id the target page does not have
//   not in the sidebar        a SUMMARY.md page the sidebar does not link
//   search misses a page      searching for the term does not list a page
//                             whose Markdown uses it
//   search found nothing      the search box gave no result at all

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `root` on 127.0.0.1 at a free port. */
export async function serve(root) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(base, path.normalize(rel));
    if (!file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function isLoopback(url) {
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Markdown without fenced code blocks and {{#...}} directives; without
 * inline code too, unless `keepInlineCode`.
 */
export function prose(markdown, { keepInlineCode = false } = {}) {
  const kept = [];
  let fence = null;
  for (const line of markdown.split('\n')) {
    const m = line.match(/^\s*(`{3,}|~{3,})/);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && /^\s*[`~]+\s*$/.test(line)) fence = null;
      continue;
    }
    if (m) {
      fence = m[1];
      continue;
    }
    kept.push(line);
  }
  const text = kept.join('\n').replace(/\{\{#[^}]*\}\}/g, '');
  return keepInlineCode ? text : text.replace(/(`+)[\s\S]*?\1/g, '');
}

// $$...$$, or $...$ with no space just inside either dollar.
const MATH = /\$\$[\s\S]+?\$\$|\$[^\s$](?:[^$\n]*[^\s$\\])?\$/;

/** Does the page's own text use `term` the way the search index sees words? */
export function mentions(markdown, term) {
  const t = term.toLowerCase();
  return prose(markdown, { keepInlineCode: true })
    .split(/[\s-]+/)
    .map((w) => w.replace(/^\W+|\W+$/g, '').toLowerCase())
    .some((w) => w.startsWith(t));
}

/** The pages SUMMARY.md links (drafts have no file), with facts about their sources. */
export function readSources(srcDir, term) {
  const summary = fs.readFileSync(path.join(srcDir, 'SUMMARY.md'), 'utf8');
  const pages = [];
  for (const m of summary.matchAll(/\]\(([^)\s]+\.md)\)/g)) {
    const md = m[1];
    const text = fs.readFileSync(path.join(srcDir, md), 'utf8');
    pages.push({
      md,
      html: md.replace(/\.md$/, '.html'),
      hasMath: MATH.test(prose(text)),
      diagrams: (text.match(/^\s*```mermaid\s*$/gm) || []).length,
      mentionsTerm: mentions(text, term),
    });
  }
  return pages;
}

/** Ids in an HTML file, for links into pages the browser did not open. */
function staticIds(file) {
  const html = fs.readFileSync(file, 'utf8');
  return new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1]));
}

// Runs in the page: everything the checks need from the DOM.
/**
 * Runs in the page: clicks the "Show hidden lines" button of every listing
 * that has hidden lines, and says what did not work.
 */
function inspectExpand() {
  const main = document.querySelector('main') || document.body;
  const blocks = [...main.querySelectorAll('pre > code')].filter((c) => c.querySelector('.boring'));
  const problems = [];
  blocks.forEach((code, i) => {
    const boring = [...code.querySelectorAll('.boring')];
    const shown = () => boring.filter((b) => b.getClientRects().length > 0).length;
    const where = `listing with hidden lines ${i + 1}`;
    const button = code.parentElement.querySelector('.buttons button[title="Show hidden lines"]');
    if (!button) {
      problems.push(`${where}: no "Show hidden lines" button`);
      return;
    }
    if (shown() !== 0) {
      problems.push(`${where}: ${shown()} of ${boring.length} hidden lines show before the click`);
      return;
    }
    button.click();
    if (shown() !== boring.length) {
      problems.push(`${where}: after the click ${shown()} of ${boring.length} hidden lines show`);
    }
    button.click(); // and hide them again
  });
  return { expandable: blocks.length, problems };
}

function inspectPage() {
  const main = document.querySelector('main') || document.body;
  // The text a reader sees outside code and typeset math. (Walked, not
  // cloned: a cloned <img> would load its picture a second time.)
  const text = (() => {
    const skip = 'pre, code, .katex, script, style, svg, noscript';
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    let out = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest(skip)) out += node.nodeValue;
    }
    return out;
  })();
  const TEX = /\$\$|\$[^\s$][^$\n]{0,200}?[^\s$\\]\$|\\(?:frac|dfrac|sqrt|left|right|text|cdots|ldots|dots|sum|prod|alpha|beta|lambda|mathrm|le|ge|max|min)\b/;
  const rawMath = [];
  let rest = text;
  for (let i = 0; i < 5; i++) {
    const m = TEX.exec(rest);
    if (!m) break;
    rawMath.push(rest.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30).replace(/\s+/g, ' ').trim());
    rest = rest.slice(m.index + m[0].length + 30);
  }
  const diagrams = [...main.querySelectorAll('pre.mermaid')];
  const notDrawn = diagrams.filter((p) => !p.querySelector('svg')).length
    + main.querySelectorAll('code.language-mermaid').length;
  const drawnAsError = diagrams.filter((p) => {
    const svg = p.querySelector('svg');
    return svg && (svg.getAttribute('aria-roledescription') === 'error' || /Syntax error/i.test(svg.textContent));
  }).length;
  const listings = [...main.querySelectorAll('pre > code')];
  const emptyListings = listings
    .map((c, i) => ({ i, empty: c.textContent.trim() === '', lang: c.className }))
    .filter((c) => c.empty)
    .map((c) => `listing ${c.i + 1} (${c.lang || 'no language'})`);
  return {
    title: document.title,
    rawMath,
    katex: main.querySelectorAll('.katex').length,
    diagrams: diagrams.length,
    notDrawn,
    drawnAsError,
    listings: listings.length,
    emptyListings,
    brokenImages: [...main.querySelectorAll('img')]
      .filter((img) => !img.complete || img.naturalWidth === 0)
      .map((img) => img.getAttribute('src')),
    images: main.querySelectorAll('img').length,
    links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
    ids: [
      ...[...document.querySelectorAll('[id]')].map((e) => e.id),
      ...[...document.querySelectorAll('a[name]')].map((a) => a.name),
    ],
    sidebar: [...document.querySelectorAll('#mdbook-sidebar a[href]')].map((a) => a.href),
  };
}

/**
 * Checks the book built in `htmlDir` from the sources in `srcDir`.
 * Returns { pages, problems, search: { expected, found }, screenshots,
 * expandable: { page: listings with hidden lines } }.
 */
export async function checkBook({ htmlDir, srcDir, screenshotsDir, searchTerm = 'Mutex', log = () => {} }) {
  const problems = [];
  const reported = new Set();
  const add = (page, kind, detail) => {
    const key = `${page}\n${kind}\n${detail}`;
    if (!reported.has(key)) {
      reported.add(key);
      problems.push({ page, kind, detail });
    }
  };
  const sources = readSources(srcDir, searchTerm);
  const server = await serve(htmlDir);
  const origin = server.origin;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'book-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const screenshots = [];
  const visited = new Map(); // page -> { ids, links }
  const pages = [];
  const search = { expected: [], found: [] };
  const expandable = {}; // page -> listings with hidden lines
  try {
    const page = context.pages()[0] || (await context.newPage());
    let current = '(start)';
    const blocked = new Set();
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (isLoopback(url)) return route.continue();
      blocked.add(url.href);
      add(current, 'request off this machine', url.href);
      return route.abort('blockedbyclient');
    });
    page.on('pageerror', (e) => add(current, 'JavaScript error', String(e.message || e).split('\n')[0]));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        add(current, 'JavaScript error', `console.error: ${m.text().split('\n')[0]}`);
      }
    });
    page.on('requestfailed', (r) => {
      if (!blocked.has(r.url())) add(current, 'failed request', `${r.url()}: ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) add(current, 'failed request', `${r.status()} ${r.url()}`);
    });

    const rel = (href) => {
      const u = new URL(href);
      return u.origin === origin ? decodeURIComponent(u.pathname).replace(/^\//, '') || 'index.html' : null;
    };

    // The front page: the sidebar and the search box.
    current = 'index.html';
    await page.goto(`${origin}/index.html`, { waitUntil: 'networkidle' });
    const front = await page.evaluate(inspectPage);
    // index.html is mdBook's copy of the first page, which is opened under its own name.
    const sidebar = [...new Set(front.sidebar.map(rel).filter((p) => p && p !== 'index.html'))];
    for (const src of sources) {
      if (!sidebar.includes(src.html)) {
        add(src.html, 'not in the sidebar', `SUMMARY.md links ${src.md}, the built sidebar does not`);
      }
    }
    if (screenshotsDir) {
      await shoot(page, screenshotsDir, 'front-page', null, screenshots);
    }

    const searchStart = Date.now();
    await page.click('#mdbook-search-toggle');
    await page.locator('#mdbook-searchbar').pressSequentially(searchTerm, { delay: 20 });
    try {
      await page.waitForSelector('#mdbook-searchresults li a', { timeout: 10000 });
    } catch {
      // reported below as nothing found
    }
    const hits = await page.$$eval('#mdbook-searchresults li a', (as) => as.map((a) => a.href));
    search.found = [...new Set(hits.map(rel).filter(Boolean))].sort();
    search.expected = sources.filter((s) => s.mentionsTerm).map((s) => s.html).sort();
    if (search.found.length === 0) {
      add('index.html', 'search found nothing', `searching for "${searchTerm}" listed no page`);
    }
    for (const want of search.expected) {
      if (!search.found.includes(want)) {
        add(want, 'search misses a page', `the page uses "${searchTerm}", searching for it does not list the page`);
      }
    }
    if (screenshotsDir) {
      await shoot(page, screenshotsDir, `search-${searchTerm.toLowerCase()}`, null, screenshots);
    }
    log(`search "${searchTerm}": ${search.found.length} pages listed, ${search.expected.length} expected from the Markdown (${Date.now() - searchStart} ms)`);

    // Every page the sidebar links.
    const shot = { diagram: false, math: false, image: false };
    for (const name of sidebar) {
      current = name;
      const started = Date.now();
      // networkidle: every request the page makes is over before the next
      // page opens, so each problem is put down to the page that caused it.
      await page.goto(`${origin}/${name}`, { waitUntil: 'networkidle' });
      // Mermaid draws after load; give it time, then look.
      await page
        .waitForFunction(
          () => [...document.querySelectorAll('pre.mermaid')].every((p) => p.querySelector('svg')),
          null,
          { timeout: 15000 },
        )
        .catch(() => {});
      await page.evaluate(() => document.fonts.ready.then(() => true));
      const info = await page.evaluate(inspectPage);
      const src = sources.find((s) => s.html === name);
      visited.set(name, { ids: new Set(info.ids), links: info.links });
      pages.push(name);

      for (const snippet of info.rawMath) add(name, 'unrendered formula', snippet);
      if (src?.hasMath && info.katex === 0) {
        add(name, 'no typeset math', 'the Markdown has $...$ math; the page has no .katex element');
      }
      if (info.notDrawn > 0) add(name, 'unrendered diagram', `${info.notDrawn} mermaid block(s) not drawn as SVG`);
      if (info.drawnAsError > 0) add(name, 'unrendered diagram', `${info.drawnAsError} mermaid block(s) drawn as a syntax error`);
      if (src && info.diagrams + info.notDrawn < src.diagrams) {
        add(name, 'unrendered diagram', `the Markdown has ${src.diagrams} mermaid block(s), the page ${info.diagrams}`);
      }
      for (const l of info.emptyListings) add(name, 'empty code listing', l);
      const expand = await page.evaluate(inspectExpand);
      expandable[name] = expand.expandable;
      for (const p of expand.problems) add(name, 'expand control broken', p);
      for (const img of info.brokenImages) add(name, 'broken image', img);

      log(
        `${String(Date.now() - started).padStart(5)} ms  ${name}  (math ${info.katex}, diagrams ${info.diagrams}, ` +
          `listings ${info.listings}, images ${info.images})`,
      );
      if (screenshotsDir) {
        if (!shot.diagram && info.diagrams > 0) {
          shot.diagram = true;
          await shoot(page, screenshotsDir, `diagram-${name.replace(/\.html$/, '')}`, 'pre.mermaid svg', screenshots);
        }
        if (!shot.math && info.katex > 0) {
          shot.math = true;
          await shoot(page, screenshotsDir, `math-${name.replace(/\.html$/, '')}`, '.katex-display, .katex', screenshots);
        }
        if (!shot.image && info.images > 0) {
          shot.image = true;
          await shoot(page, screenshotsDir, `chart-${name.replace(/\.html$/, '')}`, 'main img', screenshots);
        }
      }
    }

    // Every link between the book's pages resolves, #fragment included.
    const idsOf = (target) => {
      if (!visited.has(target)) visited.set(target, { ids: staticIds(path.join(htmlDir, target)), links: [] });
      return visited.get(target).ids;
    };
    for (const name of pages) {
      const seen = new Set();
      for (const href of visited.get(name).links) {
        const url = new URL(href);
        if (url.origin !== origin || seen.has(href)) continue;
        seen.add(href);
        let target = rel(href);
        if (target.endsWith('/')) target += 'index.html';
        const file = path.join(htmlDir, target);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
          add(name, 'broken link', `${href.replace(origin + '/', '')}: no such file in the book`);
          continue;
        }
        const fragment = decodeURIComponent(url.hash.replace(/^#/, ''));
        if (fragment && target.endsWith('.html') && !idsOf(target).has(fragment)) {
          add(name, 'broken #fragment', `${href.replace(origin + '/', '')}: ${target} has no id "${fragment}"`);
        }
      }
    }
  } finally {
    await context.close();
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { pages, problems, search, screenshots, expandable };
}

async function shoot(page, dir, name, selector, list) {
  fs.mkdirSync(dir, { recursive: true });
  if (selector) {
    await page.evaluate((sel) => document.querySelector(sel)?.scrollIntoView({ block: 'center' }), selector);
  }
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  list.push(file);
}
