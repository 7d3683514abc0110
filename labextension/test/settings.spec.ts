import { describe, expect, test } from 'vitest';

import { DEFAULT_SETTINGS } from '../src/api';
import {
  ISettingsSource,
  readSettings,
  settingsSelection
} from '../src/settings';

/** Loaded settings whose composite values are `values`. */
function loaded(values: Record<string, unknown>): ISettingsSource {
  return { get: (key: string) => ({ composite: values[key] }) as any };
}

describe('readSettings', () => {
  test('none loaded: the defaults (a copy)', () => {
    const settings = readSettings(null);
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings).not.toBe(DEFAULT_SETTINGS);
  });

  test('strings are trimmed, the interval kept when positive', () => {
    expect(
      readSettings(
        loaded({
          defaultProfile: ' dev ',
          defaultRegion: 'eu-west-1\n',
          autoRefreshInterval: 30
        })
      )
    ).toEqual({
      defaultProfile: 'dev',
      defaultRegion: 'eu-west-1',
      autoRefreshInterval: 30
    });
  });

  test.each([0, -5, 'soon', null, Infinity])(
    'interval %j means never (0)',
    interval => {
      const settings = readSettings(loaded({ autoRefreshInterval: interval }));
      expect(settings.autoRefreshInterval).toBe(0);
    }
  );

  test('a non-string profile or region is the server default', () => {
    const settings = readSettings(
      loaded({ defaultProfile: 3, defaultRegion: null })
    );
    expect([settings.defaultProfile, settings.defaultRegion]).toEqual(['', '']);
  });
});

describe('settingsSelection', () => {
  test("'' means null: the server's default", () => {
    expect(
      settingsSelection({ ...DEFAULT_SETTINGS, defaultRegion: 'us-west-2' })
    ).toEqual({ profile: null, region: 'us-west-2' });
  });
});
