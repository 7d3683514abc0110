/**
 * The "MWAA" left sidebar's content: profile and region pickers, the
 * environments with status badges, and per environment "Open Airflow UI" /
 * "Insert login cell". Built with plain DOM; every value from the server is
 * set as text.
 *
 * This module is loaded on demand, the first time the sidebar is shown (see
 * SidebarHost in index.ts): nothing is asked of the server before that.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import {
  diagnose,
  DOCTOR_MARKS,
  errorLine,
  getConfig,
  IDiagnosis,
  IEnvironment,
  IMwaaConfig,
  IMwaaSettings,
  listEnvironments,
  loginLine,
  openAirflowUI
} from './api';
import { el } from './dom';

/** What the sidebar needs from the application. */
export interface ISidebarOptions {
  /** Insert a code cell with this source into the active notebook; returns an error line or null. */
  insertCell: (source: string) => string | null;
  /** The user's settings when the sidebar is created (later ones come through applySettings). */
  settings: IMwaaSettings;
  trans: TranslationBundle;
}

function statusClass(status: string): string {
  if (status === 'AVAILABLE') {
    return 'mwaa-status-ok';
  }
  if (/FAILED|DELETED|UNAVAILABLE/.test(status)) {
    return 'mwaa-status-error';
  }
  return 'mwaa-status-busy';
}

/** Select `value` in a picker, adding it as an option when the list lacks it. */
function selectValue(select: HTMLSelectElement, value: string): void {
  if (value && !Array.from(select.options).some(o => o.value === value)) {
    const option = el('option', '', value);
    option.value = value;
    select.appendChild(option);
  }
  select.value = value;
}

/** Fills a host node (the sidebar widget's) with the pickers and the environment list. */
export class MwaaSidebar {
  constructor(node: HTMLElement, options: ISidebarOptions) {
    this._options = options;
    this._settings = options.settings;
    const trans = options.trans;
    this._node = node;

    const header = el('div', 'mwaa-sidebar-header');
    header.appendChild(
      el('span', 'mwaa-sidebar-title', trans.__('MWAA environments'))
    );
    const busy = el('span', 'mwaa-busy');
    busy.title = trans.__('Loading');
    header.appendChild(busy);
    const refresh = el(
      'button',
      'jp-Button jp-mod-minimal mwaa-refresh',
      '\u21bb'
    );
    refresh.type = 'button';
    refresh.title = trans.__('Refresh the environment list');
    refresh.setAttribute('aria-label', trans.__('Refresh'));
    refresh.addEventListener('click', () => void this.refresh());
    header.appendChild(refresh);
    node.appendChild(header);

    const pickers = el('div', 'mwaa-pickers');
    this._profile = this._picker(pickers, trans.__('Profile'));
    this._region = this._picker(pickers, trans.__('Region'));
    node.appendChild(pickers);

    this._error = el('div', 'mwaa-error');
    this._error.setAttribute('role', 'status');
    node.appendChild(this._error);
    this._list = el('ul', 'mwaa-env-list');
    node.appendChild(this._list);
  }

  /** The profile and region selected now (null: the server's default). */
  get selection(): { profile: string | null; region: string | null } {
    return {
      profile: this._profile.value || null,
      region: this._region.value || null
    };
  }

  /** Load profiles and regions once, then the environment list. */
  async refresh(): Promise<void> {
    this._setBusy(true);
    this._error.textContent = '';
    try {
      if (!this._config) {
        this._config = await getConfig();
        this._fillPickers(this._config);
      }
      const { profile, region } = this.selection;
      const token = ++this._generation;
      const environments = await listEnvironments(profile, region);
      if (token === this._generation) {
        this._render(environments);
      }
    } catch (error) {
      this._list.replaceChildren();
      this._error.textContent = errorLine(error);
    } finally {
      this._setBusy(false);
    }
  }

  /**
   * New user settings: a changed default profile or region is selected in
   * its picker and the list reloaded.
   */
  applySettings(settings: IMwaaSettings): void {
    const previous = this._settings;
    this._settings = settings;
    if (!this._config) {
      return; // the first refresh reads them
    }
    const changed =
      settings.defaultProfile !== previous.defaultProfile ||
      settings.defaultRegion !== previous.defaultRegion;
    if (changed) {
      this._selectDefaults(this._config);
      void this.refresh();
    }
  }

  /** The magic line for an environment, with the current pickers. */
  loginLineFor(environment: string, region: string | null): string {
    const profile = this.selection.profile;
    return loginLine(
      environment,
      region || this.selection.region || this._config?.default_region || null,
      profile,
      this._config?.default_profile ?? null
    );
  }

  private _picker(parent: HTMLElement, label: string): HTMLSelectElement {
    const wrap = el('label', 'mwaa-picker');
    wrap.appendChild(el('span', 'mwaa-picker-label', label));
    const select = el('select', 'jp-mod-styled mwaa-select');
    select.setAttribute('aria-label', label);
    select.addEventListener('change', () => void this.refresh());
    wrap.appendChild(select);
    parent.appendChild(wrap);
    return select;
  }

  private _fillPickers(config: IMwaaConfig): void {
    const trans = this._options.trans;
    const fill = (
      select: HTMLSelectElement,
      values: string[],
      none: string
    ) => {
      select.replaceChildren();
      const first = el('option', '', none);
      first.value = '';
      select.appendChild(first);
      for (const value of values) {
        const option = el('option', '', value);
        option.value = value;
        select.appendChild(option);
      }
    };
    fill(this._profile, config.profiles, trans.__('(default credentials)'));
    const regions = [...config.regions];
    if (config.default_region && !regions.includes(config.default_region)) {
      regions.unshift(config.default_region);
    }
    fill(this._region, regions, trans.__('(default region)'));
    this._selectDefaults(config);
  }

