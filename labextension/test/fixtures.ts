/** Data shared by the unit tests. */
import { nullTranslator } from '@jupyterlab/translation';

import { IEnvironment } from '../src/api';

/** JupyterLab's own pass-through translation (what an English UI shows). */
export const trans = nullTranslator.load('mwaa_magic');

/** An environment as GET /mwaa/environments lists it. */
export function environment(
  name: string,
  status: string | null = 'AVAILABLE',
  more: Partial<IEnvironment> = {}
): IEnvironment {
  return {
    name,
    region: 'us-east-1',
    status,
    airflow_version: null,
    webserver_url: null,
    webserver_access_mode: null,
    ...more
  };
}
