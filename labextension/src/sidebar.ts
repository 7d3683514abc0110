/**
 * The "MWAA" left sidebar: profile and region pickers, the environments with
 * status badges, and per environment "Open Airflow UI" / "Insert login cell".
 * Built with plain DOM; every value from the server is set as text.
 */
import { Widget } from '@lumino/widgets';

import {
  errorLine,
  getConfig,
  IEnvironment,
  IMwaaConfig,
  listEnvironments,
  loginLine,
  openAirflowUI
} from './api';
import { el } from './dom';

/** What the sidebar needs from the application. */
export interface ISidebarOptions {
  /** Insert a code cell with this source into the active notebook; returns an error line or null. */
  insertCell: (source: string) => string | null;
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

export class MwaaSidebar extends Widget {
  constructor(options: ISidebarOptions) {
    super();
    this._options = options;
    this.id = 'mwaa-sidebar';
    this.addClass('mwaa-sidebar');
    this.title.caption = 'Amazon MWAA';

    const header = el('div', 'mwaa-sidebar-header');
    header.appendChild(el('span', 'mwaa-sidebar-title', 'MWAA environments'));
    const busy = el('span', 'mwaa-busy');
    busy.title = 'Loading';
    header.appendChild(busy);
    const refresh = el('button', 'jp-Button jp-mod-minimal mwaa-refresh', '\u21bb');
    refresh.type = 'button';
    refresh.title = 'Refresh the environment list';
    refresh.setAttribute('aria-label', 'Refresh');
    refresh.addEventListener('click', () => void this.refresh());
    header.appendChild(refresh);
    this.node.appendChild(header);

    const pickers = el('div', 'mwaa-pickers');
    this._profile = this._picker(pickers, 'Profile');
    this._region = this._picker(pickers, 'Region');
    this.node.appendChild(pickers);

    this._error = el('div', 'mwaa-error');
    this._error.setAttribute('role', 'status');
    this.node.appendChild(this._error);
    this._list = el('ul', 'mwaa-env-list');
    this.node.appendChild(this._list);
  }

  /** The profile and region selected now (null: default). */
  get selection(): { profile: string | null; region: string | null } {
    return { profile: this._profile.value || null, region: this._region.value || null };
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

  protected onAfterAttach(): void {
    if (!this._loaded) {
      this._loaded = true;
      void this.refresh();
    }
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
    const fill = (select: HTMLSelectElement, values: string[], current: string | null, none: string) => {
      select.replaceChildren();
      const first = el('option', '', none);
      first.value = '';
      select.appendChild(first);
      for (const value of values) {
        const option = el('option', '', value);
        option.value = value;
        select.appendChild(option);
      }
      select.value = current && values.includes(current) ? current : '';
    };
    fill(this._profile, config.profiles, config.default_profile, '(default credentials)');
    const regions = [...config.regions];
    if (config.default_region && !regions.includes(config.default_region)) {
      regions.unshift(config.default_region);
    }
    fill(this._region, regions, config.default_region, '(default region)');
  }

  private _render(environments: IEnvironment[]): void {
    this._list.replaceChildren();
    if (!environments.length) {
      this._list.appendChild(el('li', 'mwaa-empty', 'No environments in this region.'));
      return;
    }
    for (const env of environments) {
      this._list.appendChild(this._row(env));
    }
  }

  private _row(env: IEnvironment): HTMLElement {
    const row = el('li', 'mwaa-env');
    row.dataset.environment = env.name;
    const head = el('div', 'mwaa-env-head');
    head.appendChild(el('span', 'mwaa-env-name', env.name));
    const status = env.status || 'UNKNOWN';
    const badge = el('span', `mwaa-status ${statusClass(status)}`, status);
    head.appendChild(badge);
    row.appendChild(head);
    const meta = [env.airflow_version ? `Airflow ${env.airflow_version}` : '', env.region, env.webserver_access_mode ?? '', env.error ?? '']
      .filter(Boolean)
      .join(' \u00b7 ');
    row.appendChild(el('div', 'mwaa-env-meta', meta));

    const actions = el('div', 'mwaa-env-actions');
    const line = el('div', 'mwaa-env-error');
    if (env.status === 'AVAILABLE') {
      const open = el('button', 'jp-Button jp-mod-styled jp-mod-accept mwaa-open-ui', 'Open Airflow UI');
      open.type = 'button';
      open.addEventListener('click', () => {
        line.textContent = '';
        open.disabled = true;
        openAirflowUI({ environment: env.name, region: env.region, profile: this.selection.profile })
          .catch(error => (line.textContent = errorLine(error)))
          .finally(() => (open.disabled = false));
      });
      actions.appendChild(open);
    }
    const insert = el('button', 'jp-Button jp-mod-styled mwaa-insert-cell', 'Insert login cell');
    insert.type = 'button';
    insert.addEventListener('click', () => {
      line.textContent = this._options.insertCell(this.loginLineFor(env.name, env.region)) ?? '';
    });
    actions.appendChild(insert);
    row.appendChild(actions);
    row.appendChild(line);
    return row;
  }

  private _setBusy(busy: boolean): void {
    this._busyCount += busy ? 1 : -1;
    this.node.classList.toggle('mwaa-mod-busy', this._busyCount > 0);
  }

  private _options: ISidebarOptions;
  private _config: IMwaaConfig | null = null;
  private _profile: HTMLSelectElement;
  private _region: HTMLSelectElement;
  private _error: HTMLElement;
  private _list: HTMLElement;
  private _loaded = false;
  private _busyCount = 0;
  private _generation = 0;
}
