/** The frame every page shares: sidebar, top bar (live indicator, search, settings, help), routes. */
import { lazy, Suspense, useEffect, useRef, useState, type ComponentType } from 'react';
import { send } from './lib/api.js';
import { SHORTCUTS, useKeys } from './lib/keys.js';
import { live, useLiveStatus } from './lib/live.js';
import { Link, match, navigate, useLocation } from './lib/router.js';
import { updateSettings, useSettings, type Theme, type TimeZone } from './lib/settings.js';
import { Dialog, Toasts } from './lib/ui.js';

const Overview = lazy(() => import('./pages/overview.js'));
const Jobs = lazy(() => import('./pages/jobs.js'));
const JobPage = lazy(() => import('./job/job-page.js'));
const LogPage = lazy(() => import('./logs/log-page.js'));
const Editor = lazy(() => import('./editor/editor-page.js'));
const Scheduled = lazy(() => import('./pages/scheduled.js'));
const Nodes = lazy(() => import('./pages/nodes.js'));
const Queues = lazy(() => import('./pages/queues.js'));
const Login = lazy(() => import('./pages/login.js'));

type Route = [pattern: string, page: ComponentType<{ params: Record<string, string> }>];

const ROUTES: Route[] = [
  ['/', Overview],
  ['/jobs', Jobs],
  ['/jobs/new', Editor],
  ['/jobs/:id', JobPage],
  ['/jobs/:id/logs', LogPage],
  ['/scheduled', Scheduled],
  ['/nodes', Nodes],
  ['/queues', Queues],
  ['/login', Login],
];

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/jobs', 'Jobs'],
  ['/scheduled', 'Scheduled'],
  ['/nodes', 'Nodes'],
  ['/queues', 'Queues'],
  ['/jobs/new', 'New job'],
];

function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}

const STATUS_TEXT: Record<string, string> = {
  idle: 'live',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  polling: 'polling',
  paused: 'paused',
  off: 'live updates off',
};

function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <span className={`live live-${status}`} role="status" title="Live updates over one event stream">
      <span className="dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  );
}

/** Theme and time zone, always at hand in the top bar. */
function TopSettings() {
  const settings = useSettings();
  return (
    <>
      <label className="compact">
        <span className="sr-only">Theme</span>
        <select
          value={settings.theme}
          onChange={(e) => updateSettings({ theme: e.target.value as Theme })}
          title="Theme"
        >
          <option value="system">System theme</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      <label className="compact">
        <span className="sr-only">Time zone</span>
        <select
          value={settings.timeZone}
          onChange={(e) => updateSettings({ timeZone: e.target.value as TimeZone })}
          title="Time zone"
        >
          <option value="local">Local time</option>
          <option value="utc">UTC</option>
        </select>
      </label>
    </>
  );
}

function SettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const settings = useSettings();
  const [version, setVersion] = useState('');
  const [session, setSession] = useState<{ authRequired: boolean; username?: string } | undefined>();
  useEffect(() => {
    if (!open) return;
    void fetch('/ui/api/info').then(
      async (r) => r.ok && setVersion(((await r.json()) as { version: string }).version),
    );
    void fetch('/ui/session').then(
      async (r) => r.ok && setSession((await r.json()) as { authRequired: boolean; username?: string }),
    );
  }, [open]);
  return (
    <Dialog open={open} title="Settings" onClose={onClose}>
      <div className="form-grid">
        <label className="field">
          Theme
          <select value={settings.theme} onChange={(e) => updateSettings({ theme: e.target.value as Theme })}>
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <label className="field">
          Time zone (used everywhere)
          <select
            value={settings.timeZone}
            onChange={(e) => updateSettings({ timeZone: e.target.value as TimeZone })}
          >
            <option value="local">Local</option>
            <option value="utc">UTC</option>
          </select>
        </label>
        <label className="field">
          Page size
          <select
            value={settings.pageSize}
            onChange={(e) => updateSettings({ pageSize: Number(e.target.value) })}
          >
            {[25, 50, 100, 200].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.live}
            onChange={(e) => {
              updateSettings({ live: e.target.checked });
              live.refresh();
            }}
          />
          Live updates
        </label>
      </div>
      <p className="muted">
        Drover {version}
        {session?.authRequired && ` · signed in as ${session.username ?? 'the API key'}`}
      </p>
      <div className="dialog-actions">
        {session?.authRequired && (
          <button
            type="button"
            onClick={() => {
              void send('POST', '/ui/logout')
                .catch(() => undefined)
                .finally(() => navigate('/login'));
              onClose();
            }}
          >
            Log out
          </button>
        )}
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose}>
      <table className="table keys">
        <tbody>
          {SHORTCUTS.map(([key, what]) => (
            <tr key={key}>
              <td>
                <kbd>{key}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

export function App() {
  const location = useLocation();
  const search = useRef<HTMLInputElement>(null);
  const [help, setHelp] = useState(false);
  const [settings, setSettings] = useState(false);
  useKeys({
    '/': () => search.current?.focus(),
    '?': () => setHelp(true),
    'g o': () => navigate('/'),
    'g j': () => navigate('/jobs'),
    'g c': () => navigate('/scheduled'),
    'g n': () => navigate('/nodes'),
    'g q': () => navigate('/queues'),
    'g e': () => navigate('/jobs/new'),
  });
  let page = <NotFound />;
  for (const [pattern, Page] of ROUTES) {
    const params = match(pattern, location.path);
    if (params) {
      page = <Page params={params} />;
      break;
    }
  }
  if (location.path === '/login') {
    return (
      <Suspense fallback={null}>
        {page}
        <Toasts />
      </Suspense>
    );
  }
  const current = NAV.filter(
    ([to]) => to === location.path || (to !== '/' && location.path.startsWith(to)),
  ).pop()?.[0];
  return (
    <div className="frame">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <Link to="/" className="brand">
          Drover
        </Link>
        <ul>
          {NAV.map(([to, label]) => (
            <li key={to}>
              <Link to={to} aria-current={current === to ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <header className="topbar">
        <LiveIndicator />
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const q = search.current?.value.trim() ?? '';
            navigate(`/jobs${q ? `?q=${encodeURIComponent(q)}` : ''}`);
            search.current?.blur();
          }}
        >
          <label htmlFor="global-search" className="sr-only">
            Search jobs
          </label>
          <input
            id="global-search"
            ref={search}
            type="search"
            placeholder="Search jobs  /"
            autoComplete="off"
          />
        </form>
        <TopSettings />
        <button type="button" className="ghost" onClick={() => setSettings(true)} aria-haspopup="dialog">
          Settings
        </button>
        <button
          type="button"
          className="ghost"
          onClick={() => setHelp(true)}
          aria-label="Keyboard shortcuts"
          aria-haspopup="dialog"
        >
          ?
        </button>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading">Loading…</p>}>{page}</Suspense>
      </main>
      <SettingsDialog open={settings} onClose={() => setSettings(false)} />
      <HelpDialog open={help} onClose={() => setHelp(false)} />
      <Toasts />
    </div>
  );
}
