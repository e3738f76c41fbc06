import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ConsoleConfig } from '../../console-config.js';
import type { ConsoleApi } from './api/client.js';
import type { Session } from './auth/session-store.js';

/** What every page needs: the API client, the configuration and who is signed in. */
export interface ConsoleContext {
  readonly api: ConsoleApi;
  readonly config: ConsoleConfig;
  readonly session: Session;
  /** Site time zone, from the configuration. */
  readonly zone: string;
  readonly isEngineer: boolean;
}

export const AppContext = createContext<ConsoleContext | null>(null);

export function useApp(): ConsoleContext {
  const context = useContext(AppContext);
  if (!context) throw new Error('useApp outside the signed-in console');
  return context;
}
