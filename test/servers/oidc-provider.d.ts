// The part of oidc-provider 8's API the test identity provider uses (the package ships no type declarations).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ClientLike {
    grantTypeAllowed(type: string): boolean;
  }
  interface InteractionDetails {
    uid: string;
    prompt: { name: string; details: unknown };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
  }
  interface GrantInstance {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }
  interface GrantClass {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  }
  type Ctx = unknown;
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown> & {
      issueRefreshToken?: (ctx: Ctx, client: ClientLike, code: unknown) => Promise<boolean>;
      findAccount?: (ctx: Ctx, id: string) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> } | undefined>;
      interactions?: { url: (ctx: Ctx, interaction: { uid: string }) => string };
    });
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: any[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    Grant: GrantClass;
    RefreshToken: unknown;
    AccessToken: unknown;
    AuthorizationCode: unknown;
    proxy: boolean;
  }
}
