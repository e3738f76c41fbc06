import { useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../../console-config.js';
import { beginCognitoSignIn } from '../auth/cognito.js';
import { signInLocally } from '../auth/local-sign-in.js';
import { saveSession, type Session } from '../auth/session-store.js';
import { ProblemMessage } from '../components/problem.js';

/**
 * Sign-in: in AWS a button to the Cognito hosted UI; locally the stand-in's form (the users
 * of the local users file, `engineer` and `viewer` by default).
 */
export function SignInPage(props: { config: ConsoleConfig; reason: string | undefined; onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const auth = props.config.auth;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const token = await signInLocally(props.config.apiUrl, username, password);
      props.onSignedIn(saveSession(token));
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Site console</h1>
      {props.reason ? (
        <p class="notice" role="status">
          {props.reason}
        </p>
      ) : null}
      {auth.kind === 'cognito' ? (
        <>
          <p>Sign in with your site account (multi-factor authentication is required).</p>
          <button type="button" onClick={() => void beginCognitoSignIn(auth, location.pathname === '/callback' ? '/' : location.pathname)}>
            Sign in
          </button>
        </>
      ) : (
        <form onSubmit={(event) => void submit(event)} aria-describedby="local-sign-in-note">
          <p id="local-sign-in-note" class="hint">
            Local sign-in: a stand-in for Cognito, with the users of the local users file.
          </p>
          <div class="field">
            <label for="username">User name</label>
            <input
              id="username"
              name="username"
              autocomplete="username"
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          <ProblemMessage error={error} what="Sign-in refused" />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      )}
    </main>
  );
}
