/**
 * The "MWAA" left sidebar's content: profile and region pickers, the
 * environments with status badges, and per environment "Open Airflow UI",
 * "Insert login cell" and "Diagnose". The state and its pure decisions are in
 * sidebar-state.ts, the requests in sidebar-fetch.ts, the DOM in
 * sidebar-view.ts; this class ties them together.
 *
 * This module is loaded on demand, the first time the sidebar is shown (see
 * SidebarHost in host.ts): nothing is asked of the server before that.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { errorLine, IEnvironment, IMwaaConfig, IMwaaSettings } from './api';
import { el } from './dom';
import type { ISelection } from './session';
import { fetchEnvironments, ISidebarApi, SERVER_API } from './sidebar-fetch';
import {
  defaultChoice,
  defaultsChanged,
  regionChoices,
  SidebarState,
  sidebarLoginLine
} from './sidebar-state';
import {
  buildHeader,
  buildPicker,
  fillPicker,
  IRowHandlers,
  renderEnvironments,
  selectValue
} from './sidebar-view';

/** What the sidebar needs from the application. */
export interface ISidebarOptions {
  /** Insert a code cell with this source into the active notebook; returns an error line or null. */
  insertCell: (source: string) => string | null;
  /** The user's settings when the sidebar is created (later ones come through applySettings). */
  settings: IMwaaSettings;
  trans: TranslationBundle;
  /** The server calls (default: the server extension's routes). */
  api?: ISidebarApi;
}

/** Fills a host node (the sidebar widget's) with the pickers and the environment list. */
export class MwaaSidebar {
  constructor(node: HTMLElement, options: ISidebarOptions) {
    const trans = options.trans;
    this._options = options;
    this._api = options.api ?? SERVER_API;
    this._state = new SidebarState(options.settings);
    this._node = node;
    node.appendChild(buildHeader(trans, () => void this.refresh()));
    const pickers = el('div', 'mwaa-pickers');
    const changed = () => void this.refresh();
    this._profile = buildPicker(pickers, trans.__('Profile'), changed);
    this._region = buildPicker(pickers, trans.__('Region'), changed);
    node.appendChild(pickers);
    this._error = el('div', 'mwaa-error');
    this._error.setAttribute('role', 'status');
    node.appendChild(this._error);
    this._list = el('ul', 'mwaa-env-list');
    node.appendChild(this._list);
    this._handlers = {
      target: env => ({
        environment: env.name,
        region: env.region,
        profile: this.selection.profile
      }),
      insert: env =>
        this._options.insertCell(this.loginLineFor(env.name, env.region)),
      diagnose: target => this._api.diagnose(target)
    };
  }

  /** The profile and region selected now (null: the server's default). */
  get selection(): ISelection {
    return {
      profile: this._profile.value || null,
      region: this._region.value || null
    };
  }

  /** Load profiles and regions once, then the environment list. */
  async refresh(): Promise<void> {
    this._setBusy(1);
    this._error.textContent = '';
    try {
      const environments = await fetchEnvironments(
        this._state,
        this._api,
        () => this.selection,
        config => this._fillPickers(config)
      );
      if (environments) {
        this._render(environments);
      }
    } catch (error) {
      this._list.replaceChildren();
      this._error.textContent = errorLine(error);
    } finally {
      this._setBusy(-1);
    }
  }

  /**
   * New user settings: a changed default profile or region is selected in
   * its picker and the list reloaded.
   */
  applySettings(settings: IMwaaSettings): void {
    const previous = this._state.settings;
    this._state.settings = settings;
    const config = this._state.config;
    if (!config) {
      return; // the first refresh reads them
    }
    if (defaultsChanged(previous, settings)) {
      this._selectDefaults(config);
      void this.refresh();
    }
  }

  /** The magic line for an environment, with the current pickers. */
  loginLineFor(environment: string, region: string | null): string {
    return sidebarLoginLine(
      environment,
      region,
      this.selection,
      this._state.config
    );
  }

  private _fillPickers(config: IMwaaConfig): void {
    const trans = this._options.trans;
    fillPicker(
      this._profile,
      config.profiles,
      trans.__('(default credentials)')
    );
    fillPicker(
      this._region,
      regionChoices(config),
      trans.__('(default region)')
    );
    this._selectDefaults(config);
  }

  /** Select the settings' defaults, else the server's. */
  private _selectDefaults(config: IMwaaConfig): void {
    const choice = defaultChoice(config, this._state.settings);
    selectValue(this._profile, choice.profile);
    selectValue(this._region, choice.region);
  }

  private _render(environments: IEnvironment[]): void {
    const trans = this._options.trans;
    renderEnvironments(this._list, environments, trans, this._handlers);
  }

  private _setBusy(delta: 1 | -1): void {
    const busy = this._state.busy(delta);
    this._node.classList.toggle('mwaa-mod-busy', busy);
  }

  private _options: ISidebarOptions;
  private _api: ISidebarApi;
  private _state: SidebarState;
  private _handlers: IRowHandlers;
  private _node: HTMLElement;
  private _profile: HTMLSelectElement;
  private _region: HTMLSelectElement;
  private _error: HTMLElement;
  private _list: HTMLElement;
}
