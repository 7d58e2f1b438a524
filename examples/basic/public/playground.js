// The playground's few lines of script: no build, no framework.
const apiKey = document.querySelector('meta[name="api-key"]').content;

/** The claims a link's token carries: its middle segment is base64url JSON (readable by anyone; only the signature is secret). */
function claimsOf(url) {
  const token = new URL(url, location.href).searchParams.get('token') ?? '';
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

function duration(seconds) {
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m ${seconds % 60}s` : `${seconds}s`;
}

/** Redraws every countdown: a link's life is its exp claim (the expires parameter), nothing else. */
function tick() {
  const now = Math.floor(Date.now() / 1000);
  for (const element of document.querySelectorAll('.countdown')) {
    const left = Number(element.dataset.expires) - now;
    element.textContent = left > 0 ? `expires in ${duration(left)}` : `expired ${duration(-left)} ago`;
    element.classList.toggle('expired', left <= 0);
  }
}

/** Shows a link with its decoded claims and a countdown under `target`. */
function describe(target, url) {
  const claims = claimsOf(url);
  target.replaceChildren();
  const path = document.createElement('div');
  path.textContent = url;
  const pre = document.createElement('div');
  pre.className = 'claims';
  pre.textContent = JSON.stringify(claims, null, 1);
  const countdown = document.createElement('div');
  countdown.className = 'countdown';
  countdown.dataset.expires = String(claims.exp);
  target.append(path, pre, countdown);
  tick();
}

function result(box, text, ok) {
  const item = document.createElement('li');
  item.textContent = text;
  item.className = ok ? 'ok' : 'refused';
  box.querySelector('.results').append(item);
}

/** Asks the library's issueDownloadUrl route for a link, as a front end with a session would. */
async function issue(box, fileId, query = '') {
  const res = await fetch(`/files/${fileId}/download-url${query}`, { headers: { 'X-API-Key': apiKey } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${body.error.code}`);
  describe(box.querySelector('.link'), body.download_url);
  return body.download_url;
}

/** Uses a link once (never from the browser's cache) and lists the answer. */
async function use(box, url) {
  const res = await fetch(url, { cache: 'no-store' });
  if (res.ok) {
    const bytes = (await res.arrayBuffer()).byteLength;
    result(box, `${res.status} ${bytes} bytes`, true);
  } else {
    const { error } = await res.json();
    result(box, `${res.status} ${error.code}`, false);
  }
  return res.status;
}

const box = (id) => document.getElementById(id);
const on = (id, handler) => box(id).addEventListener('click', () => handler().catch((error) => result(box(id).closest('.try'), String(error), false)));

let single;
on('issue-single', async () => {
  single = await issue(box('single-use'), 'notes', '?max_uses=1');
  box('try-single').disabled = false;
});
on('try-single', () => use(box('single-use'), single));

let revocable;
on('issue-revocable', async () => {
  revocable = await issue(box('revocation'), 'memo');
  box('try-revocable').disabled = false;
  box('revoke').disabled = false;
});
on('try-revocable', () => use(box('revocation'), revocable));
on('revoke', async () => {
  const res = await fetch('/files/memo/revoke-links', { method: 'POST', headers: { 'X-API-Key': apiKey } });
  result(box('revocation'), `revoked links issued before ${(await res.json()).revoked_before}`, res.ok);
});

on('issue-short', async () => {
  const url = await issue(box('short-lived'), 'notes', '?expires_in=5');
  // One try a second until the route refuses it.
  for (let tries = 0; tries < 60; tries++) {
    if ((await use(box('short-lived'), url)) !== 200) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
});

on('fetch-html', async () => {
  const url = await issue(box('html'), 'upload', '?disposition=inline');
  const res = await fetch(url, { cache: 'no-store' });
  result(box('html'), `${res.status} Content-Disposition: ${res.headers.get('content-disposition')}`, res.ok);
  result(box('html'), `Content-Security-Policy: ${res.headers.get('content-security-policy')}`, res.ok);
});

for (const caption of document.querySelectorAll('figcaption[data-link]')) describe(caption, caption.dataset.link);
setInterval(tick, 1000);

// The library's onEvent stream, summarised by eventSummary on the server.
const log = box('events');
new EventSource('/events').onmessage = ({ data }) => {
  const event = JSON.parse(data);
  const item = document.createElement('li');
  const range = event.range ? ` range ${event.range.start}-${event.range.end}` : '';
  const bytes = event.bytes === undefined ? '' : ` ${event.bytes} bytes`;
  const code = event.code === undefined ? '' : ` ${event.code}`;
  item.textContent = `${event.type} ${event.status ?? ''} ${event.method} ${event.path}${range}${bytes}${code}`;
  item.className = event.type === 'denied' || event.type === 'failed' ? 'refused' : 'ok';
  log.prepend(item);
};
