import { describe, expect, test } from 'vitest';

import { DEFAULT_SETTINGS, IEnvironment, IMwaaConfig } from '../src/api';
import { fetchEnvironments, ISidebarApi } from '../src/sidebar-fetch';
import { SidebarState } from '../src/sidebar-state';
import { environment } from './fixtures';

const CONFIG: IMwaaConfig = {
  profiles: [],
  default_profile: null,
  regions: ['us-east-1'],
  default_region: 'us-east-1'
};

/** An in-memory server: lists one environment named after the region; `hold` keeps a region's answer back. */
class FakeServer implements ISidebarApi {
  configCalls = 0;
  listed: (string | null)[] = [];
  held = new Map<string, () => void>();
  hold = new Set<string>();

  async getConfig(): Promise<IMwaaConfig> {
    this.configCalls++;
    return CONFIG;
  }

  async listEnvironments(
    profile: string | null,
    region: string | null
  ): Promise<IEnvironment[]> {
    this.listed.push(region);
    const answer = [
      environment(`in-${region}`, 'AVAILABLE', { region: region ?? '' })
    ];
    if (region && this.hold.has(region)) {
      await new Promise<void>(resolve => this.held.set(region, resolve));
    }
    return answer;
  }

  diagnose(): Promise<never> {
    return Promise.reject(new Error('not used'));
  }
}

describe('fetchEnvironments', () => {
  test('the config once, handed over before the selection is read', async () => {
    const state = new SidebarState(DEFAULT_SETTINGS);
    const server = new FakeServer();
    let region: string | null = null;
    const configs: IMwaaConfig[] = [];
    const onConfig = (config: IMwaaConfig) => {
      configs.push(config);
      region = config.default_region; // as the pickers select the default
    };
    const selection = () => ({ profile: null, region });
    const first = await fetchEnvironments(state, server, selection, onConfig);
    expect(first?.map(e => e.name)).toEqual(['in-us-east-1']);
    await fetchEnvironments(state, server, selection, onConfig);
    expect(server.configCalls).toBe(1);
    expect(configs).toEqual([CONFIG]);
    expect(server.listed).toEqual(['us-east-1', 'us-east-1']);
  });

  test('an answer overtaken by a later request is dropped', async () => {
    const state = new SidebarState(DEFAULT_SETTINGS);
    state.config = CONFIG;
    const server = new FakeServer();
    server.hold.add('slow');
    const slow = fetchEnvironments(
      state,
      server,
      () => ({ profile: null, region: 'slow' }),
      () => {}
    );
    const fast = await fetchEnvironments(
      state,
      server,
      () => ({ profile: null, region: 'fast' }),
      () => {}
    );
    expect(fast?.map(e => e.name)).toEqual(['in-fast']);
    server.held.get('slow')!();
    expect(await slow).toBeNull();
  });
});
