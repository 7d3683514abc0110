/**
 * Which environment a command is about: its arguments, else the active
 * notebook's current session (its last login card), else the pickers.
 * Everything here but `currentSession` is pure.
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type {
  PartialJSONObject,
  ReadonlyPartialJSONObject
} from '@lumino/coreutils';

import { ITarget, LOGIN_MIME_TYPE } from './api';

/** Region and profile picked (null: the server's default). */
export interface ISelection {
  profile: string | null;
  region: string | null;
}

/** A code cell as the session lookup sees it: its execution count and its outputs' data. */
export interface IRanCell {
  executionCount: number | null;
  outputs: ReadonlyArray<ReadonlyPartialJSONObject | PartialJSONObject>;
}

/** The environment, region and profile a command's arguments give (non-empty strings only). */
export function targetFromArgs(
  args: ReadonlyPartialJSONObject
): Partial<ITarget> {
  const pick = (key: string): string | undefined => {
    const value = args[key];
    return typeof value === 'string' && value ? value : undefined;
  };
  return {
    environment: pick('environment'),
    region: pick('region'),
    profile: pick('profile')
  };
}

/** A given environment, with the region and profile it lacks taken from `defaults`. */
export function withDefaults(
  environment: string,
  given: Partial<ITarget>,
  defaults: ISelection
): ITarget {
  return {
    environment,
    region: given.region ?? defaults.region,
    profile: given.profile ?? defaults.profile
  };
}

/** The target a login card's data names; null when it names no environment. */
export function cardTarget(card: unknown): ITarget | null {
  if (!card || typeof card !== 'object') {
    return null;
  }
  const data = card as ReadonlyPartialJSONObject;
  if (typeof data.environment !== 'string' || !data.environment) {
    return null;
  }
  return {
    environment: data.environment,
    region: typeof data.region === 'string' ? data.region : null,
    profile: typeof data.profile === 'string' ? data.profile : null
  };
}

/**
 * The login card of the most recently run cell that has one, the last one
 * on a tie (never-run cells count as 0). Null when no cell shows a card.
 */
export function latestSession(cells: Iterable<IRanCell>): ITarget | null {
  let found: ITarget | null = null;
  let latest = -1;
  for (const cell of cells) {
    const count = cell.executionCount ?? 0;
    for (const data of cell.outputs) {
      const target = cardTarget(data[LOGIN_MIME_TYPE]);
      if (target && count >= latest) {
        latest = count;
        found = target;
      }
    }
  }
  return found;
}

/** The code cells of a notebook model, as `latestSession` reads them. */
function* ranCells(
  cells: Iterable<{ type: string }>
): Generator<IRanCell, void, undefined> {
  for (const cell of cells) {
    if (cell.type !== 'code') {
      continue;
    }
    const code = cell as ICodeCellModel;
    const outputs: PartialJSONObject[] = [];
    for (let i = 0; i < code.outputs.length; i++) {
      outputs.push(code.outputs.get(i).data as PartialJSONObject);
    }
    yield { executionCount: code.executionCount, outputs };
  }
}

/** The session of the active notebook (its last login card); null when it shows no card. */
export function currentSession(
  tracker: INotebookTracker | null
): ITarget | null {
  const model = tracker?.currentWidget?.content.model;
  return model ? latestSession(ranCells(model.cells)) : null;
}
