import { describe, expect, test } from 'vitest';

import { LOGIN_MIME_TYPE } from '../src/api';
import {
  cardTarget,
  IRanCell,
  latestSession,
  targetFromArgs,
  withDefaults
} from '../src/session';

function cell(count: number | null, ...cards: unknown[]): IRanCell {
  return {
    executionCount: count,
    outputs: cards.map(card => ({ [LOGIN_MIME_TYPE]: card }) as any)
  };
}

describe('targetFromArgs', () => {
  test('keeps non-empty strings only', () => {
    expect(
      targetFromArgs({ environment: 'env', region: '', profile: 3 as any })
    ).toEqual({ environment: 'env', region: undefined, profile: undefined });
  });

  test('no arguments: nothing given', () => {
    expect(targetFromArgs({})).toEqual({
      environment: undefined,
      region: undefined,
      profile: undefined
    });
  });
});

describe('withDefaults', () => {
  test('the given region and profile win over the defaults', () => {
    const defaults = { region: 'us-east-1', profile: 'dev' };
    expect(withDefaults('env', { region: 'eu-west-1' }, defaults)).toEqual({
      environment: 'env',
      region: 'eu-west-1',
      profile: 'dev'
    });
  });
});

describe('cardTarget', () => {
  test('reads environment, region and profile', () => {
    expect(
      cardTarget({ environment: 'e', region: 'r', profile: 'p', hostname: 'h' })
    ).toEqual({ environment: 'e', region: 'r', profile: 'p' });
  });

  test('non-string region or profile become null', () => {
    expect(cardTarget({ environment: 'e', region: 1, profile: null })).toEqual({
      environment: 'e',
      region: null,
      profile: null
    });
  });

  test.each([
    undefined,
    null,
    'e',
    {},
    { environment: '' },
    { environment: 7 }
  ])('no environment in %j: null', card => {
    expect(cardTarget(card)).toBeNull();
  });
});

describe('latestSession', () => {
  test('no card anywhere: null', () => {
    expect(latestSession([cell(1), cell(2, { hostname: 'x' })])).toBeNull();
  });

  test('the most recently run cell wins, wherever it is', () => {
    const cells = [
      cell(5, { environment: 'late' }),
      cell(2, { environment: 'early' })
    ];
    expect(latestSession(cells)?.environment).toBe('late');
  });

  test('on a tie the last card wins; never-run cells count as 0', () => {
    const cells = [
      cell(null, { environment: 'first' }),
      cell(0, { environment: 'second' }, { environment: 'third' })
    ];
    expect(latestSession(cells)?.environment).toBe('third');
  });

  test('an invalid card does not hide an older valid one', () => {
    const cells = [
      cell(1, { environment: 'good' }),
      cell(9, { environment: '' })
    ];
    expect(latestSession(cells)).toEqual({
      environment: 'good',
      region: null,
      profile: null
    });
  });
});
