// End-to-end flows against a real `mailcore serve` (npm run e2e).
//
// The flows run in order on one server with fresh data and one signed-in
// page, each leaving a screenshot in test-artifacts/; a failing flow leaves
// FAIL-<flow>.png of where it happened, and the flows after it are skipped
// (they build on it). `npm run e2e -- -g <part of a flow name>` runs a subset.
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS, smtpSend } from './lib.mjs';
import { BOB, DEMO, PASSWORD } from './accounts.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const server = { base: process.env.MAILCORE_E2E_BASE, smtp: Number(process.env.MAILCORE_E2E_SMTP) };

test.describe.configure({ mode: 'serial' });

/** @type {import('@playwright/test').Browser} */
let browser;
/** @type {import('@playwright/test').Page} */
let page;
const errors = [];

test.beforeAll(async ({ browser: b }) => {
  expect(server.base, 'the global set-up started no server').toBeTruthy();
  browser = b;
  // bypassCSP only so that axe-core can be injected for the scans
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
  page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => errors.push(e.message));
});

test.afterEach(async () => {
  const info = test.info();
  if (info.status !== info.expectedStatus && page) {
    await shot(`FAIL-${info.title.replace(/\W+/g, '-')}`).catch(() => undefined);
  }
});

test.afterAll(async () => {
  if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
  await page?.context().close();
});

const shot = (name, p = page) => p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

/** A condition the flow asserts, with what was seen when it does not hold. */
function check(cond, message) {
  expect(Boolean(cond), message).toBe(true);
}

async function signIn(p, who) {
  await p.goto(`${server.base}/login`);
  await p.getByLabel('Email').fill(who);
  await p.getByLabel('Password').fill(PASSWORD[who]);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('searchbox', { name: 'Search mail' }).waitFor();
  await p.waitForURL(/\/label\/INBOX/);
}

