/**
 * Presets for providers with their own endpoints and rules, with OAuthenticator 17's class names
 * and traits: `github` (allowed_organizations, teams as groups), `gitlab` (allowed_gitlab_groups),
 * `google` (hosted_domain), `azuread` (tenant_id; the user data is the ID token). Each is the
 * generic flow (generic.ts) with default endpoints and a `verify` step.
 */
import { z } from 'zod';
import { authenticatorTraits } from '../../config/schema-auth.js';
import {
  azureAdOAuthenticatorTraits,
  gitHubOAuthenticatorTraits,
  gitLabOAuthenticatorTraits,
  googleOAuthenticatorTraits,
  oauthenticatorTraits,
} from '../../config/schema-oauth.js';
import { HubError } from '../../errors.js';
import { defineAuthenticator } from '../define.js';
import { createOAuthAuthenticator } from './generic.js';

const base = {
  ...oauthenticatorTraits,
  allow_all: authenticatorTraits.allow_all,
  enable_auth_state: authenticatorTraits.enable_auth_state,
  manage_groups: authenticatorTraits.manage_groups,
  refresh_pre_spawn: authenticatorTraits.refresh_pre_spawn,
};
const trim = (u: string) => u.replace(/\/+$/, '');
const enc = encodeURIComponent;

function needClientId(cls: string, clientId: string): void {
  if (!clientId)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${cls} needs ${cls}.client_id (and client_secret): register the hub at the provider as an OAuth application with the callback URL https://<your hub>/hub/oauth_callback (see docs/authentication.md).`,
    );
}

/** The GitHub REST API for a GitHub (Enterprise) web address. */
export function gitHubApi(githubUrl: string, githubApi: string): string {
  if (githubApi) return trim(githubApi);
  const u = new URL(githubUrl);
  return u.hostname === 'github.com' ? 'https://api.github.com' : `${trim(githubUrl)}/api/v3`;
}

export const gitHubAuthenticatorDefinition = defineAuthenticator({
  id: 'github',
  aliases: [
    'github',
    'GitHubOAuthenticator',
    'oauthenticator.github.GitHubOAuthenticator',
    'oauthenticator.GitHubOAuthenticator',
  ],
  configClasses: ['Authenticator', 'OAuthenticator', 'GitHubOAuthenticator'],
  options: z.object({ ...base, ...gitHubOAuthenticatorTraits }),
  create(o, deps) {
    needClientId('GitHubOAuthenticator', o.client_id);
    const web = trim(o.github_url);
    const api = gitHubApi(o.github_url, o.github_api);
    const orgs = o.allowed_organizations;
    return createOAuthAuthenticator(
      {
        ...o,
        issuer: '',
        authorize_url: o.authorize_url || `${web}/login/oauth/authorize`,
        token_url: o.token_url || `${web}/login/oauth/access_token`,
        userdata_url: o.userdata_url || `${api}/user`,
      },
      deps,
      {
        cls: 'GitHubOAuthenticator',
        describe: 'GitHub',
        async verify({ userdata, api: get }) {
          const login = String(userdata.login ?? '');
          const groups: string[] = [];
          if (o.populate_teams_in_auth_state) {
            const teams = await get(`${api}/user/teams?per_page=100`);
            if (Array.isArray(teams.body))
              for (const t of teams.body as { slug?: string; organization?: { login?: string } }[])
                if (t.slug && t.organization?.login)
                  groups.push(`${t.organization.login}:${t.slug}`);
          }
          for (const entry of orgs) {
            const [org, team] = entry.split(':', 2) as [string, string | undefined];
            const url = team
              ? `${api}/orgs/${enc(org)}/teams/${enc(team)}/members/${enc(login)}`
              : `${api}/orgs/${enc(org)}/members/${enc(login)}`;
            // 204: a member. 302/404: not one (or the membership is private and read:org is missing).
            if ((await get(url)).status === 204)
              return { allowedVia: `allowed_organizations (${entry})`, groups };
          }
          return { groups };
        },
      },
    );
  },
});

/** GitLab's Developer access level, the least allowed_project_ids accepts (as OAuthenticator 17). */
const DEVELOPER = 30;

/** A project id or full path for the API's URL: `science/hpc` and `science%2Fhpc` both work. */
function projectRef(p: string): string {
  try {
    return enc(decodeURIComponent(p));
  } catch {
    return enc(p);
  }
}

