// The OAuth2 providers built in (issue 12 §1): their endpoints and the scopes that give IMAP and SMTP access, plus
// the generic OpenID Connect issuer (endpoints from its discovery document, RFC 8414 / OIDC Discovery).
//
// Client IDs are configuration, never hard-coded: each user (or distributor) registers Convene as a desktop app
// with the provider and puts the client id in the settings file (`oauthClients`) or the environment
// (CONVENE_GOOGLE_CLIENT_ID, CONVENE_MICROSOFT_CLIENT_ID, CONVENE_OIDC_CLIENT_ID). README "OAuth2 sign-in" says how.

export type OAuthProviderId = 'google' | 'microsoft';

export interface OAuthEndpoints {
  /** The authorization server's issuer identifier. */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
}

export interface BuiltInOAuth extends OAuthEndpoints {
  id: OAuthProviderId;
  name: string;
  /** Scopes that give IMAP and SMTP access (and a refresh token). */
  scope: string;
  /** Extra authorization request parameters the provider needs for a refresh token. */
  extraParams: Record<string, string>;
  envClientId: string;
  envClientSecret: string;
}

export const OAUTH_PROVIDERS: Record<OAuthProviderId, BuiltInOAuth> = {
  google: {
    id: 'google',
    name: 'Google',
    issuer: 'https://accounts.google.com',
    authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenEndpoint: 'https://oauth2.googleapis.com/token',
    revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
    // https://developers.google.com/gmail/imap/xoauth2-protocol: full mail access is the only scope IMAP accepts.
    scope: 'https://mail.google.com/',
    // A refresh token is only issued with access_type=offline; prompt=consent issues a new one on re-sign-in.
    extraParams: { access_type: 'offline', prompt: 'consent' },
    envClientId: 'CONVENE_GOOGLE_CLIENT_ID',
    envClientSecret: 'CONVENE_GOOGLE_CLIENT_SECRET',
  },
  microsoft: {
    id: 'microsoft',
    name: 'Microsoft',
    // 'common': work/school (Microsoft 365) and personal (Outlook.com) accounts alike.
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    // https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
    scope: 'offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send',
    extraParams: {},
    envClientId: 'CONVENE_MICROSOFT_CLIENT_ID',
    envClientSecret: 'CONVENE_MICROSOFT_CLIENT_SECRET',
  },
};

/** Scopes asked of a generic OpenID Connect issuer: identity, a refresh token, and the issuer's mail scope if any. */
export function genericScope(extra?: string): string {
  return ['openid', 'email', 'offline_access', ...(extra ? extra.split(/\s+/).filter(Boolean) : [])].join(' ');
}

/** Which OAuth2 set-up an account uses: a built-in provider or a generic issuer. Stored with the account. */
export type OAuthRef = { provider: OAuthProviderId } | { issuer: string; scope?: string };

export function oauthRefKey(ref: OAuthRef): string {
  return 'provider' in ref ? ref.provider : `issuer:${ref.issuer}`;
}