  /** Select the settings' defaults, else the server's. */
  private _selectDefaults(config: IMwaaConfig): void {
    const { defaultProfile, defaultRegion } = this._settings;
    const serverProfile =
      config.default_profile && config.profiles.includes(config.default_profile)
        ? config.default_profile
        : '';
    selectValue(this._profile, defaultProfile || serverProfile);
    selectValue(this._region, defaultRegion || config.default_region || '');
  }

  private _render(environments: IEnvironment[]): void {
    this._list.replaceChildren();
    if (!environments.length) {
      this._list.appendChild(
        el(
          'li',
          'mwaa-empty',
          this._options.trans.__('No environments in this region.')
        )
      );
      return;
    }
    for (const env of environments) {
      this._list.appendChild(this._row(env));
    }
  }

  private _row(env: IEnvironment): HTMLElement {
    const trans = this._options.trans;
    const row = el('li', 'mwaa-env');
    row.dataset.environment = env.name;
    const head = el('div', 'mwaa-env-head');
    head.appendChild(el('span', 'mwaa-env-name', env.name));
    const status = env.status || 'UNKNOWN';
    const badge = el('span', `mwaa-status ${statusClass(status)}`, status);
    head.appendChild(badge);
    row.appendChild(head);
    const meta = [
      env.airflow_version ? trans.__('Airflow %1', env.airflow_version) : '',
      env.region,
      env.webserver_access_mode ?? '',
      env.error ?? ''
    ]
      .filter(Boolean)
      .join(' \u00b7 ');
    row.appendChild(el('div', 'mwaa-env-meta', meta));

    const actions = el('div', 'mwaa-env-actions');
    const line = el('div', 'mwaa-env-error');
    if (env.status === 'AVAILABLE') {
      const open = el(
        'button',
        'jp-Button jp-mod-styled jp-mod-accept mwaa-open-ui',
        trans.__('Open Airflow UI')
      );
      open.type = 'button';
      open.addEventListener('click', () => {
        line.textContent = '';
        open.disabled = true;
        openAirflowUI({
          environment: env.name,
          region: env.region,
          profile: this.selection.profile
        })
          .catch(error => (line.textContent = errorLine(error)))
          .finally(() => (open.disabled = false));
      });
      actions.appendChild(open);
    }
    const insert = el(
      'button',
      'jp-Button jp-mod-styled mwaa-insert-cell',
      trans.__('Insert login cell')
    );
    insert.type = 'button';
    insert.addEventListener('click', () => {
      line.textContent =
        this._options.insertCell(this.loginLineFor(env.name, env.region)) ?? '';
    });
    actions.appendChild(insert);
    const report = el('div', 'mwaa-diagnosis');
    const diagnoseButton = el(
      'button',
      'jp-Button jp-mod-styled mwaa-diagnose',
      trans.__('Diagnose')
    );
    diagnoseButton.type = 'button';
    diagnoseButton.title = trans.__(
      'Check the whole path to this environment (%mwaa doctor)'
    );
    diagnoseButton.addEventListener('click', () => {
      line.textContent = '';
      diagnoseButton.disabled = true;
      report.replaceChildren(
        el(
          'span',
          'mwaa-diagnosis-busy',
          trans.__('Diagnosing (up to 30 s)\u2026')
        )
      );
      diagnose({
        environment: env.name,
        region: env.region,
        profile: this.selection.profile
      })
        .then(result => report.replaceChildren(this._diagnosis(result)))
        .catch(error => {
          report.replaceChildren();
          line.textContent = errorLine(error);
        })
        .finally(() => (diagnoseButton.disabled = false));
    });
    actions.appendChild(diagnoseButton);
    row.appendChild(actions);
    row.appendChild(line);
    row.appendChild(report);
    return row;
  }

  /** %mwaa doctor's table: one row per check (mark, check, what was found, the fix); text only. */
  private _diagnosis(result: IDiagnosis): HTMLElement {
    const table = el('table', 'mwaa-diagnosis-table');
    table.dataset.ok = String(result.ok);
    for (const check of result.checks) {
      const tr = el(
        'tr',
        `mwaa-check mwaa-check-${check.status.replace('/', '')}`
      );
      tr.appendChild(
        el('td', 'mwaa-check-mark', DOCTOR_MARKS[check.status] ?? check.status)
      );
      tr.appendChild(el('td', 'mwaa-check-name', check.check));
      const detail = el('td', 'mwaa-check-found', check.found);
      if (check.fix) {
        detail.appendChild(el('div', 'mwaa-check-fix', check.fix));
      }
      tr.appendChild(detail);
      table.appendChild(tr);
    }
    return table;
  }

  private _setBusy(busy: boolean): void {
    this._busyCount += busy ? 1 : -1;
    this._node.classList.toggle('mwaa-mod-busy', this._busyCount > 0);
  }

  private _options: ISidebarOptions;
  private _settings: IMwaaSettings;
  private _node: HTMLElement;
  private _config: IMwaaConfig | null = null;
  private _profile: HTMLSelectElement;
  private _region: HTMLSelectElement;
  private _error: HTMLElement;
  private _list: HTMLElement;
  private _busyCount = 0;
  private _generation = 0;
}
