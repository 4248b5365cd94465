// promptwav's converter page. Plain JavaScript, no build step, no network but this server.
// Every conversion, check and name comes from the server's API (the same code as the CLI).
'use strict';

const T = {
  ko: {
    tagline: '전화 안내 음성을 한 번에 올릴 수 있는 WAV로 바꿉니다. 파일은 이 컴퓨터(또는 팀 서버) 밖으로 나가지 않습니다.',
    tabConvert: '변환', tabCheck: '내 파일 검사',
    platform: '플랫폼', loud: '음량 고르게', trim: '앞뒤 무음 자르기',
    loudHint: '모든 파일을 같은 크기(-19 LUFS, 피크 -1 dBTP 이하)로 맞춥니다.',
    trimHint: '첫 소리 앞과 마지막 소리 뒤의 무음을 자르고 0.1초씩 남깁니다.',
    dropHere: '음성 파일이나 폴더를 여기로 끌어 놓기', dropCheck: '확인할 WAV 파일을 여기로 끌어 놓기',
    pickFiles: '파일 선택', pickFolder: '폴더 선택', downloadAll: '모두 다운로드 (ZIP)', clear: '목록 비우기',
    checkIntro: '이미 가진 WAV가 플랫폼 조건(예: WAV, 모노, 48000 Hz, 영문 이름)에 맞는지 확인합니다.',
    fixAll: '문제 있는 파일 모두 변환', privacy: '업로드한 파일은 변환이 끝나면 바로 지워지며 저장되거나 기록되지 않습니다.',
    newName: '새 이름', original: '원본', result: '결과', download: '다운로드',
    waiting: '대기 중', uploading: '올리는 중', converting: '변환 중', done: '완료', failed: '변환 실패',
    checking: '검사 중', ok: '문제 없음: 그대로 올리면 됩니다', problems: '문제', retry: '서버가 바빠서 잠시 후 다시 시도합니다',
    offline: 'promptwav 서버가 응답하지 않습니다. 서버를 실행한 창이 닫히지 않았는지 확인하세요.',
    nameFixed: (n) => `영문 이름 규칙(A-Z a-z 0-9 . _ -)에 맞춰 ${n}(으)로 저장됩니다`,
    nameTaken: (n) => `같은 이름이 있어 ${n}(으)로 저장됩니다`,
    summary: (d, f, n) => `${n}개 중 ${d}개 완료${f ? `, ${f}개 실패` : ''}`,
    checkSummary: (ok, n) => `${n}개 중 ${ok}개 통과`,
    seconds: (s) => `${s.toFixed(1)}초`,
    loudness: (a, b) => `음량 ${a} → ${b} LUFS`,
    trimmed: (a, b) => `무음 자름: 앞 ${a.toFixed(2)}초, 뒤 ${b.toFixed(2)}초`,
    clipped: (n) => `${n}개 샘플이 잘렸습니다(소리가 너무 큼)`,
    leftOnly: '한쪽 채널만 소리가 있어 그 채널만 사용했습니다',
    phase: '두 채널의 위상이 반대라 한 채널만 사용했습니다',
    trimmedCap: '회색: 잘린 무음',
    error: '오류', warning: '경고', info: '참고', fix: '해결',
    serverSaid: '서버 응답',
  },
  en: {
    tagline: 'Turns phone greetings into WAVs your phone system accepts on the first upload. Files never leave this computer (or your team\'s server).',
    tabConvert: 'Convert', tabCheck: 'Check my files',
    platform: 'Platform', loud: 'Even loudness', trim: 'Trim silence',
    loudHint: 'Brings every file to the same loudness (-19 LUFS, peaks under -1 dBTP).',
    trimHint: 'Cuts the silence before the first and after the last sound, keeping 0.1 s.',
    dropHere: 'Drop audio files or a folder here', dropCheck: 'Drop the WAV files to check here',
    pickFiles: 'Choose files', pickFolder: 'Choose a folder', downloadAll: 'Download all (ZIP)', clear: 'Clear the list',
    checkIntro: 'Tells whether WAVs you already have meet the platform (for example WAV, mono, 48000 Hz, an English name).',
    fixAll: 'Convert the failing files', privacy: 'Uploaded files are deleted as soon as they are converted; nothing is stored or logged.',
    newName: 'New name', original: 'Original', result: 'Result', download: 'Download',
    waiting: 'Waiting', uploading: 'Uploading', converting: 'Converting', done: 'Done', failed: 'Could not convert',
    checking: 'Checking', ok: 'OK: ready to upload as it is', problems: 'Problems', retry: 'The server is busy; trying again shortly',
    offline: 'The promptwav server is not answering. Check that the window that runs it is still open.',
    nameFixed: (n) => `Will be saved as ${n} (only A-Z a-z 0-9 . _ -)`,
    nameTaken: (n) => `Name taken: will be saved as ${n}`,
    summary: (d, f, n) => `${d} of ${n} done${f ? `, ${f} failed` : ''}`,
    checkSummary: (ok, n) => `${ok} of ${n} pass`,
    seconds: (s) => `${s.toFixed(1)} s`,
    loudness: (a, b) => `Loudness ${a} → ${b} LUFS`,
    trimmed: (a, b) => `Silence trimmed: ${a.toFixed(2)} s at the start, ${b.toFixed(2)} s at the end`,
    clipped: (n) => `${n} samples clipped (too loud)`,
    leftOnly: 'Only one channel had sound: that channel was used',
    phase: 'The channels were in opposite phase: one channel was used',
    trimmedCap: 'grey: silence trimmed',
    error: 'error', warning: 'warning', info: 'note', fix: 'Fix',
    serverSaid: 'Server said',
  },
};

