/**
 * mwaa-magic JupyterLab extension: the plugin's wiring. The sidebar host is
 * in host.ts (its content in sidebar.ts, loaded on demand), the commands in
 * commands.ts, the notebook's current session in session.ts, the settings in
 * settings.ts; the login card renderer is the MIME extension in renderer.ts.
 *
 * Works in JupyterLab and Notebook 7: it needs no ILabShell, and every other
 * service it uses is optional.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import mwaaSvg from '../style/mwaa.svg';
import { DEFAULT_SETTINGS, IMwaaSettings } from './api';
// The commands are registered at activation, and 'Open Airflow UI' must open its
// tab synchronously inside the key press or click: no lazy import here.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { addCommands, cellInserter } from './commands';
import { SidebarHost } from './host';
import { settingsSelection, watchSettings } from './settings';

export const mwaaIcon = new LabIcon({
  name: 'mwaa-magic:mwaa',
  svgstr: mwaaSvg
});

const PLUGIN_ID = 'mwaa-magic:plugin';

function activate(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  translator: ITranslator | null
): void {
  const trans = (translator ?? nullTranslator).load('mwaa_magic');
  const insertCell = cellInserter(app, tracker, trans);
  let settings: IMwaaSettings = { ...DEFAULT_SETTINGS };
  // Read before the sidebar's content is made, so that its first request
  // already asks for the configured profile and region.
  const settingsLoaded = watchSettings(settingRegistry, PLUGIN_ID, loaded => {
    settings = loaded;
    sidebar.setRefreshInterval(settings.autoRefreshInterval);
    sidebar.content?.applySettings(settings);
  });
  const sidebar = new SidebarHost(async node => {
    await settingsLoaded;
    const { MwaaSidebar } = await import('./sidebar');
    return new MwaaSidebar(node, { insertCell, settings, trans });
  });
  sidebar.title.icon = mwaaIcon;
  sidebar.title.caption = trans.__('Amazon MWAA');
  app.shell.add(sidebar, 'left', { rank: 850 });
  restorer?.add(sidebar, 'mwaa-sidebar');
  const selection = () =>
    sidebar.content?.selection ?? settingsSelection(settings);
  addCommands(
    { app, tracker, trans, sidebar, icon: mwaaIcon, selection, insertCell },
    palette
  );
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'MWAA sidebar and commands: open the Airflow UI, insert %mwaa_login cells.',
  autoStart: true,
  optional: [
    INotebookTracker,
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator
  ],
  activate
};

export default plugin;
