// Before the flows: Debian's Chromium is present, and a fresh `mailcore serve`
// runs on free ports with the two accounts the flows sign in to. The flows
// find it through the environment (MAILCORE_E2E_BASE, MAILCORE_E2E_SMTP);
// the returned function stops it and removes its data directory.
import { artifacts, ensureChromium, startServer } from './lib.mjs';
import { PASSWORD } from './accounts.mjs';

export default async function globalSetup() {
  ensureChromium();
  artifacts();
  const server = await startServer({ accounts: PASSWORD });
  process.env.MAILCORE_E2E_BASE = server.base;
  process.env.MAILCORE_E2E_SMTP = String(server.smtp);
  return async () => {
    await server.stop();
  };
}