const $ = (sel) => document.querySelector(sel);
let lang = localStorage.getItem('promptwav-lang') || ((navigator.languages || [navigator.language || 'en'])[0].toLowerCase().startsWith('ko') ? 'ko' : 'en');
const t = (k, ...a) => { const v = T[lang][k]; return typeof v === 'function' ? v(...a) : v; };

let profiles = [];
let defaults = {};
const rows = [];      // convert rows
const checks = [];    // check rows
const PARALLEL = 2;

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v; else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const k of kids) if (k) e.append(k);
  return e;
}

function applyLang() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  $('#lang').textContent = lang === 'ko' ? 'English' : '한국어';
  fillProfiles();
  for (const r of rows) renderRow(r);
  for (const c of checks) renderCheck(c);
  summarize();
}

function showOffline(on) { const b = $('#offline'); b.hidden = !on; b.textContent = on ? t('offline') : ''; }

async function api(path, init) {
  let res;
  try { res = await fetch(path, init); } catch (e) { showOffline(true); throw e; }
  showOffline(false);
  return res;
}

function fillProfiles() {
  const sel = $('#profile');
  const cur = sel.value || defaults.default;
  sel.textContent = '';
  for (const p of profiles) sel.append(el('option', { value: p.name, text: `${p.platform} (${p.summary})` }));
  if (cur) sel.value = cur;
  const p = profiles.find((x) => x.name === sel.value);
  $('#profile-line').textContent = p ? `${p.summary}${p.ascii_names ? (lang === 'ko' ? ', 영문 파일 이름' : ', English file name') : ''}` : '';
}

// ---- names: numbered as convert numbers them, edited names validated by the server ----
let namesSeq = 0;
async function refreshNames() {
  const live = rows.filter((r) => r.state !== 'failed');
  const wanted = live.map((r) => r.edited ?? r.file.name);
  const seq = ++namesSeq;
  let data;
  try {
    const res = await api('/api/names', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ names: wanted, profile: $('#profile').value }) });
    if (!res.ok) return;
    data = await res.json();
  } catch { return; }
  if (seq !== namesSeq) return;
  data.names.forEach((n, i) => {
    const r = live[i];
    r.name = n.output;
    r.nameNote = '';
    if (r.edited !== undefined) {
      const typed = /\.[A-Za-z0-9]{1,5}$/.test(r.edited) ? r.edited : `${r.edited}.${r.ext || 'wav'}`;
      if (!n.safe && n.output !== typed) r.nameNote = t('nameFixed', n.output);
      else if (n.output.toLowerCase() !== typed.toLowerCase()) r.nameNote = t('nameTaken', n.output);
    }
    renderRow(r);
  });
}

