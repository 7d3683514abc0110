import { describe, expect, test } from 'vitest';

import { errorLine, loginLine, MwaaApiError } from '../src/api';

describe('loginLine', () => {
  test('environment only', () => {
    expect(loginLine('env', null, null, null)).toBe('%mwaa_login env');
  });

  test('region, and a profile other than the default', () => {
    expect(loginLine('env', 'eu-west-1', 'dev', 'default')).toBe(
      '%mwaa_login env --region eu-west-1 --profile dev'
    );
  });

  test('the default profile is left out', () => {
    expect(loginLine('env', null, 'default', 'default')).toBe(
      '%mwaa_login env'
    );
  });
});

describe('errorLine', () => {
  test("the server's message as it is", () => {
    expect(errorLine(new MwaaApiError('Code', 'One line.'))).toBe('One line.');
  });

  test('the first line of any other error', () => {
    expect(errorLine(new Error('first\nsecond'))).toBe('first');
  });

  test('anything thrown', () => {
    expect(errorLine('plain')).toBe('plain');
  });
});
