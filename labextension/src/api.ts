/**
 * Calls to the mwaa_magic server extension (routes under /mwaa).
 *
 * Every request goes through ServerConnection.makeRequest, which adds the
 * Jupyter token and the XSRF header.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The MIME type of the login card that %mwaa_login displays. */
export const LOGIN_MIME_TYPE = 'application/vnd.mwaa.login+json';

/** The user settings (schema/plugin.json); '' means "the server's default". */
export interface IMwaaSettings {
  defaultProfile: string;
  defaultRegion: string;
  /** Seconds between reloads of the sidebar's list while it is shown; 0: never. */
  autoRefreshInterval: number;
}

export const DEFAULT_SETTINGS: IMwaaSettings = {
  defaultProfile: '',
  defaultRegion: '',
  autoRefreshInterval: 0
};

/** What GET /mwaa/config answers. */
export interface IMwaaConfig {
  profiles: string[];
  default_profile: string | null;
  regions: string[];
  default_region: string | null;
}

/** One environment as GET /mwaa/environments lists it. */
export interface IEnvironment {
  name: string;
  region: string;
  status: string | null;
  error?: string | null;
  airflow_version: string | null;
  webserver_url: string | null;
  webserver_access_mode: string | null;
  tags?: Record<string, string>;
}

/** Which environment, in which region, with which AWS profile. */
export interface ITarget {
  environment: string;
  region?: string | null;
  profile?: string | null;
}

/** An error answered by the server extension: one line, no secrets. */
export class MwaaApiError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

let settings: ServerConnection.ISettings | null = null;

function serverSettings(): ServerConnection.ISettings {
  if (!settings) {
    settings = ServerConnection.makeSettings();
  }
  return settings;
}

function query(params: Record<string, string | null | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Request a /mwaa route and return its JSON body, or throw MwaaApiError. */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {}
): Promise<T> {
  const s = serverSettings();
  const url = URLExt.join(s.baseUrl, 'mwaa', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, s);
  } catch {
    throw new MwaaApiError(
      'NetworkError',
      'The Jupyter server did not answer.'
    );
  }
  let data: any = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code =
      (data && typeof data.code === 'string' && data.code) ||
      `HTTP${response.status}`;
    const message =
      (data && typeof data.message === 'string' && data.message) ||
      `The server answered ${response.status} ${response.statusText}.`;
    throw new MwaaApiError(code, message.split('\n')[0]);
  }
  return data as T;
}

/** Profiles and regions to pick from. */
export function getConfig(): Promise<IMwaaConfig> {
  return requestAPI<IMwaaConfig>('config');
}

/** The environments visible with this profile in this region. */
export async function listEnvironments(
  profile: string | null,
  region: string | null
): Promise<IEnvironment[]> {
  const data = await requestAPI<{ environments: IEnvironment[] }>(
    'environments' + query({ profile, region })
  );
  return data.environments;
}

/** A fresh, short-lived console-SSO URL, minted now. */
export async function loginUrl(target: ITarget): Promise<string> {
  const data = await requestAPI<{ url: string }>('login-url', {
    method: 'POST',
    body: JSON.stringify({
      environment: target.environment,
      region: target.region ?? null,
      profile: target.profile ?? null
    })
  });
  return data.url;
}

/**
 * Open the Airflow UI of an environment in a new tab.
 *
 * The tab is opened synchronously (inside the click) so popup blockers let it
 * through, then sent to the URL once the server has minted it.
 */
export async function openAirflowUI(target: ITarget): Promise<void> {
  const tab = window.open('', '_blank');
  try {
    const url = await loginUrl(target);
    if (!/^https?:\/\//i.test(url)) {
      throw new MwaaApiError(
        'InvalidUrl',
        'The server returned an unusable URL.'
      );
    }
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    } else {
      window.open(url, '_blank', 'noopener');
    }
  } catch (error) {
    tab?.close();
    throw error;
  }
}

/** One check of %mwaa doctor, as GET /mwaa/doctor/<name> gives it (never a secret). */
export interface IDoctorCheck {
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skipped' | 'n/a';
  /** The mark %mwaa doctor shows for the status (✓, ✗, …), when the server sends it. */
  mark?: string;
  found: string;
  fix: string;
  seconds: number;
}

/** What GET /mwaa/doctor/<name> answers: %mwaa doctor's results. */
export interface IDiagnosis {
  environment: string;
  region: string | null;
  profile: string | null;
  ok: boolean;
  seconds: number;
  checks: IDoctorCheck[];
  /** Status -> mark, when the server sends the table once rather than a mark per row. */
  marks?: Record<string, string>;
}

/** Run %mwaa doctor's checks on an environment (up to 30 s). */
export function diagnose(target: ITarget): Promise<IDiagnosis> {
  return requestAPI<IDiagnosis>(
    'doctor/' +
      encodeURIComponent(target.environment) +
      query({ region: target.region, profile: target.profile })
  );
}

/** One line for a thrown error, for inline display. */
export function errorLine(error: unknown): string {
  if (error instanceof MwaaApiError) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.message.split('\n')[0];
  }
  return String(error);
}

/** The magic line that logs in to an environment. */
export function loginLine(
  environment: string,
  region: string | null,
  profile: string | null,
  defaultProfile: string | null
): string {
  let line = `%mwaa_login ${environment}`;
  if (region) {
    line += ` --region ${region}`;
  }
  if (profile && profile !== defaultProfile) {
    line += ` --profile ${profile}`;
  }
  return line;
}
