// End-to-end test of `promptwav serve`'s page in real headless Chromium (Debian's package),
// driven by playwright-core (no browser download). Run: `npm ci && npm test` in this folder,
// with PROMPTWAV_BIN pointing at the binary (default: $CARGO_TARGET_DIR or ../../target, debug).
//
// It drops a set of files (Korean, emoji and colliding names, several formats, a broken one),
// waits for every row, checks names and warnings, plays a result, renames one, downloads the
// ZIP and verifies every WAV in it with python3's `wave` module (an independent reader), checks
// the names map, flags a 44.1 kHz stereo WAV in the check view, renders both languages, shows
// the "server is gone" banner, and saves a screenshot of each view under docs/serve/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, writeFileSync, readdirSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const fx = (p) => join(repo, 'fixtures', p);
const bin = process.env.PROMPTWAV_BIN || join(process.env.CARGO_TARGET_DIR || join(repo, 'target'), 'debug', 'promptwav');
const shots = join(repo, 'docs', 'serve');

/** A 16-bit stereo WAV: a tone on the left, silence on the right (a USB interface's one live input). */
function leftOnlyWav(rate = 44100, seconds = 1.5) {
  const n = Math.round(rate * seconds);
  const buf = Buffer.alloc(44 + n * 4);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 4, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 4, 28); buf.writeUInt16LE(4, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 4, 40);
  for (let i = 0; i < n; i++) {
    const quiet = i < rate * 0.4 || i > n - rate * 0.4; // silence around the tone, for trimming
    buf.writeInt16LE(quiet ? 0 : Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)), 44 + i * 4);
  }
  return buf;
}

async function startServer(tmp) {
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0'], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, no) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/http:\/\/\S+\//); if (m) ok(m[0]); });
    child.on('exit', (c) => no(new Error(`server exited ${c}`)));
  });
  return { child, url };
}

