/**
 * The palette commands: show the sidebar, open the Airflow UI of the
 * notebook's current session, insert a %mwaa_login cell.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { LabIcon } from '@jupyterlab/ui-components';

import { errorLine, ITarget, loginLine, openAirflowUI } from './api';
import type { SidebarHost } from './host';
import {
  currentSession,
  ISelection,
  targetFromArgs,
  withDefaults
} from './session';

export namespace CommandIDs {
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

/** What the commands use. */
export interface ICommandContext {
  app: JupyterFrontEnd;
  tracker: INotebookTracker | null;
  trans: TranslationBundle;
  sidebar: SidebarHost;
  icon: LabIcon;
  /** Region and profile when a command is not given them: the sidebar's pickers, else the settings. */
  selection: () => ISelection;
  /** Insert a code cell into the active notebook; returns an error line or null. */
  insertCell: (source: string) => string | null;
}

/** Add the three commands, and to the palette when there is one. */
export function addCommands(
  context: ICommandContext,
  palette: ICommandPalette | null
): void {
  addOpenSidebar(context);
  addOpenUI(context);
  addInsertLoginCell(context);
  if (palette) {
    const category = context.trans.__('Amazon MWAA');
    for (const command of [
      CommandIDs.openSidebar,
      CommandIDs.openUI,
      CommandIDs.insertLoginCell
    ]) {
      palette.addItem({ command, category });
    }
  }
}

/** A function that inserts a code cell below the active one of the current notebook. */
export function cellInserter(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null,
  trans: TranslationBundle
): (source: string) => string | null {
  return source => {
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

function open(target: ITarget): Promise<void> {
  return openAirflowUI(target).catch(error =>
    showErrorMessage('MWAA', errorLine(error))
  );
}

function addOpenSidebar({ app, trans, sidebar, icon }: ICommandContext): void {
  app.commands.addCommand(CommandIDs.openSidebar, {
    label: trans.__('MWAA: Show Environments'),
    caption: trans.__('Show the MWAA environments sidebar'),
    icon,
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
}

function addOpenUI({ app, tracker, trans, selection }: ICommandContext): void {
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
      if (given.environment) {
        return open(withDefaults(given.environment, given, selection()));
      }
      const session = currentSession(tracker);
      if (session) {
        // Synchronously, inside the key press or click: the new tab is not a blocked popup.
        return open(session);
      }
      return askEnvironment(trans, trans.__('Open Airflow UI'), undefined).then(
        environment =>
          environment ? open({ environment, ...selection() }) : undefined
      );
    }
  });
}

function addInsertLoginCell(context: ICommandContext): void {
  const { app, tracker, trans, sidebar, selection } = context;
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
      const { profile, region: picked } = selection();
      const line = sidebar.content
        ? sidebar.content.loginLineFor(environment, region)
        : loginLine(environment, region || picked, profile, null);
      const problem = context.insertCell(line);
      if (problem) {
        await showErrorMessage('MWAA', problem);
      }
    }
  });
}
