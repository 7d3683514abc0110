/**
 * MIME renderer for application/vnd.mwaa.login+json: the login card.
 *
 * The bundle holds no token. The button asks the server extension for a fresh
 * console-SSO URL at click time, so the card works in a notebook reopened days
 * later, with no kernel running. All data is set as text, never as HTML.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { LOGIN_MIME_TYPE } from './api';
import { openUIButton } from './button';
import { el } from './dom';

export const MIME_TYPE = LOGIN_MIME_TYPE;

/** The card's data, as %mwaa_login emits it. */
export interface ILoginCard {
  environment: string;
  region: string;
  profile?: string | null;
  hostname?: string;
  airflow_version?: string | null;
  airflow_identity?: string;
  iam_identity?: string;
  webserver_access_mode?: string | null;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/** The card's label/value list; empty values are left out. */
function cardFields(data: ILoginCard, trans: TranslationBundle): HTMLElement {
  const rows: [string, unknown][] = [
    [trans.__('Region'), data.region],
    [trans.__('Profile'), data.profile],
    [trans.__('Web server'), data.hostname],
    [trans.__('Airflow user'), data.airflow_identity],
    [trans.__('IAM identity'), data.iam_identity],
    [trans.__('Access mode'), data.webserver_access_mode]
  ];
  const fields = el('dl', 'mwaa-card-fields');
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === '') {
      continue;
    }
    fields.appendChild(el('dt', 'mwaa-card-label', label));
    fields.appendChild(el('dd', 'mwaa-card-value', text(value)));
  }
  return fields;
}

/** Build the card's DOM (exported for the sidebar's look-alike rows). */
export function buildCard(
  data: ILoginCard,
  trans: TranslationBundle
): HTMLElement {
  const card = el('div', 'mwaa-card');
  const header = el('div', 'mwaa-card-header');
  header.appendChild(el('span', 'mwaa-card-logo'));
  header.appendChild(el('span', 'mwaa-card-title', text(data.environment)));
  if (data.airflow_version) {
    header.appendChild(
      el(
        'span',
        'mwaa-badge',
        trans.__('Airflow %1', text(data.airflow_version))
      )
    );
  }
  card.appendChild(header);

  card.appendChild(cardFields(data, trans));

  const actions = el('div', 'mwaa-card-actions');
  const status = el('span', 'mwaa-card-error');
  status.setAttribute('role', 'status');
  const button = openUIButton(
    trans,
    () => ({
      environment: text(data.environment),
      region: data.region || null,
      profile: data.profile || null
    }),
    status
  );
  actions.appendChild(button);
  actions.appendChild(status);
  card.appendChild(actions);
  return card;
}

/** The widget JupyterLab puts in an output area for our MIME type. */
export class LoginCardRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this._trans = (options.translator ?? nullTranslator).load('mwaa_magic');
    this.addClass('mwaa-card-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mimeType] as unknown as ILoginCard;
    this.node.replaceChildren();
    if (!data || typeof data !== 'object' || !data.environment) {
      this.node.appendChild(
        el('div', 'mwaa-card-error', this._trans.__('Invalid MWAA login card.'))
      );
      return;
    }
    this.node.appendChild(buildCard(data, this._trans));
  }

  private _mimeType: string;
  private _trans: TranslationBundle;
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: options => new LoginCardRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'mwaa-magic:login-card',
  description: 'Renders the MWAA login card emitted by %mwaa_login.',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
