/**
 * The sidebar's state and the pure decisions on it: which profile and region
 * to select, how an environment is summed up, which mark a doctor check gets.
 * No DOM and no requests here.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  IDiagnosis,
  IDoctorCheck,
  IEnvironment,
  IMwaaConfig,
  IMwaaSettings,
  loginLine
} from './api';
import type { ISelection } from './session';

/** The badge class of an environment status. */
export function statusClass(status: string): string {
  if (status === 'AVAILABLE') {
    return 'mwaa-status-ok';
  }
  if (/FAILED|DELETED|UNAVAILABLE/.test(status)) {
    return 'mwaa-status-error';
  }
  return 'mwaa-status-busy';
}

/** One line under an environment's name: Airflow version, region, access mode, error. */
export function environmentMeta(
  env: IEnvironment,
  trans: TranslationBundle
): string {
  return [
    env.airflow_version ? trans.__('Airflow %1', env.airflow_version) : '',
    env.region,
    env.webserver_access_mode ?? '',
    env.error ?? ''
  ]
    .filter(Boolean)
    .join(' \u00b7 ');
}

/** The regions to offer: the server's list, its default first when missing. */
export function regionChoices(config: IMwaaConfig): string[] {
  const regions = [...config.regions];
  if (config.default_region && !regions.includes(config.default_region)) {
    regions.unshift(config.default_region);
  }
  return regions;
}

/** What the pickers select at first: the settings' defaults, else the server's ('' for none). */
export function defaultChoice(
  config: IMwaaConfig,
  settings: IMwaaSettings
): { profile: string; region: string } {
  const serverProfile =
    config.default_profile && config.profiles.includes(config.default_profile)
      ? config.default_profile
      : '';
  return {
    profile: settings.defaultProfile || serverProfile,
    region: settings.defaultRegion || config.default_region || ''
  };
}

/** True when new settings change the default profile or region. */
export function defaultsChanged(
  previous: IMwaaSettings,
  next: IMwaaSettings
): boolean {
  return (
    next.defaultProfile !== previous.defaultProfile ||
    next.defaultRegion !== previous.defaultRegion
  );
}

/** The %mwaa_login line for an environment with the pickers' selection. */
export function sidebarLoginLine(
  environment: string,
  region: string | null,
  selection: ISelection,
  config: IMwaaConfig | null
): string {
  return loginLine(
    environment,
    region || selection.region || config?.default_region || null,
    selection.profile,
    config?.default_profile ?? null
  );
}

/**
 * The mark of a doctor check, as the server gives it: the row's own, else the
 * answer's status -> mark table, else the status itself.
 */
export function checkMark(check: IDoctorCheck, diagnosis: IDiagnosis): string {
  return check.mark || diagnosis.marks?.[check.status] || check.status;
}

/** A CSS-class-safe form of a check status ('n/a' -> 'na'). */
export function statusSlug(status: string): string {
  return status.replace(/[^a-z0-9-]/gi, '');
}

/**
 * The sidebar's mutable state: the server's config (fetched once), the
 * settings in effect, how many requests are running, and which list request
 * is the latest (an older answer is dropped).
 */
export class SidebarState {
  constructor(public settings: IMwaaSettings) {}

  config: IMwaaConfig | null = null;

  /** Start a list request; returns its number. */
  nextRequest(): number {
    return ++this._generation;
  }

  /** True while no later list request has started. */
  isLatest(request: number): boolean {
    return request === this._generation;
  }

  /** Count a request in (+1) or out (-1); returns whether any is running. */
  busy(delta: 1 | -1): boolean {
    this._busy += delta;
    return this._busy > 0;
  }

  private _generation = 0;
  private _busy = 0;
}
