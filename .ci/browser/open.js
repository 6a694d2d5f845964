#!/usr/bin/env node
// open.js URL — a real browser for .ci/e2e. The xdg-open shim that .ci/e2e
// puts first on PATH runs it when the wizard opens a link (pkg/browser →
// xdg-open). It starts Debian's headless Chromium through playwright-core,
// loads URL and plays the administrator on the simulator's pages
// (graph/sim/pages.go ids):
//   sign-in page      (#signin)    fill #login with the admin, click #signin
//   consent page      (#accept)    fill #login when the page has it (admin consent), click #accept
//   form_post page    (#form_post) the page posts code+state to MSAL's loopback
//                                  listener by itself; wait until the listener answered
//   granted page      (#consent-granted) done
// An admin consent link ends with a redirect to the app's reply URL
// (admin_consent=True&tenant=…); that host is outside this machine's closed
// network, so Chromium cannot load it: the redirect the browser received is
// checked instead.
// Anything else (a blocked page, an AADSTS error, an unknown page) prints the
// page's text and exits non-zero. Screenshots of each page before it is
// submitted and of the last one go to $E2E_SHOTS (default: the OS temp dir).
//
// Environment: E2E_ADMIN (default admin@contoso.com), E2E_SHOTS, CHROMIUM
// (default /usr/bin/chromium), E2E_BROWSER_TIMEOUT_MS (default 45000).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const target = process.argv[2];
const admin = process.env.E2E_ADMIN || 'admin@contoso.com';
const shots = process.env.E2E_SHOTS || os.tmpdir();
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeoutMs = Number(process.env.E2E_BROWSER_TIMEOUT_MS || 45000);
const t0 = Date.now();

function log(msg) {
  console.log(`[open.js +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
}

function isLoopback(u) {
  const h = u.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

// redact hides codes and state in logged URLs.
function redact(raw) {
  try {
    const u = new URL(raw);
    for (const k of ['code', 'state', 'client_info', 'flow']) if (u.searchParams.has(k)) u.searchParams.set(k, '…');
    return u.toString();
  } catch {
    return raw;
  }
}

async function main() {
  if (!target) throw new Error('usage: open.js URL');
  const start = new URL(target);
  if (!isLoopback(start)) throw new Error(`refusing to open ${target}: not the local simulator`);
  const simOrigin = start.origin;
  const kind = /\/adminconsent$/i.test(start.pathname) ? 'adminconsent' : 'signin';
  fs.mkdirSync(shots, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consentwiz-e2e-chromium-'));

  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1000, height: 800 },
  });
  let page;
  const shot = async (label) => {
    if (!page) return;
    const file = path.join(shots, `browser-${kind}-${label}-${Date.now()}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      log(`screenshot ${file}`);
    } catch (e) {
      log(`screenshot failed: ${e.message}`);
    }
  };
  try {
    // MSAL's listener: a loopback origin other than the simulator's.
    const listener = [];
    ctx.on('response', (res) => {
      const u = new URL(res.url());
      if (isLoopback(u) && u.origin !== simOrigin) listener.push({ url: res.url(), status: res.status(), method: res.request().method() });
    });

    // submit clicks a form button and waits for the simulator's answer to the
    // POST; a redirect away from this machine (the admin consent reply URL)
    // is returned instead of waiting for a page that cannot load here.
    const submit = async (button) => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).origin === simOrigin),
        page.click(button),
      ]);
      const loc = res.headers()['location'];
      if (res.status() >= 300 && res.status() < 400 && loc) {
        const next = new URL(loc, res.url());
        if (!isLoopback(next)) return next.toString();
      }
      await page.waitForLoadState('load');
      return '';
    };

    page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(timeoutMs);
    log(`open ${redact(target)}`);
    await page.goto(target, { waitUntil: 'load' });

    for (let step = 0; step < 8; step++) {
      await page.waitForLoadState('load');
      const url = new URL(page.url());
      let has;
      try {
        has = await page.evaluate(() => {
          const ids = ['signin', 'accept', 'form_post', 'consent-granted', 'consent-declined', 'screen', 'error-code', 'login'];
          const o = {};
          for (const id of ids) o[id] = !!document.getElementById(id);
          return o;
        });
      } catch (e) {
        // The page navigated while we looked (the form_post submits itself).
        log(`page changed while reading it (${e.message.split('\n')[0]}); looking again`);
        await page.waitForTimeout(100);
        continue;
      }
      if (url.origin !== simOrigin && isLoopback(url)) {
        // MSAL's loopback listener answered the form_post.
        const hit = listener.find((l) => l.method === 'POST') || listener[listener.length - 1];
        const text = (await page.innerText('body').catch(() => '')).trim().slice(0, 200);
        log(`MSAL's listener answered: HTTP ${hit ? hit.status : '?'} ${hit ? hit.method : ''} at ${redact(page.url())}: ${JSON.stringify(text)}`);
        await shot('done');
        if (!hit || hit.status !== 200 || hit.method !== 'POST') throw new Error('the loopback listener did not accept the form_post');
        return 0;
      }
      if (has['consent-granted']) {
        log('the page says the permissions were granted');
        await shot('done');
        return 0;
      }
      if (has['form_post']) {
        log('form_post page: waiting for it to reach the loopback listener');
        await page.waitForURL((u) => u.origin !== simOrigin, { waitUntil: 'load' });
        continue;
      }
      if (has['screen'] || has['consent-declined'] || (has['error-code'] && !has['signin'])) {
        throw new Error('the simulator refused');
      }
      if (has['signin']) {
        log(`sign-in page: signing in as ${admin}`);
        await page.fill('#login', admin);
        await shot(`${step}-signin`);
        const away = await submit('#signin');
        if (away) throw new Error(`sign-in redirected away from this machine: ${redact(away)}`);
        continue;
      }
      if (has['accept']) {
        if (has['login']) await page.fill('#login', admin);
        log(`consent page: accepting${has['login'] ? ` as ${admin}` : ''}`);
        await shot(`${step}-consent`);
        const reply = await submit('#accept');
        if (reply) {
          log(`redirected to the app's reply URL ${redact(reply)} (outside this machine, not loaded)`);
          await page.waitForLoadState('load').catch(() => {});
          await shot('done');
          const q = new URL(reply).searchParams;
          if (q.get('admin_consent') !== 'True' || q.get('error')) throw new Error(`consent not granted: ${redact(reply)}`);
          return 0;
        }
        continue;
      }
      throw new Error('unexpected page');
    }
    throw new Error('too many pages');
  } catch (e) {
    let text = '';
    if (page) text = await page.innerText('body').catch(() => '');
    console.error(`open.js: ${e.message}\n  at ${page ? redact(page.url()) : '-'}\n  page text: ${text.trim().replace(/\s+/g, ' ').slice(0, 1500)}`);
    await shot('failed');
    return 1;
  } finally {
    await ctx.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  console.error(`open.js: gave up after ${timeoutMs + 15000} ms`);
  process.exit(3);
}, timeoutMs + 15000);
main().then(
  (code) => {
    clearTimeout(timer);
    log(`exit ${code}`);
    process.exit(code);
  },
  (e) => {
    clearTimeout(timer);
    console.error(`open.js: ${e.stack || e}`);
    process.exit(1);
  },
);
