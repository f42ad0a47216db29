// README screenshots are rewritten only on request (UPDATE_SCREENSHOTS=1 npx playwright test …),
// so an ordinary test run never dirties the tracked images.
export function screenshotPath(fileName: string): string {
  return process.env.UPDATE_SCREENSHOTS ? `docs/screenshots/${fileName}` : `test-results/screenshots/${fileName}`;
}
