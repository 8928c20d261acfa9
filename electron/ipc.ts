// One ipcMain.handle per API method. Each handler checks the sender (the app's own main frame, nothing else),
// validates the argument and returns a Result envelope: handlers never throw across IPC (Electron would reduce the
// error to a string and lose its code).
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { API_METHODS, CHANNELS, type ConveneApi } from '../shared/api';
import { fail } from '../shared/errors';
import { dispatch } from './dispatch';
import { isAppUrl } from './window-options';

export interface IpcOptions {
  /** The app's page URL (file://.../index.html). */
  appUrl: string;
  /** The dev server URL when running against one (CONVENE_DEV_URL). */
  devUrl?: string | null;
}

export function senderAllowed(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, opts: IpcOptions): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  // Only the top-level frame: an iframe (there should be none; frame-src 'none') never drives the core.
  if (frame.parent) return false;
  return isAppUrl(frame.url, opts.appUrl, opts.devUrl);
}

export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  core: Omit<ConveneApi, 'onEvent'>,
  opts: IpcOptions,
): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(CHANNELS[method], async (event, arg: unknown) => {
      if (!senderAllowed(event, opts)) {
        console.warn(`[ipc] refused ${method} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return fail('FORBIDDEN', 'this page may not use the Convene API');
      }
      return dispatch(core, method, arg);
    });
  }
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(CHANNELS[method]);
  };
}
