// The example page as a playground: the page's links with their decoded
// claims, a live log of the library's events (Server-Sent Events), and the
// routes its buttons call. Only the live log is new server code; issuing,
// serving and refusing are the library's routers in app.mjs.
import { readFileSync } from 'node:fs';
import { eventSummary } from 'express-signed-downloads';

const SCRIPT = readFileSync(new URL('./public/playground.js', import.meta.url), 'utf8');
const STYLE = readFileSync(new URL('./public/playground.css', import.meta.url), 'utf8');

/** The onEvent stream, fanned out to every open page (GET /events). */
export function eventStream() {
  const pages = new Set();
  return {
    publish(event) {
      const line = `data: ${JSON.stringify(eventSummary(event))}\n\n`;
      for (const res of pages) res.write(line);
    },
    route(req, res) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.write(': connected\n\n');
      pages.add(res);
      req.on('close', () => pages.delete(res));
    },
  };
}

const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page. `links` are signed paths made when the page is rendered; the API
 * key is the demo's (printed by the server too): the buttons issue links
 * through the library's own authenticated route, as an app's front end would
 * with its session.
 */
export function playgroundPage({ links, apiKey }) {
  const link = (id) => escape(links[id]);
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="api-key" content="${escape(apiKey)}">
<title>express-signed-downloads playground</title>
<style>${STYLE}</style>
<h1>Signed URLs in the browser</h1>
<p class="lead">Everything on this page loads through signed URLs with no Authorization header. Each link shows what its token says, and the log on the right is the library's <code>onEvent</code> stream, live.</p>
<main>
<section id="links">
  <h2>Links on this page</h2>
  <figure><img id="image" alt="Q3 report" src="${link('report')}"><figcaption data-link="${link('report')}"></figcaption></figure>
  <figure><video id="video" controls preload="auto" width="320" src="${link('clip')}"></video><figcaption data-link="${link('clip')}"></figcaption></figure>
  <figure><a id="download" download href="${link('notes')}">Download notes.txt</a><figcaption data-link="${link('notes')}"></figcaption></figure>

  <h2>Try it</h2>
  <div class="try" id="single-use">
    <h3>A single-use link</h3>
    <p>Issued with <code>?max_uses=1</code>: the first download is 200, the second 410 <code>LINK_USED_UP</code>.</p>
    <button id="issue-single">Issue a single-use link</button> <button id="try-single" disabled>Download it</button>
    <div class="link"></div><ol class="results"></ol>
  </div>
  <div class="try" id="revocation">
    <h3>Revoke every link to a file</h3>
    <p>One field on the file record (<code>linksValidAfter</code>): links issued before it stop working (401).</p>
    <button id="issue-revocable">Issue a link</button> <button id="try-revocable" disabled>Download it</button> <button id="revoke" disabled>Revoke</button>
    <div class="link"></div><ol class="results"></ol>
  </div>
  <div class="try" id="short-lived">
    <h3>A 5-second link</h3>
    <p>Issued with <code>?expires_in=5</code> and tried every second until it is refused. The signed route allows 5 s of clock skew (<code>clockTolerance</code>), so it dies about 5 s after its countdown ends.</p>
    <button id="issue-short">Issue a 5-second link and watch it</button>
    <div class="link"></div><ol class="results"></ol>
  </div>
  <div class="try" id="html">
    <h3>An uploaded HTML file</h3>
    <p>HTML could run script on this origin, so it is always an attachment, whatever the link asks for, with <code>Content-Security-Policy: sandbox</code>.</p>
    <button id="fetch-html">Fetch it with an inline link</button>
    <div class="link"></div><ol class="results"></ol>
  </div>
</section>
<aside>
  <h2>Events <small>(onEvent → eventSummary)</small></h2>
  <ol id="events"></ol>
</aside>
</main>
<script>${SCRIPT}</script>
</html>`;
}
