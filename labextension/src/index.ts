/**
 * mwaa-magic JupyterLab extension: the MWAA sidebar and palette commands.
 * (The login card renderer is the MIME extension in renderer.ts.)
 *
 * Works in JupyterLab and Notebook 7: it needs no ILabShell, and every other
 * service it uses is optional.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import type { ICodeCellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import mwaaSvg from '../style/mwaa.svg';
import {
  DEFAULT_SETTINGS,
  errorLine,
  IMwaaSettings,
  ITarget,
  LOGIN_MIME_TYPE,
  loginLine,
  openAirflowUI
} from './api';
import type { ISidebarOptions, MwaaSidebar } from './sidebar';

export const mwaaIcon = new LabIcon({
  name: 'mwaa-magic:mwaa',
  svgstr: mwaaSvg
});

const PLUGIN_ID = 'mwaa-magic:plugin';

namespace CommandIDs {
  export const openSidebar = 'mwaa:open-sidebar';
  export const openUI = 'mwaa:open-ui';
  export const insertLoginCell = 'mwaa:insert-login-cell';
}

/** The arguments the commands take (all optional). */
const TARGET_ARGS = {
  type: 'object' as const,
  properties: {
    environment: { type: 'string', description: 'MWAA environment name' },
    region: { type: 'string', description: 'AWS region' },
    profile: { type: 'string', description: 'AWS profile' }
  }
};

