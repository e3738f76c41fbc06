import { useEffect, useRef } from 'preact/hooks';
import { useApp } from './app-context.js';
import { AlarmPage } from './pages/alarm.js';
import { AlarmsPage } from './pages/alarms.js';
import { InstrumentPage } from './pages/instrument.js';
import { ManualReadingsPage } from './pages/manual-readings.js';
import { SitePlanPage } from './pages/site-plan.js';
import { usePolling } from './polling.js';
import { Link, paths, useRoute, type Route } from './router.js';

/**
 * The frame of every page: a skip link, the site name, the navigation (with the count of
 * open alarms, kept live), who is signed in, and the page. Moving to another page moves
 * the focus to its heading, as a page load would.
 */
export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { api, session, isEngineer } = useApp();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const open = usePolling(() => api.alarms({ state: 'open', limit: 100 }), []);
  const openCount = open.data ? `${open.data.alarms.length}${open.data.nextCursor ? '+' : ''}` : '…';
  const waiting = open.data?.alarms.filter((a) => a.needsAcknowledgement).length ?? 0;

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route]);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="site-name">Site console</span>
        <nav aria-label="Pages">
          <ul>
            <li>
              <Link href={paths.plan()} aria-current={route.page === 'plan' ? 'page' : undefined}>
                Site plan
              </Link>
            </li>
            <li>
              <Link href={paths.alarms()} aria-current={route.page === 'alarms' || route.page === 'alarm' ? 'page' : undefined}>
                Alarms{' '}
                <span class={`count${waiting > 0 ? ' waiting' : ''}`} data-open-alarms={open.data?.alarms.length}>
                  {openCount} open
                </span>
              </Link>
            </li>
            <li>
              <Link href={paths.readings()} aria-current={route.page === 'readings' ? 'page' : undefined}>
                Manual readings
              </Link>
            </li>
          </ul>
        </nav>
        <span class="user">
          {session.claims.name} <span class="role">({isEngineer ? 'engineer' : (session.claims.role ?? 'no role')})</span>
          <button type="button" class="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" ref={main}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'plan':
    case 'callback':
      return <SitePlanPage />;
    case 'alarms':
      return <AlarmsPage />;
    case 'alarm':
      return <AlarmPage alarmId={route.alarmId} />;
    case 'instrument':
      return <InstrumentPage instrumentId={route.instrumentId} />;
    case 'readings':
      return <ManualReadingsPage />;
    case 'not-found':
      return (
        <section>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <Link href={paths.plan()}>Go to the site plan.</Link>
          </p>
        </section>
      );
  }
}
