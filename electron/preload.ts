// The preload: exposes exactly the API of shared/api.ts on window.convene, nothing more. No ipcRenderer, no Node,
// no event objects reach the page: each method forwards one plain argument to its channel and returns the Result
// envelope; onEvent hands the listener the event payload only. Bundled into one CommonJS file (sandbox-safe).
//
// Written as buildApi(ipc) + expose(bridge, ipc) so the unit tests check the real bundle with fake electron objects.
import { contextBridge, ipcRenderer } from 'electron';
import { API_METHODS, CHANNELS, EVENT_CHANNEL, type AppEvent, type ConveneApi } from '../shared/api';

/** The slice of ipcRenderer the preload uses. */
export interface IpcLike {
  invoke(channel: string, arg?: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export interface BridgeLike {
  exposeInMainWorld(key: string, api: unknown): void;
}

export function buildApi(ipc: IpcLike): ConveneApi {
  const api: Record<string, unknown> = {};
  for (const method of API_METHODS) {
    const channel = CHANNELS[method];
    api[method] = (arg?: unknown) => ipc.invoke(channel, arg);
  }
  api.onEvent = (cb: (e: AppEvent) => void) => {
    if (typeof cb !== 'function') throw new TypeError('onEvent needs a function');
    const listener = (_event: unknown, payload: unknown) => cb(payload as AppEvent);
    ipc.on(EVENT_CHANNEL, listener);
    return () => {
      ipc.removeListener(EVENT_CHANNEL, listener);
    };
  };
  return Object.freeze(api) as unknown as ConveneApi;
}

export function expose(bridge: BridgeLike, ipc: IpcLike): void {
  bridge.exposeInMainWorld('convene', buildApi(ipc));
}

expose(contextBridge, ipcRenderer as unknown as IpcLike);
