/**
 * The sidebar's DOM: header, pickers, environment rows and the Diagnose
 * table. Plain DOM; every value from the server is set as text.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { IDiagnosis, IEnvironment, ITarget } from './api';
import { actionButton, openUIButton } from './button';
import { el } from './dom';
import {
  checkMark,
  environmentMeta,
  statusClass,
  statusSlug
} from './sidebar-state';

/** What an environment row's buttons do. */
export interface IRowHandlers {
  /** The environment as a target, read at click time (with the picked profile). */
  target(env: IEnvironment): ITarget;
  /** Insert its %mwaa_login cell; returns an error line or null. */
  insert(env: IEnvironment): string | null;
  /** Run %mwaa doctor's checks on it. */
  diagnose(target: ITarget): Promise<IDiagnosis>;
}

/** The title line: "MWAA environments", a busy spinner, the refresh button. */
export function buildHeader(
  trans: TranslationBundle,
  onRefresh: () => void
): HTMLElement {
  const header = el('div', 'mwaa-sidebar-header');
  header.appendChild(
    el('span', 'mwaa-sidebar-title', trans.__('MWAA environments'))
  );
  const busy = el('span', 'mwaa-busy');
  busy.title = trans.__('Loading');
  header.appendChild(busy);
  const refresh = el('button', 'jp-Button jp-mod-minimal mwaa-refresh', '↻');
  refresh.type = 'button';
  refresh.title = trans.__('Refresh the environment list');
  refresh.setAttribute('aria-label', trans.__('Refresh'));
  refresh.addEventListener('click', onRefresh);
  header.appendChild(refresh);
  return header;
}

/** A labelled picker, appended to `parent`. */
export function buildPicker(
  parent: HTMLElement,
  label: string,
  onChange: () => void
): HTMLSelectElement {
  const wrap = el('label', 'mwaa-picker');
  wrap.appendChild(el('span', 'mwaa-picker-label', label));
  const select = el('select', 'jp-mod-styled mwaa-select');
  select.setAttribute('aria-label', label);
  select.addEventListener('change', onChange);
  wrap.appendChild(select);
  parent.appendChild(wrap);
  return select;
}

function option(value: string, label = value): HTMLOptionElement {
  const node = el('option', '', label);
  node.value = value;
  return node;
}

/** Replace a picker's options: `none` (value '') first, then the values. */
export function fillPicker(
  select: HTMLSelectElement,
  values: string[],
  none: string
): void {
  select.replaceChildren(option('', none), ...values.map(v => option(v)));
}

/** Select `value` in a picker, adding it as an option when the list lacks it. */
export function selectValue(select: HTMLSelectElement, value: string): void {
  if (value && !Array.from(select.options).some(o => o.value === value)) {
    select.appendChild(option(value));
  }
  select.value = value;
}

/** Fill the list with one row per environment, or say there is none. */
export function renderEnvironments(
  list: HTMLElement,
  environments: IEnvironment[],
  trans: TranslationBundle,
  handlers: IRowHandlers
): void {
  list.replaceChildren(
    ...environments.map(env => environmentRow(env, trans, handlers))
  );
  if (!environments.length) {
    list.appendChild(
      el('li', 'mwaa-empty', trans.__('No environments in this region.'))
    );
  }
}

/** One environment: name and status badge, a summary line, the buttons, an error line, the diagnosis. */
export function environmentRow(
  env: IEnvironment,
  trans: TranslationBundle,
  handlers: IRowHandlers
): HTMLElement {
  const row = el('li', 'mwaa-env');
  row.dataset.environment = env.name;
  const head = el('div', 'mwaa-env-head');
  head.appendChild(el('span', 'mwaa-env-name', env.name));
  const status = env.status || 'UNKNOWN';
  head.appendChild(el('span', `mwaa-status ${statusClass(status)}`, status));
  row.appendChild(head);
  row.appendChild(el('div', 'mwaa-env-meta', environmentMeta(env, trans)));
  const line = el('div', 'mwaa-env-error');
  const report = el('div', 'mwaa-diagnosis');
  const actions = el('div', 'mwaa-env-actions');
  if (env.status === 'AVAILABLE') {
    actions.appendChild(openUIButton(trans, () => handlers.target(env), line));
  }
  const insert = el(
    'button',
    'jp-Button jp-mod-styled mwaa-insert-cell',
    trans.__('Insert login cell')
  );
  insert.type = 'button';
  insert.addEventListener('click', () => {
    line.textContent = handlers.insert(env) ?? '';
  });
  actions.appendChild(insert);
  actions.appendChild(diagnoseButton(env, trans, handlers, line, report));
  row.append(actions, line, report);
  return row;
}

/** "Diagnose": runs the checks and shows their table in `report`, or an error in `line`. */
function diagnoseButton(
  env: IEnvironment,
  trans: TranslationBundle,
  handlers: IRowHandlers,
  line: HTMLElement,
  report: HTMLElement
): HTMLButtonElement {
  const busy = trans.__('Diagnosing (up to 30 s)…');
  return actionButton(
    'mwaa-diagnose',
    trans.__('Diagnose'),
    trans.__('Check the whole path to this environment (%mwaa doctor)'),
    line,
    () => {
      report.replaceChildren(el('span', 'mwaa-diagnosis-busy', busy));
      return handlers
        .diagnose(handlers.target(env))
        .then(result => report.replaceChildren(diagnosisTable(result)))
        .catch(error => {
          report.replaceChildren();
          throw error;
        });
    }
  );
}

/**
 * %mwaa doctor's table, narrow enough for the sidebar: one row per check,
 * its mark, then the check's name with what was found and the fix under it.
 */
export function diagnosisTable(result: IDiagnosis): HTMLElement {
  const table = el('table', 'mwaa-diagnosis-table');
  table.dataset.ok = String(result.ok);
  for (const check of result.checks) {
    const tr = el('tr', `mwaa-check mwaa-check-${statusSlug(check.status)}`);
    tr.dataset.status = check.status;
    tr.appendChild(el('td', 'mwaa-check-mark', checkMark(check, result)));
    const detail = el('td', 'mwaa-check-detail');
    detail.appendChild(el('div', 'mwaa-check-name', check.check));
    if (check.found) {
      detail.appendChild(el('div', 'mwaa-check-found', check.found));
    }
    if (check.fix) {
      detail.appendChild(el('div', 'mwaa-check-fix', check.fix));
    }
    tr.appendChild(detail);
    table.appendChild(tr);
  }
  return table;
}
