import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHtml } from '../../../src/knowledge/parse/html.ts';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <title>Shipping | Acme Help</title>
  <meta name="description" content="How and where we ship">
  <style>body { color: red }</style>
  <script>window.track("page-view")</script>
</head>
<body>
<header><div class="logo">ACME STORE</div><nav><a href="/">Home</a><a href="/help">Help</a></nav></header>
<aside>Popular articles: Returns, Sizes</aside>
<div class="content">
  <h1>Shipping</h1>
  <p>We ship <em>worldwide</em> in 3&ndash;5 days.<br>Express takes one day.</p>
  Orders placed before noon leave the same day.
  <ul>
    <li>Standard</li>
    <li>Express<ul><li>Next-day in the EU</li></ul></li>
  </ul>
  <table>
    <thead><tr><th>Zone</th><th>Price</th></tr></thead>
    <tbody><tr><td>EU</td><td>5 &euro;</td></tr><tr><td>US</td><td>10 $</td></tr></tbody>
  </table>
  <pre>track  --order 42
  --verbose</pre>
  <h2>Customs</h2>
  <p hidden>Internal note: do not show.</p>
  <p style="display: none">Also hidden.</p>
  <div role="navigation">Prev | Next</div>
  <p>Duties are paid by the recipient.</p>
  <form><label>Search <input name="q"></label><button>Go</button></form>
</div>
<footer>&copy; Acme 2024 &middot; Privacy</footer>
<script>console.log("more noise")</script>
</body>
</html>`;

test('keeps the page content and drops scripts, styles, navigation, site chrome, form controls and hidden text', () => {
  const doc = parseHtml(PAGE);
  assert.deepEqual(
    doc.blocks.map((b) => [b.kind, b.text]),
    [
      ['heading', 'Shipping'],
      ['paragraph', 'We ship worldwide in 3–5 days.\nExpress takes one day.'],
      ['paragraph', 'Orders placed before noon leave the same day.'],
      ['list', '- Standard\n- Express\n  - Next-day in the EU'],
      ['table', 'Zone | Price\nEU | 5 €\nUS | 10 $'],
      ['code', 'track  --order 42\n  --verbose'],
      ['heading', 'Customs'],
      ['paragraph', 'Duties are paid by the recipient.'],
    ],
  );
  const all = doc.blocks.map((b) => b.text).join('\n');
  for (const noise of ['track("page-view")', 'color: red', 'ACME STORE', 'Home', 'Popular articles', 'Internal note', 'Also hidden', 'Prev', 'Search', 'Privacy']) {
    assert.ok(!all.includes(noise), `"${noise}" should not be kept`);
  }
});

test('records heading levels and the source line of each block', () => {
  const doc = parseHtml(PAGE);
  assert.deepEqual(doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.level), [1, 2]);
  // the line each element (or loose text) starts on in PAGE
  assert.deepEqual(doc.blocks.map((b) => b.location?.line), [13, 14, 15, 16, 20, 24, 26, 30]);
});

test('takes the title from <title>, else the first level-1 heading, and keeps lang and description', () => {
  const doc = parseHtml(PAGE);
  assert.equal(doc.title, 'Shipping | Acme Help');
  assert.deepEqual(doc.metadata, { lang: 'en', description: 'How and where we ship' });
  assert.equal(parseHtml('<body><h2>Intro</h2><h1>Warranty terms</h1><p>Two years.</p></body>').title, 'Warranty terms');
  assert.equal(parseHtml('<p>No headings here.</p>').title, null);
});

test('reads only <main> when the page has one, keeping the header inside it', () => {
  const doc = parseHtml(`<body><div class="menu"><p>Menu link one</p></div>
    <main><header><h1>Size guide</h1></header><p>Shoes run small.</p></main>
    <div class="related"><p>You may also like</p></div></body>`);
  assert.deepEqual(doc.blocks.map((b) => b.text), ['Size guide', 'Shoes run small.']);
});

test('reads a one-column layout table as ordinary content, not as a data table', () => {
  const doc = parseHtml('<table><tr><td><h2>Contact</h2><p>Call us any day.</p></td></tr><tr><td><p>Or write to us.</p></td></tr></table>');
  assert.deepEqual(doc.blocks.map((b) => [b.kind, b.text]), [
    ['heading', 'Contact'],
    ['paragraph', 'Call us any day.'],
    ['paragraph', 'Or write to us.'],
  ]);
});

test('renders definition lists and ordered lists with their start number', () => {
  const doc = parseHtml('<dl><dt>RMA</dt><dd>Return authorisation number</dd></dl><ol start="3"><li>Pack</li><li>Ship</li></ol>');
  assert.deepEqual(doc.blocks.map((b) => b.text), ['- RMA\n  Return authorisation number', '3. Pack\n4. Ship']);
});

test('reads a page wrapped in a <form> and a site header that holds the page heading', () => {
  const doc = parseHtml(`<body><form id="page"><header><h1>Opening hours</h1><nav>Home</nav></header>
    <p>Open daily from 9 to 5.</p><label>Email <input name="e"></label><button>Subscribe</button></form>
    <footer>Contact us</footer></body>`);
  assert.deepEqual(doc.blocks.map((b) => b.text), ['Opening hours', 'Open daily from 9 to 5.']);
});
