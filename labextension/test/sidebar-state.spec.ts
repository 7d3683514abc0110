import { describe, expect, test } from 'vitest';

import {
  DEFAULT_SETTINGS,
  IDiagnosis,
  IDoctorCheck,
  IMwaaConfig
} from '../src/api';
import {
  checkMark,
  defaultChoice,
  defaultsChanged,
  environmentMeta,
  regionChoices,
  SidebarState,
  sidebarLoginLine,
  statusClass,
  statusSlug
} from '../src/sidebar-state';
import { environment, trans } from './fixtures';

const CONFIG: IMwaaConfig = {
  profiles: ['default', 'dev'],
  default_profile: 'default',
  regions: ['us-east-1', 'eu-west-1'],
  default_region: 'ap-south-1'
};

function check(status: IDoctorCheck['status'], mark?: string): IDoctorCheck {
  return { check: 'Credentials', status, mark, found: '', fix: '', seconds: 0 };
}

function diagnosis(marks?: Record<string, string>): IDiagnosis {
  return {
    environment: 'env',
    region: null,
    profile: null,
    ok: true,
    seconds: 1,
    checks: [],
    marks
  };
}

describe('statusClass', () => {
  test.each([
    ['AVAILABLE', 'mwaa-status-ok'],
    ['CREATE_FAILED', 'mwaa-status-error'],
    ['UNAVAILABLE', 'mwaa-status-error'],
    ['DELETED', 'mwaa-status-error'],
    ['UPDATING', 'mwaa-status-busy'],
    ['UNKNOWN', 'mwaa-status-busy']
  ])('%s -> %s', (status, expected) => {
    expect(statusClass(status)).toBe(expected);
  });
});

describe('environmentMeta', () => {
  test('version, region, access mode and error, dot-separated', () => {
    const env = environment('e', 'AVAILABLE', {
      airflow_version: '3.0.6',
      webserver_access_mode: 'PUBLIC_ONLY',
      error: 'boom'
    });
    expect(environmentMeta(env, trans)).toBe(
      'Airflow 3.0.6 · us-east-1 · PUBLIC_ONLY · boom'
    );
  });

  test('missing parts are left out', () => {
    const env = environment('e', null);
    expect(environmentMeta(env, trans)).toBe('us-east-1');
  });
});

describe('regionChoices', () => {
  test("the server's default first when its list lacks it", () => {
    expect(regionChoices(CONFIG)).toEqual([
      'ap-south-1',
      'us-east-1',
      'eu-west-1'
    ]);
  });

  test('no duplicate when listed', () => {
    const config = { ...CONFIG, default_region: 'eu-west-1' };
    expect(regionChoices(config)).toEqual(['us-east-1', 'eu-west-1']);
  });
});

describe('defaultChoice', () => {
  test("the settings' defaults win", () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      defaultProfile: 'dev',
      defaultRegion: 'eu-west-1'
    };
    expect(defaultChoice(CONFIG, settings)).toEqual({
      profile: 'dev',
      region: 'eu-west-1'
    });
  });

  test("else the server's; a default profile it does not list is not chosen", () => {
    expect(defaultChoice(CONFIG, DEFAULT_SETTINGS)).toEqual({
      profile: 'default',
      region: 'ap-south-1'
    });
    const config = { ...CONFIG, default_profile: 'gone', default_region: null };
    expect(defaultChoice(config, DEFAULT_SETTINGS)).toEqual({
      profile: '',
      region: ''
    });
  });
});

describe('defaultsChanged', () => {
  test('only the profile and the region count', () => {
    expect(
      defaultsChanged(DEFAULT_SETTINGS, {
        ...DEFAULT_SETTINGS,
        autoRefreshInterval: 9
      })
    ).toBe(false);
    expect(
      defaultsChanged(DEFAULT_SETTINGS, {
        ...DEFAULT_SETTINGS,
        defaultRegion: 'x'
      })
    ).toBe(true);
    expect(
      defaultsChanged(DEFAULT_SETTINGS, {
        ...DEFAULT_SETTINGS,
        defaultProfile: 'x'
      })
    ).toBe(true);
  });
});

describe('sidebarLoginLine', () => {
  test('the row region, else the picked one, else the server default', () => {
    const picked = { profile: null, region: 'eu-west-1' };
    expect(sidebarLoginLine('e', 'us-east-1', picked, CONFIG)).toBe(
      '%mwaa_login e --region us-east-1'
    );
    expect(sidebarLoginLine('e', null, picked, CONFIG)).toBe(
      '%mwaa_login e --region eu-west-1'
    );
    expect(
      sidebarLoginLine('e', null, { profile: null, region: null }, CONFIG)
    ).toBe('%mwaa_login e --region ap-south-1');
  });

  test("a picked profile other than the server's default is named", () => {
    const picked = { profile: 'dev', region: null };
    expect(sidebarLoginLine('e', 'r', picked, CONFIG)).toBe(
      '%mwaa_login e --region r --profile dev'
    );
    expect(
      sidebarLoginLine('e', 'r', { profile: 'default', region: null }, CONFIG)
    ).toBe('%mwaa_login e --region r');
  });

  test('before the config is in', () => {
    expect(
      sidebarLoginLine('e', null, { profile: 'p', region: null }, null)
    ).toBe('%mwaa_login e --profile p');
  });
});

describe('checkMark', () => {
  test("the row's own mark first", () => {
    expect(checkMark(check('fail', '✗'), diagnosis({ fail: 'X' }))).toBe('✗');
  });

  test("else the answer's marks table", () => {
    expect(checkMark(check('warn'), diagnosis({ warn: '⚠' }))).toBe('⚠');
  });

  test('else the status text: no copy of the marks here', () => {
    expect(checkMark(check('ok'), diagnosis())).toBe('ok');
    expect(checkMark(check('n/a'), diagnosis({ ok: '✓' }))).toBe('n/a');
  });
});

test('statusSlug makes a class name', () => {
  expect(statusSlug('n/a')).toBe('na');
  expect(statusSlug('skipped')).toBe('skipped');
});

describe('SidebarState', () => {
  test('only the latest list request counts', () => {
    const state = new SidebarState(DEFAULT_SETTINGS);
    const first = state.nextRequest();
    expect(state.isLatest(first)).toBe(true);
    const second = state.nextRequest();
    expect([state.isLatest(first), state.isLatest(second)]).toEqual([
      false,
      true
    ]);
  });

  test('busy while any request runs', () => {
    const state = new SidebarState(DEFAULT_SETTINGS);
    expect(state.busy(1)).toBe(true);
    expect(state.busy(1)).toBe(true);
    expect(state.busy(-1)).toBe(true);
    expect(state.busy(-1)).toBe(false);
  });
});