export const gitLabAuthenticatorDefinition = defineAuthenticator({
  id: 'gitlab',
  aliases: [
    'gitlab',
    'GitLabOAuthenticator',
    'oauthenticator.gitlab.GitLabOAuthenticator',
    'oauthenticator.GitLabOAuthenticator',
  ],
  configClasses: ['Authenticator', 'OAuthenticator', 'GitLabOAuthenticator'],
  options: z.object({ ...base, ...gitLabOAuthenticatorTraits }),
  create(o, deps) {
    needClientId('GitLabOAuthenticator', o.client_id);
    const web = trim(o.gitlab_url);
    return createOAuthAuthenticator(
      {
        ...o,
        issuer: '',
        authorize_url: o.authorize_url || `${web}/oauth/authorize`,
        token_url: o.token_url || `${web}/oauth/token`,
        userdata_url: o.userdata_url || `${web}/api/v4/user`,
      },
      deps,
      {
        cls: 'GitLabOAuthenticator',
        describe: 'GitLab',
        async verify({ userdata, api: get }) {
          const id = userdata.id;
          for (const g of o.allowed_gitlab_groups) {
            // 200: a direct or inherited member.
            const r = await get(`${web}/api/v4/groups/${enc(g)}/members/all/${enc(String(id))}`);
            if (r.status === 200) return { allowedVia: `allowed_gitlab_groups (${g})` };
          }
          for (const p of o.allowed_project_ids) {
            // 200 with the member's access_level (direct or inherited); Developer (30) and up.
            const r = await get(
              `${web}/api/v4/projects/${projectRef(p)}/members/all/${enc(String(id))}`,
            );
            const level = (r.body as { access_level?: unknown } | null)?.access_level;
            if (r.status === 200 && typeof level === 'number' && level >= DEVELOPER)
              return { allowedVia: `allowed_project_ids (${p})` };
          }
          return {};
        },
      },
    );
  },
});

export const googleAuthenticatorDefinition = defineAuthenticator({
  id: 'google',
  aliases: [
    'google',
    'GoogleOAuthenticator',
    'oauthenticator.google.GoogleOAuthenticator',
    'oauthenticator.GoogleOAuthenticator',
  ],
  configClasses: ['Authenticator', 'OAuthenticator', 'GoogleOAuthenticator'],
  options: z.object({ ...base, ...googleOAuthenticatorTraits }),
  create(o, deps) {
    needClientId('GoogleOAuthenticator', o.client_id);
    const domains = o.hosted_domain.map((d) => d.toLowerCase());
    return createOAuthAuthenticator(
      {
        ...o,
        issuer: '',
        authorize_url: o.authorize_url || 'https://accounts.google.com/o/oauth2/v2/auth',
        token_url: o.token_url || 'https://oauth2.googleapis.com/token',
        userdata_url: o.userdata_url || 'https://www.googleapis.com/oauth2/v3/userinfo',
      },
      deps,
      {
        cls: 'GoogleOAuthenticator',
        describe: 'Google',
        async verify({ userdata, name }) {
          if (!domains.length) return {};
          const email = String(userdata.email ?? '').toLowerCase();
          const verified = userdata.email_verified === true || userdata.verified_email === true;
          const domain = email.split('@')[1] ?? '';
          const hd = typeof userdata.hd === 'string' ? userdata.hd.toLowerCase() : domain;
          if (!verified || !domains.includes(domain) || hd !== domain)
            return {
              refuse: `this hub only accepts verified accounts of ${domains.join(', ')}. Sign out at Google and use such an account.`,
            };
          // One domain: the name without it (OAuthenticator's rule), when the name is the email.
          if (domains.length === 1 && name.toLowerCase() === email)
            return { name: email.slice(0, email.indexOf('@')) };
          return {};
        },
      },
    );
  },
});

export const azureAdAuthenticatorDefinition = defineAuthenticator({
  id: 'azuread',
  aliases: [
    'azuread',
    'entra',
    'AzureAdOAuthenticator',
    'oauthenticator.azuread.AzureAdOAuthenticator',
    'oauthenticator.AzureAdOAuthenticator',
  ],
  configClasses: ['Authenticator', 'OAuthenticator', 'AzureAdOAuthenticator'],
  options: z.object({ ...base, ...azureAdOAuthenticatorTraits }),
  create(o, deps) {
    needClientId('AzureAdOAuthenticator', o.client_id);
    if (!o.tenant_id && !(o.authorize_url && o.token_url))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        'AzureAdOAuthenticator needs AzureAdOAuthenticator.tenant_id (the Directory (tenant) ID of the app registration), or $AAD_TENANT_ID.',
      );
    const t = `https://login.microsoftonline.com/${enc(o.tenant_id)}/oauth2/v2.0`;
    return createOAuthAuthenticator(
      {
        ...o,
        issuer: '',
        authorize_url: o.authorize_url || `${t}/authorize`,
        token_url: o.token_url || `${t}/token`,
      },
      deps,
      { cls: 'AzureAdOAuthenticator', describe: 'Microsoft Entra ID' },
    );
  },
});
