// The Cairn console: one page, hash routes, one view per question a platform team asks.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, setCsrf } from './api.js';
import { DestinationsPage } from './pages/destinations.js';
import { GapsPage } from './pages/gaps.js';
import { InventoryPage } from './pages/inventory.js';
import { OverviewPage } from './pages/overview.js';
import { RegistryPage } from './pages/registry.js';
import { SamplingPage } from './pages/sampling.js';
import { SlosPage } from './pages/slos.js';
import { StrategyPage } from './pages/strategy.js';
import { html } from './ui.js';

interface Session { authenticated: boolean; login_required: boolean; who?: string; via?: string; admin?: boolean; services?: 'all' | string[]; csrf?: string | null }

const PAGES = [
  { id: 'overview', label: 'Overview' },
  { id: 'destinations', label: 'Destinations' },
  { id: 'strategy', label: 'Strategy' },
  { id: 'inventory', label: 'Inventory' },
  { id: 'gaps', label: 'Gaps' },
  { id: 'sampling', label: 'Sampling' },
  { id: 'slos', label: 'SLOs' },
  { id: 'registry', label: 'Registry' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageOf(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '');
  return (PAGES.find((p) => p.id === id)?.id ?? 'overview') as PageId;
}

function Login({ onDone }: { onDone: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const answer = await post<{ who: string; admin: boolean; services: 'all' | string[]; csrf: string }>('/api/login', { token });
      setCsrf(answer.csrf);
      onDone({ authenticated: true, login_required: false, ...answer, via: 'session' });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return html`<main class="login"><h2>Cairn console</h2>
    <p>This gateway's console is reached from another machine: log in with an admin token, or with your team's token to see your services.</p>
    <form onSubmit=${submit}>
      <div class="field"><label for="token">Admin or team token</label><input id="token" type="password" autocomplete="current-password" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} required /></div>
      <p><button type="submit" class="primary">Log in</button></p>
      ${error ? html`<div class="error-box" role="alert">${error}</div>` : null}
    </form></main>`;
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [page, setPage] = useState<PageId>(pageOf(location.hash));
  useEffect(() => {
    get<Session>('/api/session').then((s) => {
      setCsrf(s.csrf ?? null);
      setSession(s);
    }, () => setSession({ authenticated: false, login_required: true }));
    const onHash = () => setPage(pageOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === page)!.label} · Cairn console`;
    // After a navigation (not the first load), keyboard and screen-reader focus moves to the page.
    if (!first.current) (document.getElementById('main') as HTMLElement | null)?.focus();
    first.current = false;
  }, [page]);
  if (!session) return html`<p role="status">Loading…</p>`;
  if (!session.authenticated) return html`<${Login} onDone=${setSession} />`;
  const admin = !!session.admin;
  const scope = session.services === 'all' || !session.services ? 'all services' : `services ${session.services.join(', ')}`;
  const logout = async () => {
    await post('/api/logout', {});
    location.reload();
  };
  const views: Record<PageId, () => unknown> = {
    overview: () => html`<${OverviewPage} />`,
    destinations: () => html`<${DestinationsPage} admin=${admin} />`,
    strategy: () => html`<${StrategyPage} admin=${admin} />`,
    inventory: () => html`<${InventoryPage} />`,
    gaps: () => html`<${GapsPage} />`,
    sampling: () => html`<${SamplingPage} />`,
    slos: () => html`<${SlosPage} />`,
    registry: () => html`<${RegistryPage} />`,
  };
  return html`<a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a><div class="layout">
    <nav class="side" aria-label="Console pages"><h1>Cairn</h1>
      ${PAGES.map((p) => html`<a href=${`#/${p.id}`} aria-current=${p.id === page ? 'page' : undefined}>${p.label}</a>`)}
      <div class="who" data-testid="who">${session.via === 'loopback' ? 'Local operator (loopback)' : `Signed in: ${session.who}`}<br />${admin ? 'admin' : scope}
        ${session.via === 'session' ? html`<br /><button type="button" class="plain" onClick=${logout}>Log out</button>` : null}</div>
    </nav>
    <main id="main" tabindex="-1" data-page=${page}>${views[page]()}</main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app')!);
