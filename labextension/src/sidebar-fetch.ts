/** The sidebar's requests to the server extension (routes under /mwaa). */
import {
  diagnose,
  getConfig,
  IDiagnosis,
  IEnvironment,
  IMwaaConfig,
  ITarget,
  listEnvironments
} from './api';
import type { ISelection } from './session';
import type { SidebarState } from './sidebar-state';

/** The server calls the sidebar makes (api.ts's, or others in unit tests). */
export interface ISidebarApi {
  getConfig(): Promise<IMwaaConfig>;
  listEnvironments(
    profile: string | null,
    region: string | null
  ): Promise<IEnvironment[]>;
  diagnose(target: ITarget): Promise<IDiagnosis>;
}

/** The server extension's routes. */
export const SERVER_API: ISidebarApi = {
  getConfig,
  listEnvironments,
  diagnose
};

/**
 * The environments for the current selection. The config (profiles and
 * regions) is fetched the first time and handed to `onConfig` before the
 * selection is read, so the first list is for the pickers' defaults. Null
 * when a later call started meanwhile: its answer is the one to show.
 */
export async function fetchEnvironments(
  state: SidebarState,
  api: ISidebarApi,
  selection: () => ISelection,
  onConfig: (config: IMwaaConfig) => void
): Promise<IEnvironment[] | null> {
  if (!state.config) {
    state.config = await api.getConfig();
    onConfig(state.config);
  }
  const { profile, region } = selection();
  const request = state.nextRequest();
  const environments = await api.listEnvironments(profile, region);
  return state.isLatest(request) ? environments : null;
}
