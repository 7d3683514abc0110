/** The user settings (schema/plugin.json): read, watched, and the selection they imply. */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

import { DEFAULT_SETTINGS, IMwaaSettings } from './api';
import type { ISelection } from './session';

/** What `readSettings` needs of loaded settings. */
export type ISettingsSource = Pick<ISettingRegistry.ISettings, 'get'>;

/** The settings in effect: trimmed strings, a positive interval or 0. */
export function readSettings(settings: ISettingsSource | null): IMwaaSettings {
  if (!settings) {
    return { ...DEFAULT_SETTINGS };
  }
  const text = (key: keyof IMwaaSettings): string => {
    const value = settings.get(key).composite;
    return typeof value === 'string' ? value.trim() : '';
  };
  const interval = Number(settings.get('autoRefreshInterval').composite);
  return {
    defaultProfile: text('defaultProfile'),
    defaultRegion: text('defaultRegion'),
    autoRefreshInterval:
      Number.isFinite(interval) && interval > 0 ? interval : 0
  };
}

/** The region and profile the settings choose (null: the server's default). */
export function settingsSelection(settings: IMwaaSettings): ISelection {
  return {
    profile: settings.defaultProfile || null,
    region: settings.defaultRegion || null
  };
}

/**
 * Load the plugin's settings and call `apply` with them now and on every
 * change. Resolves once they are applied (or could not be loaded).
 */
export function watchSettings(
  registry: ISettingRegistry | null,
  pluginId: string,
  apply: (settings: IMwaaSettings) => void
): Promise<void> {
  if (!registry) {
    return Promise.resolve();
  }
  return registry
    .load(pluginId)
    .then(loaded => {
      apply(readSettings(loaded));
      loaded.changed.connect(() => apply(readSettings(loaded)));
    })
    .catch(reason => {
      console.warn('mwaa-magic: could not load the settings', reason);
    });
}
