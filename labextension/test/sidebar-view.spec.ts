// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';

import { IDiagnosis } from '../src/api';
import { openUIButton } from '../src/button';
import {
  diagnosisTable,
  fillPicker,
  IRowHandlers,
  renderEnvironments,
  selectValue
} from '../src/sidebar-view';
import { environment, trans } from './fixtures';

const DIAGNOSIS: IDiagnosis = {
  environment: 'env',
  region: 'us-east-1',
  profile: null,
  ok: false,
  seconds: 2,
  checks: [
    {
      check: 'Credentials',
      status: 'ok',
      mark: '✓',
      found: 'profile dev',
      fix: '',
      seconds: 0.01
    },
    {
      check: 'Web login',
      status: 'fail',
      mark: '✗',
      found: '<b>403</b>',
      fix: 'Add airflow:CreateWebLoginToken',
      seconds: 1
    },
    {
      check: 'REST call',
      status: 'skipped',
      found: 'needs Web login',
      fix: '',
      seconds: 0
    },
    { check: 'CLI', status: 'n/a', found: '', fix: '', seconds: 0 }
  ],
  marks: { skipped: 'skipped' }
};

const env = (name: string, status: string | null) =>
  environment(name, status, {
    airflow_version: '2.10.3',
    webserver_access_mode: 'PUBLIC_ONLY'
  });

const HANDLERS: IRowHandlers = {
  target: e => ({ environment: e.name, region: e.region, profile: null }),
  insert: () => null,
  diagnose: () => Promise.resolve(DIAGNOSIS)
};

describe('diagnosisTable', () => {
  const table = diagnosisTable(DIAGNOSIS);
  const rows = Array.from(table.querySelectorAll('tr'));
  const cell = (row: number, cls: string) =>
    rows[row].querySelector(`.${cls}`)?.textContent ?? null;

  test("one row per check, marked with the server's marks", () => {
    expect(
      rows.map(r => r.querySelector('.mwaa-check-mark')!.textContent)
    ).toEqual([
      '✓',
      '✗',
      'skipped',
      'n/a' // no mark sent: the status text
    ]);
    expect(table.dataset.ok).toBe('false');
  });

  test('status classes for colour and highlighting', () => {
    expect(rows.map(r => r.className)).toEqual([
      'mwaa-check mwaa-check-ok',
      'mwaa-check mwaa-check-fail',
      'mwaa-check mwaa-check-skipped',
      'mwaa-check mwaa-check-na'
    ]);
  });

  test('name, what was found and the fix are stacked in one cell, as text', () => {
    expect(rows[1].children.length).toBe(2);
    expect(cell(1, 'mwaa-check-name')).toBe('Web login');
    expect(cell(1, 'mwaa-check-found')).toBe('<b>403</b>');
    expect(rows[1].querySelector('b')).toBeNull();
    expect(cell(1, 'mwaa-check-fix')).toBe('Add airflow:CreateWebLoginToken');
    expect(cell(3, 'mwaa-check-found')).toBeNull();
  });
});

describe('pickers', () => {
  test('fillPicker puts the "none" choice first', () => {
    const select = document.createElement('select');
    fillPicker(select, ['a', 'b'], '(default)');
    expect(
      Array.from(select.options).map(o => [o.value, o.textContent])
    ).toEqual([
      ['', '(default)'],
      ['a', 'a'],
      ['b', 'b']
    ]);
  });

  test('selectValue adds a value the list lacks', () => {
    const select = document.createElement('select');
    fillPicker(select, ['a'], '(default)');
    selectValue(select, 'zz');
    expect(select.value).toBe('zz');
    expect(select.options.length).toBe(3);
    selectValue(select, 'a');
    expect(select.options.length).toBe(3);
  });
});

describe('renderEnvironments', () => {
  test('an Open button only for AVAILABLE environments', () => {
    const list = document.createElement('ul');
    renderEnvironments(
      list,
      [env('up', 'AVAILABLE'), env('busy', 'UPDATING'), env('odd', null)],
      trans,
      HANDLERS
    );
    const rows = Array.from(
      list.querySelectorAll('li.mwaa-env')
    ) as HTMLElement[];
    expect(rows.map(r => r.dataset.environment)).toEqual(['up', 'busy', 'odd']);
    expect(rows.map(r => r.querySelectorAll('.mwaa-open-ui').length)).toEqual([
      1, 0, 0
    ]);
    expect(rows[2].querySelector('.mwaa-status')!.textContent).toBe('UNKNOWN');
    expect(rows[1].querySelector('.mwaa-env-meta')!.textContent).toBe(
      'Airflow 2.10.3 · us-east-1 · PUBLIC_ONLY'
    );
  });

  test('none: a line saying so', () => {
    const list = document.createElement('ul');
    renderEnvironments(list, [], trans, HANDLERS);
    expect(list.textContent).toBe('No environments in this region.');
  });

  test('Insert shows the error line the handler returns', () => {
    const list = document.createElement('ul');
    const handlers = { ...HANDLERS, insert: () => 'Open a notebook first.' };
    renderEnvironments(list, [env('up', 'AVAILABLE')], trans, handlers);
    (list.querySelector('.mwaa-insert-cell') as HTMLButtonElement).click();
    expect(list.querySelector('.mwaa-env-error')!.textContent).toBe(
      'Open a notebook first.'
    );
  });

  test('Diagnose shows the table under the row', async () => {
    const list = document.createElement('ul');
    renderEnvironments(list, [env('up', 'AVAILABLE')], trans, HANDLERS);
    const button = list.querySelector('.mwaa-diagnose') as HTMLButtonElement;
    button.click();
    expect(button.disabled).toBe(true);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(list.querySelectorAll('.mwaa-diagnosis tr').length).toBe(4);
    expect(button.disabled).toBe(false);
  });

  test('a failed Diagnose leaves one error line and no table', async () => {
    const list = document.createElement('ul');
    const handlers = {
      ...HANDLERS,
      diagnose: () => Promise.reject(new Error('No route.\ndetail'))
    };
    renderEnvironments(list, [env('up', 'AVAILABLE')], trans, handlers);
    (list.querySelector('.mwaa-diagnose') as HTMLButtonElement).click();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(list.querySelector('.mwaa-env-error')!.textContent).toBe(
      'No route.'
    );
    expect(list.querySelector('.mwaa-diagnosis')!.children.length).toBe(0);
  });
});

test('one Open Airflow UI button for card and sidebar', () => {
  const button = openUIButton(
    trans,
    () => ({ environment: 'e' }),
    document.createElement('span')
  );
  expect(button.className).toBe(
    'jp-Button jp-mod-styled jp-mod-accept mwaa-open-ui'
  );
  expect(button.type).toBe('button');
  expect(button.textContent).toBe('Open Airflow UI');
});