function readSettings(
  settings: ISettingRegistry.ISettings | null
): IMwaaSettings {
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

function targetFromArgs(args: ReadonlyPartialJSONObject): Partial<ITarget> {
  const pick = (key: string): string | undefined =>
    typeof args[key] === 'string' && args[key]
      ? (args[key] as string)
      : undefined;
  return {
    environment: pick('environment'),
    region: pick('region'),
    profile: pick('profile')
  };
}

/**
 * The session of the active notebook: the login card (%mwaa_login's output)
 * of the most recently run cell that has one, the last one in the notebook on
 * a tie. Null when the notebook shows no card.
 */
function currentSession(tracker: INotebookTracker | null): ITarget | null {
  const model = tracker?.currentWidget?.content.model;
  if (!model) {
    return null;
  }
  let found: ITarget | null = null;
  let latest = -1;
  for (const cell of model.cells) {
    if (cell.type !== 'code') {
      continue;
    }
    const outputs = (cell as ICodeCellModel).outputs;
    const count = (cell as ICodeCellModel).executionCount ?? 0;
    for (let i = 0; i < outputs.length; i++) {
      const card = outputs.get(i).data[LOGIN_MIME_TYPE] as
        ReadonlyPartialJSONObject | undefined;
      if (
        card &&
        typeof card.environment === 'string' &&
        card.environment &&
        count >= latest
      ) {
        latest = count;
        found = {
          environment: card.environment,
          region: typeof card.region === 'string' ? card.region : null,
          profile: typeof card.profile === 'string' ? card.profile : null
        };
      }
    }
  }
  return found;
}

/**
 * The sidebar widget. Its content (sidebar.ts) is loaded, and the server
 * asked for profiles, regions and environments, only once it is first shown.
 */
class SidebarHost extends Widget {
  constructor(private _load: (node: HTMLElement) => Promise<MwaaSidebar>) {
    super();
    this.id = 'mwaa-sidebar';
    this.addClass('mwaa-sidebar');
  }

  /** The content, once loaded. */
  get content(): MwaaSidebar | null {
    return this._content;
  }

  /** Load the content (once); resolves when its first refresh has started. */
  load(): Promise<MwaaSidebar> {
    if (!this._loading) {
      this._loading = this._load(this.node).then(content => {
        this._content = content;
        void content.refresh();
        return content;
      });
    }
    return this._loading;
  }

  /** Reload the list every `seconds` while the sidebar is shown; 0: never. */
  setRefreshInterval(seconds: number): void {
    window.clearInterval(this._timer);
    this._timer = undefined;
    if (seconds > 0) {
      this._timer = window.setInterval(() => {
        if (this._content && this.isVisible) {
          void this._content.refresh();
        }
      }, seconds * 1000);
    }
  }

  dispose(): void {
    this.setRefreshInterval(0);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this.load();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.load();
  }

  private _content: MwaaSidebar | null = null;
  private _loading: Promise<MwaaSidebar> | null = null;
  private _timer: number | undefined = undefined;
}

async function askEnvironment(
  trans: TranslationBundle,
  title: string,
  environment: string | undefined
): Promise<string | null> {
  if (environment) {
    return environment;
  }
  const result = await InputDialog.getText({
    title,
    label: trans.__('MWAA environment name')
  });
  const name = result.button.accept ? (result.value ?? '').trim() : '';
  return name || null;
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
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('mwaa_magic');
    let settings: IMwaaSettings = { ...DEFAULT_SETTINGS };

    const insertCell = (source: string): string | null => {
      const panel = tracker?.currentWidget;
      if (!panel) {
        return trans.__('Open a notebook first.');
      }
      const notebook = panel.content;
      NotebookActions.insertBelow(notebook);
      if (notebook.activeCell?.model.type !== 'code') {
        NotebookActions.changeCellType(notebook, 'code');
      }
      notebook.activeCell?.model.sharedModel.setSource(source);
      app.shell.activateById(panel.id);
      return null;
    };

    // The settings are read before the sidebar's content is made, so that
    // its first request already asks for the configured profile and region.
    const settingsLoaded: Promise<void> = settingRegistry
      ? settingRegistry
          .load(PLUGIN_ID)
          .then(loaded => {
            const apply = () => {
              settings = readSettings(loaded);
              sidebar.setRefreshInterval(settings.autoRefreshInterval);
              sidebar.content?.applySettings(settings);
            };
            apply();
            loaded.changed.connect(apply);
          })
          .catch(reason => {
            console.warn('mwaa-magic: could not load the settings', reason);
          })
      : Promise.resolve();

    const sidebar = new SidebarHost(async node => {
      await settingsLoaded;
      const { MwaaSidebar } = await import('./sidebar');
      const options: ISidebarOptions = { insertCell, settings, trans };
      return new MwaaSidebar(node, options);
    });
    sidebar.title.icon = mwaaIcon;
    sidebar.title.caption = trans.__('Amazon MWAA');
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, 'mwaa-sidebar');

    /** Region and profile when a command is not given them: the sidebar's pickers, else the settings. */
    const selection = (): { profile: string | null; region: string | null } =>
      sidebar.content?.selection ?? {
        profile: settings.defaultProfile || null,
        region: settings.defaultRegion || null
      };

    const open = (target: ITarget): Promise<void> =>
      openAirflowUI(target).catch(error =>
        showErrorMessage('MWAA', errorLine(error))
      );

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: trans.__('MWAA: Show Environments'),
      caption: trans.__('Show the MWAA environments sidebar'),
      icon: mwaaIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        const loaded = sidebar.content;
        app.shell.activateById(sidebar.id);
        if (loaded) {
          await loaded.refresh();
        } else {
          await sidebar.load();
        }
      }
    });

    app.commands.addCommand(CommandIDs.openUI, {
      label: args => {
        const given = targetFromArgs(args).environment;
        const current = given ?? currentSession(tracker)?.environment;
        return current
          ? trans.__('MWAA: Open Airflow UI (%1)', current)
          : trans.__('MWAA: Open Airflow UI…');
      },
      caption: trans.__(
        "Open the Airflow UI, logged in, of the notebook's current MWAA session (its last login card)"
      ),
      describedBy: { args: TARGET_ARGS },
      execute: args => {
        const given = targetFromArgs(args);
        const defaults = selection();
        if (given.environment) {
          return open({
            environment: given.environment,
            region: given.region ?? defaults.region,
            profile: given.profile ?? defaults.profile
          });
        }
        const session = currentSession(tracker);
        if (session) {
          // Synchronously, inside the key press or click: the new tab is not a blocked popup.
          return open(session);
        }
        return askEnvironment(
          trans,
          trans.__('Open Airflow UI'),
          undefined
        ).then(environment =>
          environment ? open({ environment, ...defaults }) : undefined
        );
      }
    });

    app.commands.addCommand(CommandIDs.insertLoginCell, {
      label: trans.__('MWAA: Insert Login Cell…'),
      caption: trans.__('Insert a %mwaa_login cell into the active notebook'),
      describedBy: { args: TARGET_ARGS },
      isEnabled: () => !!tracker?.currentWidget,
      execute: async args => {
        const given = targetFromArgs(args);
        const environment = await askEnvironment(
          trans,
          trans.__('Insert %mwaa_login cell'),
          given.environment
        );
        if (!environment) {
          return;
        }
        const region = given.region ?? null;
        const line = sidebar.content
          ? sidebar.content.loginLineFor(environment, region)
          : loginLine(
              environment,
              region || selection().region,
              selection().profile,
              null
            );
        const problem = insertCell(line);
        if (problem) {
          await showErrorMessage('MWAA', problem);
        }
      }
    });

    if (palette) {
      const category = trans.__('Amazon MWAA');
      for (const command of [
        CommandIDs.openSidebar,
        CommandIDs.openUI,
        CommandIDs.insertLoginCell
      ]) {
        palette.addItem({ command, category });
      }
    }
  }
};

export default plugin;
