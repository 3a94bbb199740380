// Access to the console and the admin API over real sockets: 127.0.0.1 is loopback; requests
// sent from 127.0.0.2 count as another machine (the console is told only 127.0.0.1 is local).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { post, span, traces } from '../e2e/client.js';
import { eventually } from '../e2e/harness.js';
import { loopbackHost, ServicePatterns, sessionCookies } from './access.js';
import { ADMIN_TOKEN, call, CHECKOUT_TOKEN, inventoryFixture, ONLY_127_0_0_1, PAYMENT_TOKEN, registerFixtures, startConsoleHarness, type ConsoleHarness } from './test-support.js';

const REMOTE = '127.0.0.2';
const SERVICES = ['checkout', 'cart-api', 'payment', 'search'];

describe('console access', () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsoleHarness({ isLocal: ONLY_127_0_0_1 });
    // The harness's gateway has its own inventory and SLOs: no contract-shaped stand-in is
    // registered, and the real routes see these four services from the spans sent here.
    assert.deepEqual([...registerFixtures(h.gateway.adminRoutes, inventoryFixture(SERVICES, 3))], []);
    for (const service of SERVICES) assert.equal((await post(`${h.http}/v1/traces`, traces(service, [span('GET /x', { 'http.route': '/x' })]))).status, 200);
    await eventually(async () => {
      const answer = await call(`${h.admin}/api/inventory`);
      const seen = new Set(answer.status === 200 ? (answer.json() as { services: { service: string }[] }).services.map((x) => x.service) : []);
      return SERVICES.every((service) => seen.has(service));
    }, 10_000, 'the inventory lists the four services');
  });
  after(async () => {
    await h?.close();
  });

  const inventoryServices = async (headers: Record<string, string>) => {
    const answer = await call(`${h.admin}/api/inventory`, { headers, from: REMOTE });
    assert.equal(answer.status, 200, answer.text);
    return (answer.json() as { services: { service: string }[] }).services.map((s) => s.service).sort();
  };

  it('is open on loopback', async () => {
    for (const path of ['/api/overview', '/api/inventory', '/metrics', '/api/strategy/ledger']) {
      assert.equal((await call(`${h.admin}${path}`)).status, 200, path);
    }
    const session = (await call(`${h.admin}/api/session`)).json() as { who: string; admin: boolean };
    assert.equal(session.who, 'loopback');
    assert.equal(session.admin, true);
  });

  it('on loopback, refuses a Host that is not a loopback name (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:8888', '127.0.0.1.evil.example']) {
      const answer = await call(`${h.admin}/api/overview`, { headers: { host } });
      assert.equal(answer.status, 403, host);
      assert.match(answer.text, /CAIRN_CONSOLE_HOST/);
    }
    for (const host of ['localhost', 'LOCALHOST:8888', '127.0.0.1', '[::1]:8888']) assert.equal((await call(`${h.admin}/api/overview`, { headers: { host } })).status, 200, host);
  });

  it('refuses every data route without a token off loopback, but serves the login page', async () => {
    for (const path of ['/api/overview', '/api/destinations', '/api/inventory', '/api/slos', '/api/registry', '/metrics', '/api/strategy/explain']) {
      const answer = await call(`${h.admin}${path}`, { from: REMOTE });
      assert.equal(answer.status, 401, path);
      assert.match(answer.text, /CAIRN_CONSOLE_LOGIN/);
    }
    assert.equal((await call(`${h.admin}/ui`, { from: REMOTE })).status, 200);
    assert.equal((await call(`${h.admin}/healthz`, { from: REMOTE })).status, 200);
    assert.deepEqual((await call(`${h.admin}/api/session`, { from: REMOTE })).json(), { authenticated: false, login_required: true });
    const wrong = await call(`${h.admin}/api/overview`, { from: REMOTE, headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /CAIRN_CONSOLE_TOKEN/);
  });

  it('an admin token sees everything; a team sees only its own services in the API', async () => {
    assert.deepEqual(await inventoryServices({ authorization: `Bearer ${ADMIN_TOKEN}` }), ['cart-api', 'checkout', 'payment', 'search']);
    assert.deepEqual(await inventoryServices({ authorization: `Bearer ${CHECKOUT_TOKEN}` }), ['cart-api', 'checkout']);
    assert.deepEqual(await inventoryServices({ authorization: `Bearer ${PAYMENT_TOKEN}` }), ['payment']);
    // Asking for another team's service by name is refused, and gives nothing of it.
    const other = await call(`${h.admin}/api/inventory?service=payment`, { from: REMOTE, headers: { authorization: `Bearer ${CHECKOUT_TOKEN}` } });
    assert.equal(other.status, 403);
    assert.doesNotMatch(other.text, /"attributes"/);
    const slos = (await call(`${h.admin}/api/slos`, { from: REMOTE, headers: { authorization: `Bearer ${PAYMENT_TOKEN}` } })).json() as { slos: { service: string | null }[] };
    // The gateway has a checkout and a payment SLO: the payment team sees only its own.
    assert.deepEqual(slos.slos.map((s) => s.service), ['payment']);
  });

  it('a team sees dead-letter counts but not the letters, which name tenants and backend errors', async () => {
    h.archiveSink.failNext(1, { status: 400, message: 'refused for good' });
    assert.equal((await post(`${h.http}/v1/traces`, traces('payment', [span('x')]))).status, 200);
    await eventually(() => h.gateway.queue.deadLetters('archive').length === 1, 10_000, 'dead letter');
    type Destinations = { destinations: { destination: string; dead_letter_batches: number; dead_letters: unknown[] }[] };
    const archive = async (token: string) => ((await call(`${h.admin}/api/destinations`, { from: REMOTE, headers: { authorization: `Bearer ${token}` } })).json() as Destinations).destinations.find((d) => d.destination === 'archive')!;
    const team = await archive(CHECKOUT_TOKEN);
    assert.equal(team.dead_letter_batches, 1);
    assert.deepEqual(team.dead_letters, []);
    assert.equal((await archive(ADMIN_TOKEN)).dead_letters.length, 1);
  });

  it('a team may not replay or purge, nor read /metrics or the ledger (they name every tenant and service)', async () => {
    const team = { authorization: `Bearer ${CHECKOUT_TOKEN}`, 'content-type': 'application/json' };
    for (const action of ['replay', 'purge']) {
      const answer = await call(`${h.admin}/api/deadletters/${action}`, { method: 'POST', headers: team, body: '{}', from: REMOTE });
      assert.equal(answer.status, 403, action);
      assert.match(answer.text, /CAIRN_CONSOLE_ADMIN/);
    }
    assert.equal((await call(`${h.admin}/metrics`, { headers: team, from: REMOTE })).status, 403);
    assert.equal((await call(`${h.admin}/api/strategy/ledger`, { headers: team, from: REMOTE })).status, 403);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    assert.equal((await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: admin, body: '{}', from: REMOTE })).status, 200);
  });

  it('login hands out an HttpOnly SameSite=Strict session; state changes need its CSRF token', async () => {
    const json = { 'content-type': 'application/json' };
    const bad = await call(`${h.admin}/api/login`, { method: 'POST', headers: json, body: JSON.stringify({ token: 'nope' }), from: REMOTE });
    assert.equal(bad.status, 401);
    const good = await call(`${h.admin}/api/login`, { method: 'POST', headers: json, body: JSON.stringify({ token: ADMIN_TOKEN }), from: REMOTE });
    assert.equal(good.status, 200, good.text);
    const setCookie = String(good.headers['set-cookie']);
    assert.match(setCookie, /^cairn_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\//);
    const cookie = setCookie.split(';')[0]!;
    const { csrf, admin } = good.json() as { csrf: string; admin: boolean };
    assert.equal(admin, true);
    assert.equal((await call(`${h.admin}/api/overview`, { headers: { cookie }, from: REMOTE })).status, 200);
    const noCsrf = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: { cookie, ...json }, body: '{}', from: REMOTE });
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.text, /CAIRN_CONSOLE_CSRF/);
    // One character off: the last one changed, never to itself (a random token ends in 'x' one time in 64).
    const wrongLast = csrf.endsWith('x') ? 'y' : 'x';
    const wrongCsrf = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: { cookie, ...json, 'x-cairn-csrf': `${csrf.slice(0, -1)}${wrongLast}` }, body: '{}', from: REMOTE });
    assert.equal(wrongCsrf.status, 403);
    const withCsrf = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: { cookie, ...json, 'x-cairn-csrf': csrf }, body: '{}', from: REMOTE });
    assert.equal(withCsrf.status, 200, withCsrf.text);
    // A cross-site form post, or a request from another origin, is refused even with the cookie.
    const form = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-cairn-csrf': csrf }, body: 'a=1', from: REMOTE });
    assert.equal(form.status, 415);
    const origin = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: { cookie, ...json, 'x-cairn-csrf': csrf, origin: 'http://evil.example' }, body: '{}', from: REMOTE });
    assert.equal(origin.status, 403);
    // Two session cookies are ambiguous: refused, whichever is valid.
    const twice = await call(`${h.admin}/api/overview`, { headers: { cookie: `${cookie}; cairn_session=other` }, from: REMOTE });
    assert.equal(twice.status, 400);
    // Logging out ends the session.
    await call(`${h.admin}/api/logout`, { method: 'POST', headers: { cookie, ...json, 'x-cairn-csrf': csrf }, body: '{}', from: REMOTE });
    assert.equal((await call(`${h.admin}/api/overview`, { headers: { cookie }, from: REMOTE })).status, 401);
  });

  it('a team session sees only its services', async () => {
    const login = await call(`${h.admin}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: PAYMENT_TOKEN }), from: REMOTE });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    assert.deepEqual(login.json(), { ...(login.json() as object), who: 'team-payment', admin: false, services: ['payment'] });
    assert.deepEqual(await inventoryServices({ cookie }), ['payment']);
  });
});

describe('service patterns and cookies', () => {
  it('loopbackHost accepts loopback names with or without a port, and nothing else', () => {
    for (const host of ['localhost', 'localhost:1', '127.0.0.1:8888', '127.9.9.9', '[::1]', '[::1]:8888']) assert.ok(loopbackHost(host), host);
    for (const host of [undefined, '', 'localhost.evil', 'evil:127.0.0.1', '[::2]:1', '0.0.0.0:8888', '[::1]evil']) assert.ok(!loopbackHost(host), String(host));
  });

  it('ServicePatterns.has matches the team patterns', () => {
    const set = new ServicePatterns(['checkout', 'cart-*']);
    assert.ok(set.has('checkout') && set.has('cart-api') && set.has('cart-'));
    assert.ok(!set.has('payment') && !set.has('xcart-api') && !set.has('checkout2'));
  });

  it('sessionCookies finds every cairn_session value and nothing else, for any header', () => {
    assert.deepEqual(sessionCookies('a=1; cairn_session=x; cairn_sessionx=y; cairn_session=z'), ['x', 'z']);
    fc.assert(fc.property(fc.string(), (header) => {
      const found = sessionCookies(header);
      const expected = header.split(';').filter((p) => p.includes('=') && p.slice(0, p.indexOf('=')).trim() === 'cairn_session').length;
      return found.length === expected;
    }), { numRuns: process.env.CI ? 200 : 2000 });
  });
});
