// node play.mjs URL SECONDS [SCREENSHOT.png]
// Opens peer-fetch --http's page in headless Chromium (Debian's, or
// $CHROMIUM) and waits until the video has played SECONDS of media from
// its first frame on (a live room starts near its live edge, not at 0).
// Prints one JSON line: when the first frame played and when SECONDS more
// were played (ms after the page was opened), the position then, the
// errors the page logged. Exits 1 if
// it did not play within $PLAY_TIMEOUT_MS (default 90000) or logged any
// console error or page error; with SCREENSHOT, saves the page there.
import puppeteer from "puppeteer-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, seconds, screenshot] = process.argv.slice(2);
if (!url || !(Number(seconds) > 0)) {
  console.error("usage: node play.mjs URL SECONDS [SCREENSHOT.png]");
  process.exit(64);
}
const timeout = Number(process.env.PLAY_TIMEOUT_MS || 90000);
const profile = mkdtempSync(join(tmpdir(), "hlswarm-chromium-"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  userDataDir: profile,
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
         "--no-first-run", "--disable-gpu", "--disable-dev-shm-usage"],
});
const errors = [];
let result = { played: false };
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 480 });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
  const opened = Date.now();
  await page.goto(url, { timeout });
  await page.waitForFunction(() => document.querySelector("video").currentTime > 0,
                             { timeout, polling: 50 });
  const firstFrame = Date.now() - opened;
  const start = await page.evaluate(() => document.querySelector("video").currentTime);
  await page.waitForFunction((end) => document.querySelector("video").currentTime >= end,
                             { timeout, polling: 100 }, start + Number(seconds));
  const reached = Date.now() - opened;
  const state = await page.evaluate(() => ({
    currentTime: document.querySelector("video").currentTime,
    usingHlsJs: Boolean(window.Hls && Hls.isSupported()),
    panel: document.querySelector("aside").innerText,
  }));
  if (screenshot) await page.screenshot({ path: screenshot });
  result = { played: true, first_frame_ms: firstFrame, reached_ms: reached,
             startTime: start, ...state };
} catch (error) {
  errors.push(`driver: ${error.message}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify({ ...result, errors }));
process.exit(result.played && errors.length === 0 ? 0 : 1);