// ---- convert ----
function addFiles(files) {
  for (const file of files) {
    if (!file.size && !file.type && !file.name.includes('.')) continue; // a folder entry
    const r = { id: `r${rows.length}`, file, state: 'waiting', progress: 0 };
    r.li = el('li', { class: 'row', id: r.id, 'data-testid': 'row' });
    rows.push(r);
    $('#rows').append(r.li);
    renderRow(r);
  }
  refreshNames();
  pump();
  summarize();
}

let running = 0;
function pump() {
  while (running < PARALLEL) {
    const r = rows.find((x) => x.state === 'waiting');
    if (!r) break;
    running++;
    r.state = 'uploading';
    renderRow(r);
    convertRow(r).finally(() => { running--; summarize(); pump(); });
  }
}

function query() {
  const q = new URLSearchParams({ profile: $('#profile').value, 'smart-downmix': '1' });
  if ($('#loud').checked) q.set('loudness', '-19');
  if ($('#trim').checked) q.set('trim-silence', '1');
  return q.toString();
}

function convertRow(r) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/convert?${query()}`);
    xhr.setRequestHeader('X-File-Name', encodeURIComponent(r.file.name));
    xhr.responseType = 'arraybuffer';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) { r.progress = e.loaded / e.total; renderRow(r); } };
    xhr.upload.onload = () => { r.state = 'converting'; renderRow(r); };
    xhr.onerror = () => { showOffline(true); r.state = 'failed'; r.error = t('offline'); renderRow(r); resolve(); };
    xhr.onload = () => {
      showOffline(false);
      if (xhr.status === 503) {
        const wait = Number(xhr.getResponseHeader('Retry-After') || 2);
        r.state = 'waiting'; r.note = t('retry'); renderRow(r);
        // The slot is kept while waiting; the row is picked up again when it is released.
        setTimeout(() => { r.note = ''; resolve(); }, wait * 1000);
        return;
      }
      let record = null;
      try {
        if (xhr.status === 200) record = JSON.parse(decodeURIComponent(xhr.getResponseHeader('X-Promptwav-Record') || '%7B%7D'));
        else record = JSON.parse(new TextDecoder().decode(xhr.response));
      } catch { record = null; }
      r.record = record;
      if (xhr.status === 200) {
        r.state = 'done';
        r.bytes = xhr.response;
        r.url = URL.createObjectURL(new Blob([xhr.response], { type: 'audio/wav' }));
      } else {
        r.state = 'failed';
        r.error = (record && record.error) || `${t('serverSaid')}: HTTP ${xhr.status}`;
      }
      renderRow(r);
      refreshNames();
      resolve();
    };
    xhr.send(r.file);
  });
}

function plainWarnings(rec) {
  const out = [];
  if (!rec) return out;
  if (rec.loudness_lufs != null && rec.output_loudness_lufs != null) out.push(t('loudness', rec.loudness_lufs.toFixed(1), rec.output_loudness_lufs.toFixed(1)));
  if ((rec.trimmed_start_s || 0) + (rec.trimmed_end_s || 0) > 0) out.push(t('trimmed', rec.trimmed_start_s || 0, rec.trimmed_end_s || 0));
  for (const w of rec.warnings || []) {
    if (/clipped at full scale/.test(w)) out.push(t('clipped', parseInt(w, 10) || rec.clipped_samples || 0));
    else if (/silent (left|right) channel|silence.*channel|channel.*silen/.test(w)) out.push(`${t('leftOnly')} (${w})`);
    else if (/opposite phase/.test(w)) out.push(`${t('phase')} (${w})`);
    else out.push(w);
  }
  return out;
}

function renderRow(r) {
  const li = r.li;
  li.textContent = '';
  li.className = `row ${r.state}`;
  li.dataset.state = r.state;
  const rec = r.record;
  const left = el('div');
  left.append(el('div', { class: 'orig', 'data-testid': 'original', text: r.file.name }));
  const meta = [];
  if (rec && rec.duration_s != null) meta.push(t('seconds', rec.duration_s));
  if (rec && rec.format) meta.push(`${rec.format}${rec.codec && rec.codec !== rec.format ? ` / ${rec.codec}` : ''}`);
  if (rec && rec.sample_rate_hz) meta.push(`${rec.sample_rate_hz} Hz, ${rec.channels} ch`);
  left.append(el('div', { class: 'meta', 'data-testid': 'meta', text: meta.join(' · ') }));
  const stateText = { waiting: t('waiting'), uploading: t('uploading'), converting: t('converting'), done: t('done'), failed: t('failed') }[r.state];
  left.append(el('div', { class: `state ${r.state === 'done' ? 'ok' : r.state === 'failed' ? 'bad' : ''}`, 'data-testid': 'state', role: 'status', text: stateText + (r.note ? ` — ${r.note}` : '') }));
  if (r.state === 'uploading' || r.state === 'converting' || r.state === 'waiting') {
    const p = el('progress', { max: '1', 'aria-label': stateText });
    if (r.state === 'uploading') p.value = r.progress || 0;
    left.append(p);
  }
  if (r.state === 'failed') left.append(el('p', { class: 'state bad', 'data-testid': 'reason', text: r.error || '' }));
  const ws = plainWarnings(rec);
  if (ws.length) left.append(el('ul', { class: 'warnings', 'data-testid': 'warnings' }, ...ws.map((w) => el('li', { text: w }))));

  const right = el('div');
  if (r.state !== 'failed') {
    const box = el('div', { class: 'name' });
    const id = `${r.id}-name`;
    box.append(el('label', { for: id, text: t('newName') }));
    const input = el('input', { id, type: 'text', 'data-testid': 'name', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': `${id}-note` });
    input.value = r.edited ?? r.name ?? '';
    if (r.nameNote) input.setAttribute('aria-invalid', 'true');
    input.addEventListener('change', () => { r.edited = input.value.trim(); refreshNames(); });
    box.append(input, el('div', { class: 'name-note', id: `${id}-note`, 'data-testid': 'name-note', text: r.nameNote || '' }));
    right.append(box);
  }
  const players = el('div', { class: 'players' });
  r.origUrl = r.origUrl || URL.createObjectURL(r.file);
  players.append(el('figure', {}, el('figcaption', { text: t('original') }), el('audio', { controls: '', preload: 'none', src: r.origUrl, 'aria-label': `${t('original')}: ${r.file.name}` })));
  if (r.url) {
    players.append(el('figure', {}, el('figcaption', { text: t('result') }), el('audio', { controls: '', preload: 'metadata', src: r.url, 'data-testid': 'result-audio', 'aria-label': `${t('result')}: ${r.name || ''}` })));
  }
  right.append(players);
  if (r.url) {
    const a = el('a', { href: r.url, download: r.name || 'audio.wav', class: 'button secondary', 'data-testid': 'download', text: `${t('download')} ${r.name || ''}` });
    right.append(a);
  }
  li.append(left, right);
  if (r.bytes) {
    const c = el('canvas', { width: '800', height: '48', role: 'img', 'aria-label': t('trimmedCap'), 'data-testid': 'wave' });
    li.append(el('div', { class: 'full' }, c));
    drawWave(c, r.bytes, rec);
  }
}

// A min/max picture of a PCM16 result, with what trimming removed in grey on either side.
function drawWave(canvas, buf, rec) {
  const v = new DataView(buf);
  let off = 12, data = -1, len = 0, bits = 16, ch = 1;
  while (off + 8 <= v.byteLength) {
    const id = String.fromCharCode(v.getUint8(off), v.getUint8(off + 1), v.getUint8(off + 2), v.getUint8(off + 3));
    const size = v.getUint32(off + 4, true);
    if (id === 'fmt ') { ch = v.getUint16(off + 10, true); bits = v.getUint16(off + 22, true); }
    if (id === 'data') { data = off + 8; len = Math.min(size, v.byteLength - data); break; }
    off += 8 + size + (size & 1);
  }
  const g = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  g.clearRect(0, 0, W, H);
  if (data < 0 || bits !== 16) return;
  const frames = Math.floor(len / 2 / ch);
  const kept = frames;
  const head = (rec && rec.trimmed_start_s) || 0, tail = (rec && rec.trimmed_end_s) || 0;
  const dur = (rec && rec.duration_s) || 0;
  const total = head + tail > 0 && dur > 0 ? dur : 0;
  const x0 = total ? Math.round(W * head / total) : 0;
  const x1 = total ? Math.round(W * (1 - tail / total)) : W;
  g.fillStyle = '#c9ced6';
  if (x0 > 0) g.fillRect(0, 0, x0, H);
  if (x1 < W) g.fillRect(x1, 0, W - x1, H);
  g.fillStyle = '#1f5fd6';
  const span = Math.max(1, x1 - x0);
  for (let x = 0; x < span; x++) {
    const a = Math.floor(kept * x / span), b = Math.max(a + 1, Math.floor(kept * (x + 1) / span));
    let lo = 0, hi = 0;
    const step = Math.max(1, Math.floor((b - a) / 64));
    for (let i = a; i < b && i < kept; i += step) {
      const s = v.getInt16(data + i * 2 * ch, true) / 32768;
      if (s < lo) lo = s; if (s > hi) hi = s;
    }
    const y0 = H / 2 - hi * H / 2, y1 = H / 2 - lo * H / 2;
    g.fillRect(x0 + x, y0, 1, Math.max(1, y1 - y0));
  }
}

function summarize() {
  const n = rows.length, d = rows.filter((r) => r.state === 'done').length, f = rows.filter((r) => r.state === 'failed').length;
  $('#summary').textContent = n ? t('summary', d, f, n) : '';
  $('#zip').disabled = !d || d + f < n;
  $('#clear').disabled = !n || d + f < n;
  const c = checks.length, ok = checks.filter((x) => x.report && x.report.ok).length;
  $('#check-summary').textContent = c ? t('checkSummary', ok, c) : '';
  $('#fix-all').disabled = !checks.some((x) => x.report && !x.report.ok);
}

async function downloadZip() {
  const form = new FormData();
  for (const r of rows.filter((x) => x.state === 'done')) {
    form.append('input', r.file.name);
    form.append('file', new Blob([r.bytes], { type: 'audio/wav' }), r.name);
  }
  const res = await api('/api/zip', { method: 'POST', body: form });
  if (!res.ok) { $('#summary').textContent = `${t('serverSaid')}: ${(await res.json().catch(() => ({}))).error || res.status}`; return; }
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: 'prompts.zip' });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// ---- check ----
function addChecks(files) {
  for (const file of files) {
    const c = { id: `c${checks.length}`, file, state: 'checking' };
    c.li = el('li', { class: 'row', id: c.id, 'data-testid': 'check-row' });
    checks.push(c);
    $('#check-rows').append(c.li);
    renderCheck(c);
    runCheck(c);
  }
}

async function runCheck(c) {
  try {
    const res = await api(`/api/check?profile=${encodeURIComponent($('#profile').value)}`, { method: 'POST', headers: { 'X-File-Name': encodeURIComponent(c.file.name) }, body: c.file });
    if (res.status === 503) { setTimeout(() => runCheck(c), 2000); return; }
    const body = await res.json();
    if (res.ok) { c.report = body; c.state = 'done'; } else { c.state = 'failed'; c.error = body.error || `HTTP ${res.status}`; }
  } catch { c.state = 'failed'; c.error = t('offline'); }
  renderCheck(c);
  summarize();
}

function renderCheck(c) {
  const li = c.li;
  li.textContent = '';
  const rep = c.report;
  li.className = `row ${rep && !rep.ok ? 'failed' : ''}`;
  li.dataset.state = c.state;
  const left = el('div');
  left.append(el('div', { class: 'orig', text: c.file.name }));
  if (rep) {
    const f = [rep.format, rep.codec, rep.sample_rate_hz && `${rep.sample_rate_hz} Hz`, rep.channels && `${rep.channels} ch`, rep.duration_s != null && t('seconds', rep.duration_s)].filter(Boolean);
    left.append(el('div', { class: 'meta', text: f.join(' · ') }));
  }
  const verdict = c.state === 'checking' ? t('checking') : c.state === 'failed' ? c.error : rep.ok ? t('ok') : t('problems');
  left.append(el('div', { class: `state ${rep ? (rep.ok ? 'ok' : 'bad') : ''}`, 'data-testid': 'verdict', 'data-ok': rep ? String(rep.ok) : '', role: 'status', text: verdict }));
  const right = el('div');
  if (rep && rep.problems.length) {
    right.append(el('ul', { class: 'problems', 'data-testid': 'problems' }, ...rep.problems.map((p) => el('li', { class: p.severity, 'data-code': p.code },
      el('span', { text: `${t(p.severity) || p.severity}: ${p.message}` }), el('span', { class: 'fix', text: `${t('fix')}: ${p.fix}` })))));
  }
  li.append(left, right);
}

// ---- wiring ----
function dropZone(zone, input, onFiles) {
  const take = async (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const items = e.dataTransfer && e.dataTransfer.items;
    const files = [];
    if (items && items.length && items[0].webkitGetAsEntry) {
      const walk = async (entry) => {
        if (!entry) return;
        if (entry.isFile) files.push(await new Promise((ok, no) => entry.file(ok, no)));
        else if (entry.isDirectory) {
          const reader = entry.createReader();
          for (;;) {
            const batch = await new Promise((ok, no) => reader.readEntries(ok, no));
            if (!batch.length) break;
            for (const x of batch) await walk(x);
          }
        }
      };
      const entries = [...items].map((i) => i.webkitGetAsEntry());
      if (entries.every(Boolean)) for (const en of entries) await walk(en);
      else files.push(...e.dataTransfer.files);
    } else files.push(...(e.dataTransfer ? e.dataTransfer.files : []));
    onFiles(files.filter((f) => !f.name.startsWith('.')));
  };
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', take);
  for (const i of [].concat(input)) i.addEventListener('change', () => { onFiles([...i.files].filter((f) => !f.name.startsWith('.'))); i.value = ''; });
}

function selectTab(which) {
  for (const v of ['convert', 'check']) {
    $(`#tab-${v}`).setAttribute('aria-selected', String(v === which));
    $(`#view-${v}`).hidden = v !== which;
  }
}

