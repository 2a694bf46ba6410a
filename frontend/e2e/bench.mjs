// Web app benchmarks (node e2e/bench.mjs); prints one JSON line per figure:
//   web_js_gzip_kb          first-screen JavaScript, gzipped (entry + its preloaded chunks)
//   web_inbox_ready_ms      navigation to 50 rows visible, 10,000-message account (median of 5)
//   web_push_to_row_p99_ms  SMTP delivery accepted (the final 250) to its row visible (p99 of 60, WEB_BENCH_PUSHES)
//   web_thread_open_ms      click to a 20-message conversation rendered, not prefetched (median of 5)
// The corpus is generated deterministically and imported with `mailcore import mbox`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { FRONTEND, launch, smtpSend, startServer } from './lib.mjs';

const DIST = path.join(FRONTEND, 'dist');
const MESSAGES = Number(process.env.WEB_BENCH_MESSAGES ?? 10_000);
const PUSHES = Number(process.env.WEB_BENCH_PUSHES ?? 60);
const USER = 'bench@example.com';
const PASSWORD = 'bench-password';

const emit = (bench, value, unit, target, extra = {}) =>
  console.log(JSON.stringify({ bench, value: Math.round(value * 100) / 100, unit, target, ...extra }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

function firstScreenJs() {
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const files = new Set([...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
  let bytes = 0;
  for (const f of files) bytes += zlib.gzipSync(readFileSync(path.join(DIST, f)), { level: 9 }).length;
  return { kb: bytes / 1024, files: [...files] };
}

/** A deterministic mbox: MESSAGES messages, 5 conversations of 20 among them. */
function writeMbox(file) {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const words = 'plan budget review team launch report travel lunch invoice photo meeting draft update friday customer design'.split(' ');
  const people = Array.from({ length: 40 }, (_, i) => `Person ${i} <person${i}@example.org>`);
  const out = [];
  const t0 = Date.UTC(2024, 0, 1) / 1000;
  const span = 300 * 86400;
  const threads = 5;
  const perThread = 20;
  for (let i = 0; i < MESSAGES; i++) {
    const when = new Date((t0 + (i / MESSAGES) * span) * 1000);
    const inThread = i >= MESSAGES - threads * perThread;
    const k = MESSAGES - threads * perThread;
    const thread = inThread ? Math.floor((i - k) / perThread) : -1;
    const pos = inThread ? (i - k) % perThread : 0;
    const subject = inThread
      ? `${pos ? 'Re: ' : ''}Long conversation ${thread}`
      : `${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]} ${i}`;
    const id = inThread ? `<t${thread}-${pos}@bench>` : `<m${i}@bench>`;
    const refs = inThread && pos ? Array.from({ length: pos }, (_, j) => `<t${thread}-${j}@bench>`).join(' ') : '';
    const body = Array.from({ length: 6 }, () => words[Math.floor(rand() * words.length)]).join(' ');
    out.push(
      `From bench ${when.toUTCString()}`,
      `From: ${people[Math.floor(rand() * people.length)]}`,
      `To: ${USER}`,
      `Subject: ${subject}`,
      `Date: ${when.toUTCString()}`,
      `Message-ID: ${id}`,
      ...(refs ? [`In-Reply-To: <t${thread}-${pos - 1}@bench>`, `References: ${refs}`] : []),
      'X-Gmail-Labels: Inbox' + (rand() < 0.7 ? ',Opened' : ''),
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Message ${i}: ${body}.`,
      '',
    );
  }
  writeFileSync(file, out.join('\n'));
}

async function signedInPage(browser, server) {
  const login = await fetch(`${server.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: USER, password: PASSWORD }),
  }).then((r) => r.json());
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await ctx.addInitScript((s) => {
    localStorage.setItem('mailcore.session', s);
  }, JSON.stringify({ access: login.access_token, refresh: login.refresh_token, expires: Date.now() + login.expires_in * 1000 }));
  return ctx.newPage();
}

const js = firstScreenJs();
emit('web_js_gzip_kb', js.kb, 'KB', 250, { files: js.files.length });

const server = await startServer({ accounts: { [USER]: PASSWORD } });
const browser = await launch();
try {
  const mbox = path.join(server.dataDir, 'bench.mbox');
  writeMbox(mbox);
  const t = performance.now();
  server.cli(['import', 'mbox', '--account', USER, mbox]);
  console.error(`imported ${MESSAGES} messages in ${Math.round(performance.now() - t)} ms`);
  const page = await signedInPage(browser, server);

  // inbox ready: navigation start to 50 rows in the DOM and painted
  const ready = [];
  for (let run = 0; run < 6; run++) {
    await page.goto(`${server.base}/label/INBOX`, { waitUntil: 'commit' });
    const ms = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const check = () => document.querySelectorAll('ul[aria-label="Conversations"] > li').length >= 50;
          const done = () => requestAnimationFrame(() => resolve(performance.now()));
          if (check()) return done();
          const mo = new MutationObserver(() => {
            if (check()) {
              mo.disconnect();
              done();
            }
          });
          mo.observe(document, { childList: true, subtree: true });
        }),
    );
    if (run > 0) ready.push(ms); // the first run warms the server's caches
  }
  emit('web_inbox_ready_ms', median(ready), 'ms', 500, { runs: ready.length, messages: MESSAGES });

  // push to row: the final 250 of each SMTP delivery to its row in the open Inbox
  await page.goto(`${server.base}/label/INBOX`);
  await page.waitForSelector('ul[aria-label="Conversations"] > li');
  await page.evaluate(() => {
    window.__seen = {};
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('ul[aria-label="Conversations"] > li')) {
        const m = /Push probe (\d+)/.exec(el.textContent ?? '');
        if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = performance.timeOrigin + performance.now();
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const pushes = [];
  for (let i = 0; i < PUSHES; i++) {
    const { accepted } = await smtpSend(server.smtp, { from: 'Probe <probe@example.org>', to: USER, subject: `Push probe ${i}`, text: 'probe' });
    const acceptedAt = performance.timeOrigin + accepted;
    const seenAt = await page.waitForFunction((k) => window.__seen[k], String(i), { timeout: 10_000, polling: 'raf' }).then((h) => h.jsonValue());
    pushes.push(seenAt - acceptedAt);
    await new Promise((r) => setTimeout(r, 50 + (i % 5) * 20));
  }
  emit('web_push_to_row_p99_ms', pct(pushes, 99), 'ms', 300, { samples: pushes.length, p50: Math.round(median(pushes)) });

  // thread open: click (no hover prefetch) to the conversation's last message shown
  const opens = [];
  for (let n = 0; n < 5; n++) {
    await page.goto(`${server.base}/search/${encodeURIComponent(`subject:"Long conversation ${n}"`)}`);
    await page.waitForSelector('ul[aria-label="Conversations"] > li a[data-row-link]');
    const ms = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const link = document.querySelector('ul[aria-label="Conversations"] > li a[data-row-link]');
          const t0 = performance.now();
          const done = () => {
            const items = document.querySelectorAll('ul[aria-label="Messages"] > li');
            const last = items[items.length - 1];
            return items.length > 0 && last?.textContent?.includes('Message ');
          };
          const mo = new MutationObserver(() => {
            if (done()) {
              mo.disconnect();
              requestAnimationFrame(() => resolve(performance.now() - t0));
            }
          });
          mo.observe(document.body, { childList: true, subtree: true });
          link.click();
        }),
    );
    const api = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => /\/api\/v1\/threads\/\d+/.test(e.name))
        .map((e) => Math.round(e.duration)),
    );
    console.error(`thread ${n}: ${Math.round(ms)} ms, API ${api.join(',')} ms`);
    const count = await page.locator('ul[aria-label="Messages"] > li').count();
    const folded = await page.getByRole('button', { name: /older messages/ }).count();
    if (count < 3 || (count < 20 && !folded)) throw new Error(`thread ${n} shows ${count} items`);
    opens.push(ms);
  }
  emit('web_thread_open_ms', median(opens), 'ms', 150, { runs: opens.length, messages: 20 });
} finally {
  await browser.close();
  await server.stop();
}
