/**
 * mwaa-magic JupyterLab extension: the MWAA sidebar and palette commands.
 * (The login card renderer is the MIME extension in renderer.ts.)
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';

import mwaaSvg from '../style/mwaa.svg';
import { errorLine, openAirflowUI } from './api';
import { MwaaSidebar } from './sidebar';

export const mwaaIcon = new LabIcon({ name: 'mwaa-magic:mwaa', svgstr: mwaaSvg });

namespace CommandIDs {
  export const openSidebar = 'mwaa:open-sidebar';
  export const openUI = 'mwaa:open-ui';
  export const insertLoginCell = 'mwaa:insert-login-cell';
}

interface ITargetArgs {
  environment?: string;
  region?: string;
  profile?: string;
}

async function askEnvironment(title: string, args: ITargetArgs): Promise<string | null> {
  if (args.environment) {
    return args.environment;
  }
  const result = await InputDialog.getText({ title, label: 'MWAA environment name' });
  const name = result.button.accept ? (result.value ?? '').trim() : '';
  return name || null;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mwaa-magic:plugin',
  description: 'MWAA sidebar and commands: open the Airflow UI, insert %mwaa_login cells.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const insertCell = (source: string): string | null => {
      const panel = tracker.currentWidget;
      if (!panel) {
        return 'Open a notebook first.';
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

    const sidebar = new MwaaSidebar({ insertCell });
    sidebar.title.icon = mwaaIcon;
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, 'mwaa-sidebar');

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: 'MWAA: Show Environments',
      icon: mwaaIcon,
      execute: () => {
        app.shell.activateById(sidebar.id);
        void sidebar.refresh();
      }
    });

    app.commands.addCommand(CommandIDs.openUI, {
      label: 'MWAA: Open Airflow UI…',
      execute: async args => {
        const target = args as ITargetArgs;
        const environment = await askEnvironment('Open Airflow UI', target);
        if (!environment) {
          return;
        }
        const selection = sidebar.selection;
        try {
          await openAirflowUI({
            environment,
            region: target.region ?? selection.region,
            profile: target.profile ?? selection.profile
          });
        } catch (error) {
          await showErrorMessage('MWAA', errorLine(error));
        }
      }
    });

    app.commands.addCommand(CommandIDs.insertLoginCell, {
      label: 'MWAA: Insert Login Cell…',
      isEnabled: () => tracker.currentWidget !== null,
      execute: async args => {
        const target = args as ITargetArgs;
        const environment = await askEnvironment('Insert %mwaa_login cell', target);
        if (!environment) {
          return;
        }
        const problem = insertCell(sidebar.loginLineFor(environment, target.region ?? null));
        if (problem) {
          await showErrorMessage('MWAA', problem);
        }
      }
    });

    if (palette) {
      const category = 'Amazon MWAA';
      for (const command of [CommandIDs.openSidebar, CommandIDs.openUI, CommandIDs.insertLoginCell]) {
        palette.addItem({ command, category });
      }
    }
  }
};

export default plugin;