async function init() {
  $('#lang').addEventListener('click', () => { lang = lang === 'ko' ? 'en' : 'ko'; localStorage.setItem('promptwav-lang', lang); applyLang(); });
  $('#tab-convert').addEventListener('click', () => selectTab('convert'));
  $('#tab-check').addEventListener('click', () => selectTab('check'));
  for (const tab of document.querySelectorAll('[role=tab]')) {
    tab.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') { const next = tab.id === 'tab-convert' ? 'check' : 'convert'; selectTab(next); $(`#tab-${next}`).focus(); }
    });
  }
  dropZone($('#drop-convert'), [$('#files-convert'), $('#folder-convert')], addFiles);
  dropZone($('#drop-check'), $('#files-check'), addChecks);
  $('#zip').addEventListener('click', downloadZip);
  $('#clear').addEventListener('click', () => { rows.length = 0; $('#rows').textContent = ''; summarize(); });
  $('#fix-all').addEventListener('click', () => { const bad = checks.filter((c) => c.report && !c.report.ok).map((c) => c.file); selectTab('convert'); addFiles(bad); });
  $('#profile').addEventListener('change', () => { fillProfiles(); refreshNames(); });
  applyLang();
  try {
    const res = await api('/api/profiles');
    const data = await res.json();
    profiles = data.profiles; defaults = data;
    fillProfiles();
  } catch { /* the banner says it */ }
  document.body.dataset.ready = 'true';
}

init();
