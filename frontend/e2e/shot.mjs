// Ad-hoc: sign in and screenshot a few screens (node e2e/shot.mjs).
import path from 'node:path';
import { artifacts, launch, smtpSend, startServer } from './lib.mjs';

const server = await startServer({ accounts: { 'demo@example.com': 'demo-password', 'bob@example.com': 'bob-password' } });
const browser = await launch();
try {
  const people = ['Alice Martin <alice@example.org>', 'Bob Stone <bob@example.com>', 'Carol Diaz <carol@example.net>'];
  for (let i = 0; i < 12; i++) {
    await smtpSend(server.smtp, {
      from: people[i % 3],
      to: 'demo@example.com',
      subject: ['Quarterly report', 'Lunch on Friday?', 'Your invoice #2041', 'Trip photos'][i % 4] + (i > 3 ? ` ${i}` : ''),
      text: `Hi,\n\nThis is message ${i}. Let's talk about the plan.\n\nThanks`,
      html: i % 2 ? `<p>Hi,</p><p>This is <b>message ${i}</b>, with <a href="https://example.org">a link</a>.</p>` : undefined,
    });
  }
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(server.base + '/');
  await page.screenshot({ path: path.join(artifacts(), 'shot-signin.png') });
  await page.getByLabel('Email').fill('demo@example.com');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: /Quarterly report/ }).first().waitFor();
  await page.screenshot({ path: path.join(artifacts(), 'shot-inbox.png') });
  await page.getByRole('link', { name: /Lunch on Friday/ }).first().click();
  await page.getByRole('heading', { name: /Lunch on Friday/ }).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(artifacts(), 'shot-thread.png') });
  await page.keyboard.press('c');
  await page.getByLabel('Message body').first().waitFor();
  await page.screenshot({ path: path.join(artifacts(), 'shot-compose.png') });
  const phone = await browser.newPage({ viewport: { width: 390, height: 800 } });
  await phone.goto(server.base + '/login');
  await phone.getByLabel('Email').fill('demo@example.com');
  await phone.getByLabel('Password').fill('demo-password');
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await phone.getByRole('link', { name: /Quarterly report/ }).first().waitFor();
  await phone.screenshot({ path: path.join(artifacts(), 'shot-phone.png') });
} finally {
  await browser.close();
  await server.stop();
}