async function api(who, method, pathname, body) {
  const login = await fetch(`${server.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: who, password: PASSWORD[who] }),
  }).then((r) => r.json());
  const res = await fetch(`${server.base}/api/v1${pathname}`, {
    method,
    headers: { Authorization: `Bearer ${login.access_token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.status === 204 ? null : res.json();
}

/** axe-core on the page as it is: no serious or critical violations. */
async function axe(name, p = page) {
  await p.addScriptTag({ path: AXE });
  const result = await p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (result.length) console.log(`   axe ${name}: ${result.map((v) => `${v.id}(${v.impact})`).join(', ')}`);
  check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad, null, 1)}`);
}

/** Poll until `fn` answers something truthy (a condition, not a fixed wait). */
async function until(fn, message, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const row = (p, text) => p.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: new RegExp(text) });

test('sign in', async () => {
  await page.goto(server.base + '/label/INBOX');
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await axe('sign-in');
  await shot('01-sign-in');
  await signIn(page, DEMO);
  await page.getByText('No conversations in Inbox').waitFor();
  await page.reload();
  await page.getByText('No conversations in Inbox').waitFor();
  await shot('02-empty-inbox');
  await axe('empty inbox');
  // quicker undo windows for the flows below
  await api(DEMO, 'PATCH', '/me', { undo_send_seconds: 3 });
  await api(BOB, 'PATCH', '/me', { undo_send_seconds: 3 });
});

test('a message sent over SMTP appears live', async () => {
  const t0 = performance.now();
  await smtpSend(server.smtp, {
    from: 'Alice Martin <alice@example.org>',
    to: DEMO,
    subject: 'Welcome to the team',
    text: 'Hi,\n\nGlad to have you here. The kickoff is on Monday.\n\nAlice',
  });
  await row(page, 'Alice.*Welcome to the team').waitFor({ timeout: 5000 });
  console.log(`   row visible ${Math.round(performance.now() - t0)} ms after SMTP start`);
  check((await page.title()).startsWith('Inbox (1)'), `title is ${await page.title()}`);
  for (let i = 0; i < 4; i++) {
    await smtpSend(server.smtp, {
      from: ['Bob Stone <bob@example.com>', 'Carol Diaz <carol@example.net>'][i % 2],
      to: DEMO,
      subject: ['Lunch on Friday?', 'Invoice 2041', 'Trip photos', 'Budget review'][i],
      text: `Message number ${i}.`,
      html: i === 2 ? '<p>Look at <b>these</b>: <img src="https://tracker.example/pixel.gif" alt="remote"></p>' : undefined,
    });
  }
  await row(page, 'Budget review').waitFor();
  await shot('03-live-inbox');
  await axe('inbox');
});

test('open and read it', async () => {
  await row(page, 'Welcome to the team').click();
  await page.getByRole('heading', { name: /Welcome to the team/ }).waitFor();
  await page.getByRole('list', { name: 'Messages' }).getByText('Glad to have you here.').waitFor();
  await page.waitForFunction(() => document.title.startsWith('Inbox (4)'));
  const name = await row(page, 'Welcome to the team').textContent();
  check(!name.startsWith('unread'), `row still unread: ${name}`);
  await shot('04-thread');
  await axe('thread');
  await row(page, 'Trip photos').click();
  await page.getByRole('button', { name: 'Display images below' }).click();
  await page.getByRole('heading', { name: /Trip photos/ }).waitFor();
  await row(page, 'Welcome to the team').click();
});

test('reply, and the reply threads', async () => {
  await page.getByRole('heading', { name: /Welcome to the team/ }).waitFor();
  await page.keyboard.press('r');
  const reply = page.getByRole('region', { name: 'Reply' });
  await reply.getByRole('button', { name: /Remove .*alice@example.org/ }).waitFor();
  await reply.getByRole('textbox', { name: 'Message body' }).click();
  await page.keyboard.type('Thanks Alice, see you on Monday.');
  await shot('05-reply');
  await axe('reply');
  await reply.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText('Message sent').waitFor();
  // after the undo window it is in the conversation, and in Sent
  await page.getByRole('list', { name: 'Messages' }).getByRole('button', { name: /Collapse message from Demo|Collapse message from demo/ }).waitFor({ timeout: 15_000 });
  const sent = await api(DEMO, 'GET', '/threads?label=Sent');
  check(
    sent.items.some((t) => /Welcome to the team/.test(t.subject) && t.message_count === 2),
    `reply not threaded in Sent: ${JSON.stringify(sent.items.map((t) => [t.subject, t.message_count]))}`,
  );
  await shot('06-replied');
});

test('search with an operator', async () => {
  await page.getByRole('searchbox', { name: 'Search mail' }).fill('from:carol@example.net');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/search\/from%3Acarol%40example.net/);
  await row(page, 'Invoice 2041').waitFor();
  await row(page, 'Lunch on Friday').waitFor({ state: 'detached' });
  await shot('07-search');
  await axe('search');
  await page.reload();
  await row(page, 'Invoice 2041').waitFor();
  await page.getByRole('searchbox', { name: 'Search mail' }).fill('subject:"unclosed');
  await page.keyboard.press('Enter');
  await page.getByText('This search could not be understood').waitFor();
  await shot('08-search-error');
  await page.getByRole('button', { name: 'Show search options' }).click();
  await page.getByRole('group', { name: 'Search options' }).getByLabel('Subject').fill('Budget');
  await page.getByRole('group', { name: 'Search options' }).getByRole('button', { name: 'Search' }).click();
  await row(page, 'Budget review').waitFor();
});

test('apply a label', async () => {
  await page.goto(server.base + '/label/INBOX');
  await page.getByRole('button', { name: 'Create new label' }).click();
  await page.getByLabel('Label name').fill('Work');
  await page.getByRole('button', { name: 'Colour #4a86e8' }).click();
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('navigation', { name: 'Mail' }).getByRole('link', { name: 'Work' }).waitFor();
  await row(page, 'Budget review').click();
  await page.getByRole('toolbar', { name: 'Conversation actions' }).last().getByRole('button', { name: 'Labels' }).click();
  await page.getByRole('dialog', { name: 'Label as' }).getByLabel('Work').check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('button', { name: 'Remove label Work' }).waitFor();
  await shot('09-labelled');
  // and by dragging a row onto the label
  await row(page, 'Trip photos').dragTo(page.getByRole('navigation', { name: 'Mail' }).getByRole('link', { name: 'Work' }));
  await page.getByText('Conversation moved to Work').waitFor();
  await page.getByRole('navigation', { name: 'Mail' }).getByRole('link', { name: 'Work' }).click();
  await row(page, 'Budget review').waitFor();
  await row(page, 'Trip photos').waitFor();
  await shot('10-label-list');
});

test('archive, delete and undo', async () => {
  await page.goto(server.base + '/label/INBOX');
  await page.getByRole('checkbox', { name: /Select: .*Lunch on Friday/ }).check();
  await page.getByRole('group', { name: /Bulk actions/ }).getByRole('button', { name: 'Archive' }).click();
  await row(page, 'Lunch on Friday').waitFor({ state: 'detached' });
  await page.getByText('Conversation archived').waitFor();
  await shot('11-archived');
  await page.getByRole('button', { name: 'Undo' }).last().click();
  await row(page, 'Lunch on Friday').waitFor();
  await page.getByRole('checkbox', { name: /Select: .*Invoice 2041/ }).check();
  await page.getByRole('group', { name: /Bulk actions/ }).getByRole('button', { name: 'Delete' }).click();
  await row(page, 'Invoice 2041').waitFor({ state: 'detached' });
  await page.getByText('Conversation moved to Trash').waitFor();
  await page.getByRole('button', { name: 'Undo' }).last().click();
  await row(page, 'Invoice 2041').waitFor();
  const inbox = await api(DEMO, 'GET', '/threads?label=INBOX');
  check(inbox.items.some((t) => t.subject === 'Invoice 2041'), 'undo did not restore the Inbox');
});

test('undo send', async () => {
  await page.getByRole('button', { name: 'Compose' }).click();
  const win = page.getByRole('dialog', { name: /New Message|Never mind/ });
  await page.getByRole('combobox', { name: 'To' }).fill(BOB);
  await page.getByLabel('Subject').fill('Never mind');
  await page.getByRole('textbox', { name: 'Message body' }).last().click();
  await page.keyboard.type('This should not arrive.');
  await win.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText('Message sent').waitFor();
  await shot('12-undo-toast');
  await page.getByRole('button', { name: 'Undo' }).last().click();
  await page.getByText('Sending undone').waitFor();
  await page.getByRole('dialog', { name: 'Never mind' }).waitFor();
  await page.getByRole('dialog', { name: 'Never mind' }).getByRole('button', { name: 'Discard draft' }).click();
  await page.getByRole('dialog', { name: 'Never mind' }).waitFor({ state: 'detached' });
  // cancelled: nothing waits to be sent, so it can never arrive
  const waiting = await api(DEMO, 'GET', '/scheduled');
  check(waiting.items.length === 0, `still scheduled: ${JSON.stringify(waiting.items)}`);
  const bob = await api(BOB, 'GET', '/threads?label=INBOX');
  check(!bob.items.some((t) => t.subject === 'Never mind'), 'undone message arrived');
  const sent = await api(DEMO, 'GET', '/threads?label=Sent');
  check(!sent.items.some((t) => t.subject === 'Never mind'), 'undone message is in Sent');
});

test('compose to a second local account and see it arrive there', async () => {
  const bobCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const bobPage = await bobCtx.newPage();
  await signIn(bobPage, BOB);
  await page.keyboard.press('c');
  const win = page.getByRole('dialog', { name: /New Message|Plans for the launch/ });
  await page.getByRole('combobox', { name: 'To' }).fill('bob');
  await page.getByRole('option', { name: /bob@example.com/ }).click();
  await page.getByLabel('Subject').fill('Plans for the launch');
  await page.getByRole('textbox', { name: 'Message body' }).last().click();
  await page.getByRole('button', { name: 'Bold' }).click();
  await page.keyboard.type('Launch is on');
  await page.getByRole('button', { name: 'Bold' }).click();
  await page.keyboard.type(' Tuesday.');
  await win.getByText('Draft saved').waitFor();
  await shot('13-compose');
  await axe('compose');
  await win.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText('Message sent').waitFor();
  await row(bobPage, 'Demo|demo.*Plans for the launch').waitFor({ timeout: 15_000 });
  await row(bobPage, 'Plans for the launch').click();
  const frame = bobPage.frameLocator('iframe[title^="Message from"]');
  await frame.locator('b, strong').getByText('Launch is on').waitFor();
  await shot('14-arrived-at-bob', bobPage);
  await bobCtx.close();
});

test('reopen a draft', async () => {
  await page.goto(server.base + '/label/INBOX');
  await row(page, 'Budget review').waitFor();
  await page.getByRole('button', { name: 'Compose' }).click();
  const win = page.getByRole('dialog', { name: /New Message|Agenda for Thursday/ });
  await win.getByRole('combobox', { name: 'To' }).fill(BOB);
  await win.getByRole('combobox', { name: 'To' }).press('Enter');
  await win.getByRole('button', { name: 'Cc', exact: true }).click();
  await win.getByRole('combobox', { name: 'Cc' }).fill('carol@example.net');
  await win.getByRole('combobox', { name: 'Cc' }).press('Enter');
  await win.getByLabel('Subject').fill('Agenda for Thursday');
  await win.getByRole('textbox', { name: 'Message body' }).click();
  await page.keyboard.type('First point: the budget.');
  await win.locator('input[type=file]').setInputFiles({ name: 'agenda.txt', mimeType: 'text/plain', buffer: Buffer.from('1. budget\n2. hiring\n') });
  await win.getByRole('progressbar', { name: 'Uploading agenda.txt' }).waitFor({ state: 'detached' });
  await win.getByText('Draft saved').waitFor();
  await win.getByRole('button', { name: 'Save & close' }).click();
  await win.waitFor({ state: 'detached' });
  await until(async () => (await api(DEMO, 'GET', '/drafts')).items.some((d) => d.subject === 'Agenda for Thursday'), 'the draft in Drafts');
  await page.getByRole('navigation', { name: 'Mail' }).getByRole('link', { name: /^Drafts/ }).click();
  await page.waitForURL(/\/label\/Drafts/);
  await row(page, 'Agenda for Thursday').click();
  const again = page.getByRole('dialog', { name: 'Agenda for Thursday' });
  await again.waitFor();
  await again.getByRole('button', { name: `Remove ${BOB}` }).waitFor();
  await again.getByRole('button', { name: 'Remove carol@example.net' }).waitFor();
  check((await again.getByLabel('Subject').inputValue()) === 'Agenda for Thursday', 'subject not restored');
  await again.getByRole('textbox', { name: 'Message body' }).getByText('First point: the budget.').waitFor();
  await again.getByRole('list', { name: 'Attachments' }).getByText('agenda.txt').waitFor();
  await again.getByRole('progressbar', { name: 'Uploading agenda.txt' }).waitFor({ state: 'detached' });
  check(await page.getByRole('region', { name: 'Conversation', exact: true }).count() === 0, 'the draft opened as a conversation');
  await shot('15a-draft-reopened');
  await axe('reopened draft');
  await again.getByRole('textbox', { name: 'Message body' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Second point: hiring.');
  await again.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText('Message sent').waitFor();
  await again.waitFor({ state: 'detached' });
  // it arrives at Bob's with the edit and the attachment, and leaves Drafts
  const got = await until(async () => {
    const inbox = await api(BOB, 'GET', '/threads?label=INBOX');
    const t = inbox.items.find((x) => x.subject === 'Agenda for Thursday');
    return t && (await api(BOB, 'GET', `/threads/${t.id}`));
  }, 'the reopened draft at Bob\'s');
  const m = got.messages[got.messages.length - 1];
  check(m.text.includes('First point: the budget.') && m.text.includes('Second point: hiring.'), `body: ${m.text}`);
  check(m.attachments.some((a) => a.filename === 'agenda.txt'), `attachments: ${JSON.stringify(m.attachments)}`);
  check(m.cc.some((a) => a.address === 'carol@example.net'), `cc: ${JSON.stringify(m.cc)}`);
  const drafts = await api(DEMO, 'GET', '/drafts');
  check(!drafts.items.some((d) => d.subject === 'Agenda for Thursday'), 'the sent draft is still in Drafts');
  await row(page, 'Agenda for Thursday').waitFor({ state: 'detached' });
  await shot('15b-draft-sent');
});

test('schedule send, then cancel it', async () => {
  await page.goto(server.base + '/label/INBOX');
  await row(page, 'Budget review').waitFor();
  await page.getByRole('button', { name: 'Compose' }).click();
  const win = page.getByRole('dialog', { name: /New Message|Later, maybe/ });
  await win.getByRole('combobox', { name: 'To' }).fill(BOB);
  await win.getByLabel('Subject').fill('Later, maybe');
  await win.getByRole('textbox', { name: 'Message body' }).click();
  await page.keyboard.type('This is scheduled and then cancelled.');
  await win.getByRole('button', { name: 'More send options' }).click();
  await page.getByRole('menuitem', { name: 'Schedule send' }).click();
  const dialog = page.getByRole('dialog', { name: 'Schedule send' });
  // five minutes ahead, in the browser's local time
  const local = await page.evaluate(() => {
    const d = new Date(Date.now() + 5 * 60_000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
  await dialog.getByLabel('Pick date & time').fill(local);
  await dialog.getByRole('button', { name: 'Schedule send' }).click();
  await page.getByText(/Send scheduled for/).waitFor();
  await win.waitFor({ state: 'detached' });
  await page.getByRole('navigation', { name: 'Mail' }).getByRole('link', { name: 'Scheduled' }).click();
  const list = page.getByRole('list', { name: 'Scheduled messages' });
  await list.getByText('Later, maybe').waitFor();
  await list.getByText(BOB).waitFor();
  await shot('15c-scheduled');
  await axe('scheduled list');
  await list.getByRole('button', { name: 'Cancel send of Later, maybe' }).click();
  await page.getByText('Scheduled send cancelled').waitFor();
  await page.getByText('No scheduled messages').waitFor();
  await shot('15d-scheduled-cancelled');
  // nothing is left to send it, and it is nowhere: not at Bob's, not in Sent, not a draft
  const waiting = await api(DEMO, 'GET', '/scheduled');
  check(waiting.items.length === 0, `still scheduled: ${JSON.stringify(waiting.items)}`);
  const bob = await api(BOB, 'GET', '/threads?q=subject:%22Later%2C%20maybe%22');
  check(bob.items.length === 0, 'the cancelled message arrived');
  const sent = await api(DEMO, 'GET', '/threads?label=Sent');
  check(!sent.items.some((t) => t.subject === 'Later, maybe'), 'the cancelled message is in Sent');
});

test('keyboard-only triage with j, k, o, e and #', async () => {
  await page.goto(server.base + '/label/INBOX');
  await row(page, 'Budget review').waitFor();
  const before = await page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').count();
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
  await page.keyboard.press('o');
  await page.getByRole('region', { name: 'Conversation', exact: true }).waitFor();
  const heading = await page.getByRole('region', { name: 'Conversation', exact: true }).getByRole('heading', { level: 2 }).first().textContent();
  check(focused.includes(heading.trim().slice(0, 10)), `opened "${heading}" but the cursor was on "${focused}"`);
  await page.keyboard.press('u');
  await page.getByRole('region', { name: 'Conversation', exact: true }).waitFor({ state: 'detached' });
  await page.keyboard.press('e');
  await page.getByText('Conversation archived').waitFor();
  await page.keyboard.press('#');
  await page.getByText('Conversation moved to Trash').waitFor();
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await shot('15-shortcuts');
  await axe('shortcuts');
  await page.keyboard.press('Escape');
  const after = await page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').count();
  check(after === before - 2, `expected ${before - 2} rows, saw ${after}`);
  await page.keyboard.press('g');
  await page.keyboard.press('i');
  await shot('16-after-triage');
});

test('every screen passes axe', async () => {
  for (const [name, url, wait] of [
    ['settings', '/settings', 'Save changes'],
    ['insights', '/insights', 'Mail received and sent per day'],
    ['scheduled', '/scheduled', 'Scheduled'],
    ['not-found', '/label/INBOX/thread/999999', 'This conversation was not found'],
  ]) {
    await page.goto(server.base + url);
    await page.getByText(wait).first().waitFor();
    // two painted frames: the charts have measured their containers
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await shot(`17-${name}`);
    await axe(name);
  }
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  const p = await phone.newPage();
  await signIn(p, DEMO);
  await row(p, 'Welcome to the team').waitFor();
  await shot('18-phone-list', p);
  await axe('phone list', p);
  await row(p, 'Welcome to the team').click();
  await p.getByRole('heading', { name: /Welcome to the team/ }).waitFor();
  check((await row(p, 'Budget review').count()) === 0, 'phone shows the list beside the thread');
  await shot('19-phone-thread', p);
  await axe('phone thread', p);
  await p.getByRole('button', { name: 'Back to the list' }).click();
  await p.getByRole('button', { name: 'Main menu' }).click();
  await shot('20-phone-menu', p);
  await phone.close();
});

test('sign out', async () => {
  await page.goto(server.base + '/label/INBOX');
  await page.getByRole('button', { name: /^Account/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
});
