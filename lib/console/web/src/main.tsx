import './styles.css';
import { render } from 'preact';
import { consoleConfigProblem, type ConsoleConfig } from '../../console-config.js';
import { Console } from './console.js';
import { completeCognitoSignIn } from './auth/cognito.js';
import { saveSession } from './auth/session-store.js';
import { navigate, parseRoute } from './router.js';

/**
 * Starts the console: reads config.json from beside the bundle, finishes a hosted UI
 * sign-in when the browser comes back to `/callback`, then renders the app.
 */
async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) throw new Error('the page has no #app element');
  // The page's loading message goes: Preact adds to a container, it does not replace what is there.
  root.replaceChildren();
  let config: ConsoleConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    render(<StartFailure message={(error as Error).message} />, root);
    return;
  }
  let signInError: string | undefined;
  if (parseRoute(location.pathname).page === 'callback' && config.auth.kind === 'cognito') {
    try {
      const { accessToken, idToken, returnTo } = await completeCognitoSignIn(config.auth, new URL(location.href));
      saveSession(accessToken, idToken);
      navigate(returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/', true);
    } catch (error) {
      signInError = (error as Error).message;
      navigate('/', true);
    }
  }
  render(<Console config={config} signInError={signInError} />, root);
}

async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json could not be loaded (HTTP ${response.status})`);
  const config: unknown = await response.json();
  const problem = consoleConfigProblem(config);
  if (problem) throw new Error(problem);
  return config as ConsoleConfig;
}

function StartFailure({ message }: { message: string }) {
  return (
    <main class="start-failure">
      <h1>The site console cannot start</h1>
      <p role="alert">{message}</p>
    </main>
  );
}

void start();
