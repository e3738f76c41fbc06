import { createElement, type ComponentChildren, type HTMLAttributes } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The console's pages, by path: `/`, `/alarms`, `/alarms/<id>`, `/instruments/<id>`, `/readings`, `/callback`. */
export type Route =
  | { readonly page: 'plan' }
  | { readonly page: 'alarms' }
  | { readonly page: 'alarm'; readonly alarmId: string }
  | { readonly page: 'instrument'; readonly instrumentId: string }
  | { readonly page: 'readings' }
  | { readonly page: 'callback' }
  | { readonly page: 'not-found'; readonly path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, ...rest] = parts;
  if (first === undefined) return { page: 'plan' };
  if (rest.length === 0) {
    if (first === 'alarms') return second === undefined ? { page: 'alarms' } : { page: 'alarm', alarmId: second };
    if (first === 'instruments' && second !== undefined) return { page: 'instrument', instrumentId: second };
    if (first === 'readings' && second === undefined) return { page: 'readings' };
    if (first === 'callback' && second === undefined) return { page: 'callback' };
  }
  return { page: 'not-found', path: pathname };
}

export const paths = {
  plan: () => '/',
  alarms: () => '/alarms',
  alarm: (alarmId: string) => `/alarms/${encodeURIComponent(alarmId)}`,
  instrument: (instrumentId: string) => `/instruments/${encodeURIComponent(instrumentId)}`,
  readings: () => '/readings',
};

const CHANGE = 'console:navigate';

/** Goes to a console path without reloading the page. */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGE));
}

/** The current route, following links, the back button and {@link navigate}. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

type LinkProps = Omit<HTMLAttributes<HTMLAnchorElement>, 'href'> & { readonly href: string; readonly children?: ComponentChildren };

/** A real link (it opens in a new tab, it can be copied) that navigates in place on a plain click. */
export function Link(props: LinkProps) {
  const { href, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return createElement('a', { ...rest, href, onClick }, children);
}
