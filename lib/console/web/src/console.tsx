import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../console-config.js';
import { ConsoleApi } from './api/client.js';
import { AppContext, type ConsoleContext } from './app-context.js';
import { cognitoSignOutUrl } from './auth/cognito.js';
import { clearSession, loadSession, type Session } from './auth/session-store.js';
import { Shell } from './shell.js';
import { SignInPage } from './pages/sign-in.js';

/**
 * The console: the sign-in page until someone is signed in, then the pages. A token that
 * expires, or that the API refuses, signs the user out with the reason.
 */
export function Console({ config, signInError }: { config: ConsoleConfig; signInError?: string | undefined }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [signedOutReason, setSignedOutReason] = useState<string | undefined>(signInError);

  const signOut = useCallback(
    (reason?: string) => {
      clearSession();
      setSession(null);
      setSignedOutReason(reason);
      if (!reason && config.auth.kind === 'cognito') window.location.assign(cognitoSignOutUrl(config.auth));
    },
    [config],
  );

  useEffect(() => {
    if (!session) return undefined;
    const timer = setTimeout(() => signOut('your session has expired; sign in again'), Math.max(0, session.claims.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  const context = useMemo<ConsoleContext | null>(() => {
    if (!session) return null;
    const api = new ConsoleApi(config.apiUrl, {
      token: () => session.accessToken,
      signedOut: (reason) => signOut(`the API refused your session (${reason}); sign in again`),
    });
    return { api, config, session, zone: config.siteTimeZone, isEngineer: session.claims.role === 'engineer' };
  }, [session, config, signOut]);

  if (!context) {
    return (
      <SignInPage
        config={config}
        reason={signedOutReason}
        onSignedIn={(next) => {
          setSignedOutReason(undefined);
          setSession(next);
        }}
      />
    );
  }
  return (
    <AppContext.Provider value={context}>
      <Shell onSignOut={() => signOut()} />
    </AppContext.Provider>
  );
}
