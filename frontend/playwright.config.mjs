// The end-to-end flows (npm run e2e): @playwright/test driving Debian's
// Chromium through playwright-core, against a real `mailcore serve` that
// e2e/global-setup.mjs starts on free ports with a fresh data directory.
import { defineConfig } from '@playwright/test';
import { ARTIFACTS, CHROME_ARGS, CHROMIUM } from './e2e/lib.mjs';

// No test tool ever downloads a browser: the system Chromium is used.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.mjs',
  globalSetup: './e2e/global-setup.mjs',
  // The flows share one server and one signed-in page, in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 180_000,
  reporter: [['list']],
  outputDir: `${ARTIFACTS}/playwright`,
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM, args: CHROME_ARGS },
  },
});
