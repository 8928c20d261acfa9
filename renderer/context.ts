import { createContext, useContext } from 'react';
import type { AccountView, Settings } from '../shared/api';

export type View =
  | { name: 'invitations'; uid?: string | null }
  | { name: 'calendar' }
  | { name: 'editor'; uid?: string | null; start?: string }
  | { name: 'status' }
  | { name: 'settings' }
  | { name: 'account'; id?: string | null };

export interface AppCtx {
  tz: string;
  settings: Settings | null;
  accounts: AccountView[];
  /** Grows on every core event: screens reload when it changes. */
  tick: number;
  go(view: View): void;
  toast(text: string, kind?: 'info' | 'error'): void;
  reloadMeta(): void;
}

export const Ctx = createContext<AppCtx | null>(null);

export function useApp(): AppCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('no app context');
  return c;
}