test('the converter page, end to end', { timeout: 240_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'promptwav-browser-'));
  const serverTmp = mkdtempSync(join(tmpdir(), 'promptwav-browser-tmp-'));
  const drop = join(work, 'drop');
  mkdirSync(drop);
  mkdirSync(shots, { recursive: true });
  // The set: Korean names, an emoji name, two names that collide, several formats, one broken.
  const files = [
    ['안내음성_영업시간외.mp3', fx('prompts/안내음성_영업시간외.mp3')],
    ['상담원 연결 대기.m4a', fx('prompts/상담원 연결 대기.m4a')],
    ['점심시간 안내.wav', fx('prompts/점심시간 안내.wav')],
    ['📞 인사말 🙂.ogg', fx('formats/vorbis_44100_stereo.ogg')],
    ['안내.mp3', fx('formats/mp3_vbr_22050_mono.mp3')],
    ['안내.wav', fx('formats/pcm_s16le_22050_mono.wav')],
    ['휴일 안내.webm', fx('formats/opus_48000_mono.webm')],
    ['음성사서함.amr', fx('formats/amr_nb_8000_mono.amr')],
    ['고장난 파일.mp3', fx('broken/text.mp3')],
  ];
  const paths = files.map(([name, src]) => { const p = join(drop, name); copyFileSync(src, p); return p; });
  const leftOnly = join(drop, 'usb-left-only.wav');
  writeFileSync(leftOnly, leftOnlyWav());
  paths.push(leftOnly);
  const originals = paths.map((p) => p.split('/').pop());
  // The names the CLI gives the same inputs (the oracle), numbered in order as convert does.
  const cliNames = execFileSync(bin, ['name', ...originals]).toString().trim().split('\n');

  const { child, url } = await startServer(serverTmp);
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'promptwav-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    locale: 'ko-KR',
    acceptDownloads: true,
    viewport: { width: 1180, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]');
    // Korean first (the browser's language).
    assert.equal(await page.textContent('#tab-convert'), '변환');
    assert.match(await page.textContent('#drop-convert'), /끌어 놓기/);
    assert.match(await page.inputValue('#profile'), /channeltalk/);
    await page.check('#trim');

    // The emoji file is dropped (a real drop event); the rest are picked.
    const emoji = paths[3];
    const rest = paths.filter((p) => p !== emoji);
    const b64 = readFileSync(emoji).toString('base64');
    await page.evaluate(([name, data]) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'audio/ogg' }));
      const zone = document.querySelector('#drop-convert');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [originals[3], b64]);
    await page.waitForSelector('[data-testid=row]');
    await page.setInputFiles('#files-convert', rest);
    const n = paths.length;
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('[data-testid=row]')];
      return rows.length === n && rows.every((r) => r.dataset.state === 'done' || r.dataset.state === 'failed');
    }, n, { timeout: 180_000 });

    // Rows in the order added: the emoji first, then the rest.
    const order = [originals[3], ...originals.filter((o) => o !== originals[3])];
    const rows = await page.$$eval('[data-testid=row]', (els) => els.map((e) => ({
      original: e.querySelector('[data-testid=original]').textContent,
      state: e.dataset.state,
      name: e.querySelector('[data-testid=name]')?.value ?? null,
      warnings: [...e.querySelectorAll('[data-testid=warnings] li')].map((l) => l.textContent),
      reason: e.querySelector('[data-testid=reason]')?.textContent ?? null,
      meta: e.querySelector('[data-testid=meta]')?.textContent ?? '',
    })));
    assert.deepEqual(rows.map((r) => r.original), order);
    // Each converted row says what its source was, from the record (sample_rate_hz, channels).
    for (const r of rows.filter((r) => r.state === 'done')) assert.match(r.meta, /\d+ Hz, \d+ ch/, r.original);
    const broken = rows.find((r) => r.original === '고장난 파일.mp3');
    assert.equal(broken.state, 'failed');
    assert.ok(broken.reason && broken.reason.length > 5, 'the broken file shows its reason');
    const expected = execFileSync(bin, ['name', ...order.filter((o) => o !== '고장난 파일.mp3')]).toString().trim().split('\n');
    // convert numbers collisions: 안내.mp3 -> annae.wav, 안내.wav -> annae-2.wav.
    const done = rows.filter((r) => r.state === 'done');
    assert.equal(done.length, n - 1);
    const shown = done.map((r) => r.name);
    const mp3 = done.find((r) => r.original === '안내.mp3');
    const wav = done.find((r) => r.original === '안내.wav');
    assert.equal(mp3.name, cliNames[originals.indexOf('안내.mp3')]);
    assert.equal(wav.name, mp3.name.replace(/\.wav$/, '-2.wav'));
    for (const [i, r] of done.entries()) {
      if (r !== wav) assert.equal(r.name, expected[i], r.original);
      assert.match(r.name, /^[A-Za-z0-9][A-Za-z0-9._-]*\.wav$/);
    }
    assert.equal(new Set(shown.map((s) => s.toLowerCase())).size, shown.length);
    // Warnings in plain words: the one live channel, and what trimming removed.
    const left = done.find((r) => r.original === 'usb-left-only.wav');
    assert.ok(left.warnings.some((w) => w.includes('한쪽 채널만')), JSON.stringify(left.warnings));
    assert.ok(left.warnings.some((w) => w.includes('무음 자름')), JSON.stringify(left.warnings));

    // Play a result: the audio element reports a duration.
    const duration = await page.$eval('[data-testid=row][data-state=done] [data-testid=result-audio]', async (a) => {
      if (!(a.duration > 0)) await new Promise((ok) => { a.addEventListener('loadedmetadata', ok, { once: true }); a.load(); });
      await a.play().catch(() => {});
      return a.duration;
    });
    assert.ok(duration > 0.1 && Number.isFinite(duration), `duration ${duration}`);

    // Rename one (safe), and type an unsafe one to see the live rule.
    const input = page.locator('[data-testid=row]', { hasText: '점심시간 안내.wav' }).locator('[data-testid=name]');
    await input.fill('인사말 최종');
    await input.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=name-note]')].some((n) => n.textContent.includes('.wav')));
    const note = await page.locator('[data-testid=row]', { hasText: '점심시간 안내.wav' }).locator('[data-testid=name-note]').textContent();
    assert.match(note, /insamal_choejong\.wav/);
    await input.fill('lunch-break');
    await input.press('Enter');
    await page.waitForFunction(() => rows.some((r) => r.name === 'lunch-break.wav'));
    assert.equal(await page.locator('[data-testid=row]', { hasText: '점심시간 안내.wav' }).locator('[data-testid=name-note]').textContent(), '');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'convert-ko.png') });

    // The ZIP: every WAV read by python3's wave module; the names map with its BOM.
    const expectLen = await page.evaluate(() => Object.fromEntries(rows.filter((r) => r.state === 'done').map((r) => [r.name,
      [r.file.name, r.record.output_duration_s]])));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#zip')]);
    assert.equal(download.suggestedFilename(), 'prompts.zip');
    const zipPath = join(work, 'prompts.zip');
    await download.saveAs(zipPath);
    const report = JSON.parse(execFileSync('python3', ['-c', `
import json, sys, wave, zipfile, io
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
out = {"wavs": {}, "map": None}
for name in z.namelist():
    if name.endswith(".wav"):
        w = wave.open(io.BytesIO(z.read(name)))
        out["wavs"][name] = [w.getnchannels(), w.getframerate(), w.getsampwidth(), w.getcomptype(), w.getnframes()]
    else:
        out["map"] = [name, z.read(name).decode("utf-8")]
print(json.dumps(out))
`, zipPath]).toString());
    assert.deepEqual(Object.keys(report.wavs).sort(), Object.keys(expectLen).sort());
    assert.ok(report.wavs['lunch-break.wav']);
    for (const [name, [ch, rate, width, comp, frames]] of Object.entries(report.wavs)) {
      assert.deepEqual([ch, rate, width, comp], [1, 48000, 2, 'NONE'], name);
      const seconds = frames / 48000;
      // The record's output_duration_s is the length of the file written (rounded to 1 ms).
      assert.ok(Math.abs(seconds - expectLen[name][1]) < 0.001, `${name}: ${seconds} s vs ${expectLen[name][1]}`);
    }
    const [mapName, mapText] = report.map;
    assert.equal(mapName, 'names-map.csv');
    assert.ok(mapText.startsWith('\ufeffinput,output\r\n'));
    for (const [name, [orig]] of Object.entries(expectLen)) {
      assert.ok(mapText.includes(`${orig.includes(',') ? `"${orig}"` : orig},${name}\r\n`), `${orig} -> ${name} in the map`);
    }

    // English.
    await page.click('#lang');
    assert.equal(await page.textContent('#tab-convert'), 'Convert');
    assert.match(await page.textContent('#drop-convert'), /Drop audio files/);
    assert.ok((await page.$$eval('[data-testid=warnings] li', (l) => l.map((x) => x.textContent))).some((w) => w.includes('Only one channel')));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'convert-en.png') });

    // The check view flags a 44.1 kHz stereo WAV, passes a good one, and converts the failing.
    await page.click('#tab-check');
    await page.setInputFiles('#files-check', [fx('formats/pcm_s16le_44100_stereo.wav'), fx('check/ok.wav')]);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=check-row]')].filter((r) => r.dataset.state === 'done').length === 2);
    const verdicts = await page.$$eval('[data-testid=check-row]', (els) => els.map((e) => ({
      ok: e.querySelector('[data-testid=verdict]').dataset.ok,
      codes: [...e.querySelectorAll('[data-code]')].map((p) => p.dataset.code),
      meta: e.querySelector('.meta')?.textContent ?? '',
    })));
    assert.equal(verdicts[0].ok, 'false');
    // The facts of the report (sample_rate_hz, channels, duration_s) are shown.
    assert.ok(verdicts[0].meta.includes('44100 Hz') && verdicts[0].meta.includes('2 ch'), JSON.stringify(verdicts));
    assert.ok(verdicts[0].codes.includes('sample-rate') && verdicts[0].codes.includes('channels'), JSON.stringify(verdicts));
    assert.equal(verdicts[1].ok, 'true');
    await page.screenshot({ path: join(shots, 'check-en.png') });
    await page.click('#tab-convert');
    await page.click('#tab-check');
    await page.click('#fix-all');
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('[data-testid=row]')];
      return rows.length === n + 1 && rows[n].dataset.state === 'done';
    }, n);
    assert.equal(await page.isVisible('#view-convert'), true);

    // Korean check view, for the README.
    await page.click('#lang');
    await page.click('#tab-check');
    assert.equal(await page.textContent('#tab-check'), '내 파일 검사');
    await page.screenshot({ path: join(shots, 'check-ko.png') });

    // The server goes away: the page says so instead of failing silently.
    child.kill('SIGTERM');
    await new Promise((ok) => child.on('exit', ok));
    await page.click('#tab-convert');
    await page.setInputFiles('#files-convert', [paths[0]]);
    await page.waitForSelector('#offline:not([hidden])');
    assert.match(await page.textContent('#offline'), /서버/);
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(readdirSync(serverTmp), [], 'the server left files behind');
  } finally {
    await ctx.close();
    child.kill('SIGKILL');
  }
});
