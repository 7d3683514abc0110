/**
 * Buttons that run a request: the one "Open Airflow UI" button (login card
 * in renderer.ts, sidebar rows) and the sidebar's "Diagnose".
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { errorLine, ITarget, openAirflowUI } from './api';
import { el } from './dom';

/**
 * A button that runs `action` when clicked: disabled until it settles, and
 * its failure written, as one line, into `status` (cleared at each click).
 */
export function actionButton(
  className: string,
  label: string,
  title: string,
  status: HTMLElement,
  action: () => Promise<unknown>
): HTMLButtonElement {
  const button = el('button', `jp-Button jp-mod-styled ${className}`, label);
  button.type = 'button';
  button.title = title;
  button.addEventListener('click', () => {
    status.textContent = '';
    button.disabled = true;
    action()
      .catch(error => {
        status.textContent = errorLine(error);
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return button;
}

/**
 * "Open Airflow UI": mints a fresh login link when clicked and opens the
 * Airflow UI in a new tab. `target` is read at click time.
 */
export function openUIButton(
  trans: TranslationBundle,
  target: () => ITarget,
  status: HTMLElement
): HTMLButtonElement {
  return actionButton(
    'jp-mod-accept mwaa-open-ui',
    trans.__('Open Airflow UI'),
    trans.__('Mint a fresh login link and open the Airflow UI in a new tab'),
    status,
    () => openAirflowUI(target())
  );
}
