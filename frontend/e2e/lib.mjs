// Shared set-up for the end-to-end flows and the benchmarks: a real
// `mailcore serve` on free ports with a fresh data directory, accounts made
// by the CLI, mail sent over SMTP, and Debian's Chromium driven by
// playwright-core (no browser download).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND = fileURLToPath(new URL('..', import.meta.url));
export const REPO = path.resolve(FRONTEND, '..');
export const ARTIFACTS = path.join(FRONTEND, 'test-artifacts');
export const MAILCORE = process.env.MAILCORE_BIN ?? path.join(REPO, '.venv', 'bin', 'mailcore');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Install Debian's Chromium with apt when it is missing (never a download by a test tool). */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log('chromium missing: installing it with apt-get');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) => {
    const r = spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed`);
  };
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', 'chromium']);
}

export async function launch() {
  ensureChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROME_ARGS, headless: true });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function cli(dataDir, args, input) {
  const r = spawnSync(MAILCORE, ['--data-dir', dataDir, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mailcore ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * A fresh server: `accounts` maps address to password. Returns its URLs,
 * ports, a `cli()` for more set-up, and `stop()`.
 */
export async function startServer({ accounts, domain = 'example.com', dist = path.join(FRONTEND, 'dist') } = {}) {
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`${dist} is not built: run npm run build`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mailcore-e2e-'));
  cli(dataDir, ['init']);
  cli(dataDir, ['domain', 'add', domain]);
  for (const [address, password] of Object.entries(accounts)) {
    cli(dataDir, ['account', 'add', address, '--password-stdin'], `${password}\n`);
  }
  const http = await freePort();
  const smtp = await freePort();
  const proc = spawn(
    MAILCORE,
    ['--data-dir', dataDir, 'serve', '--listen', `http=127.0.0.1:${http}`, '--listen', `smtp=127.0.0.1:${smtp}`],
    { env: { ...process.env, MAILCORE_FRONTEND_DIST: dist }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // never leave a server behind, whatever happens to this process
  const reap = () => proc.exitCode === null && proc.kill('SIGKILL');
  process.on('exit', reap);
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`mailcore serve exited:\n${log}`);
    try {
      const res = await fetch(`${base}/api/v1/openapi.json`);
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`mailcore serve did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitPort(smtp);
  return {
    base,
    http,
    smtp,
    dataDir,
    log: () => log,
    cli: (args, input) => cli(dataDir, args, input),
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => (proc.kill('SIGKILL'), r()), 5000);
        proc.on('exit', () => (clearTimeout(t), r()));
      });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never opened`);
}

/**
 * Send one message over SMTP (a plain conversation on a Node socket).
 * Resolves with the time the final 250 arrived (delivery accepted).
 */
export function smtpSend(port, { from, to, subject, text = 'Hello.', html, headers = {} }) {
  const rcpts = Array.isArray(to) ? to : [to];
  const id = `<${Date.now()}.${Math.random().toString(36).slice(2)}@e2e.test>`;
  const lines = [
    `From: ${from}`,
    `To: ${rcpts.join(', ')}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  let body;
  if (html) {
    const b = `b${Math.random().toString(36).slice(2)}`;
    lines.push(`Content-Type: multipart/alternative; boundary="${b}"`);
    body = [`--${b}`, 'Content-Type: text/plain; charset=utf-8', '', text, `--${b}`, 'Content-Type: text/html; charset=utf-8', '', html, `--${b}--`].join('\r\n');
  } else {
    lines.push('Content-Type: text/plain; charset=utf-8');
    body = text;
  }
  const data = `${lines.join('\r\n')}\r\n\r\n${body}`.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  const steps = ['EHLO e2e.test', `MAIL FROM:<${addr(from)}>`, ...rcpts.map((r) => `RCPT TO:<${addr(r)}>`), 'DATA', `${data}\r\n.`, 'QUIT'];
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let buf = '';
    let step = -1;
    let accepted = 0;
    sock.setEncoding('utf8');
    sock.on('data', (chunk) => {
      buf += chunk;
      for (;;) {
        const m = /^(\d{3})([ -])[^\n]*\r?\n/.exec(buf);
        if (!m) return;
        buf = buf.slice(m[0].length);
        if (m[2] === '-') continue;
        const code = Number(m[1]);
        if (code >= 400) {
          sock.destroy();
          reject(new Error(`SMTP ${steps[step] ?? 'greeting'}: ${m[0].trim()}`));
          return;
        }
        if (steps[step]?.endsWith('\r\n.')) accepted = performance.now();
        step += 1;
        if (step < steps.length) sock.write(`${steps[step]}\r\n`);
        else {
          sock.end();
          resolve({ accepted, messageId: id });
        }
      }
    });
    sock.on('error', reject);
  });
}

function addr(s) {
  const m = /<([^>]+)>/.exec(s);
  return m ? m[1] : s;
}

export function artifacts() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}
