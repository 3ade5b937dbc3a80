import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pickFormat, render, renderDiagnosis } from './output.ts';
import { EXIT, exitCodeOf, hoistOutputFlag } from './program.ts';

describe('output', () => {
  it('is a table on a terminal, JSON when piped, what -o says otherwise', () => {
    expect(pickFormat(undefined, true)).toBe('table');
    expect(pickFormat(undefined, false)).toBe('json');
    expect(pickFormat('yaml', true)).toBe('yaml');
    expect(pickFormat('table', false)).toBe('table');
  });

  it('renders a list page as rows with the resource columns, objects as key/value, yaml that parses', () => {
    const page = {
      items: [
        {
          id: 'a',
          name: 'web',
          image: 'x:1',
          replicas: 2,
          available_replicas: 2,
          status: 'running',
          reason: null,
          extra: 1,
        },
        {
          id: 'b',
          name: 'api',
          image: 'x:2',
          replicas: 1,
          available_replicas: 0,
          status: 'unknown',
          reason: 'cluster dev was stopped',
        },
      ],
      page: 1,
      per_page: 20,
      total: 2,
    };
    const t = render(page, 'table', 'deployments').split('\n');
    expect(t[0]).toMatch(/^ID\s+NAME\s+IMAGE\s+REPLICAS\s+AVAILABLE_REPLICAS\s+STATUS\s+REASON$/);
    expect(t[1]).toMatch(/^a\s+web\s+x:1\s+2\s+2\s+running$/);
    expect(t[2]).toMatch(/^b\s+api\s+x:2\s+1\s+0\s+unknown\s+cluster dev was stopped$/);
    expect(t[3]).toBe('(page 1, 20 per page, 2 in all)');
    expect(render({ id: 'a', status: 'ok' }, 'table')).toBe('id      a\nstatus  ok');
    expect(parse(render(page, 'yaml'))).toEqual(page);
    expect(JSON.parse(render(page, 'json'))).toEqual(page);
  });

  it('prints a diagnosis as analysis, evidence and numbered recommendations', () => {
    const out = renderDiagnosis({
      analysis: 'CrashLoopBackOff: the container exits 1',
      evidence: ['restartCount 5', { title: 'log', text: 'missing DATABASE_URL' }],
      recommendations: ['Set DATABASE_URL', { action: 'Roll back', command: 'kubectl rollout undo' }],
    });
    expect(out).toBe(
      [
        'Analysis',
        '  CrashLoopBackOff: the container exits 1',
        '',
        'Evidence',
        '  - restartCount 5',
        '  - log (text: missing DATABASE_URL)',
        '',
        'Recommendations',
        '  1. Set DATABASE_URL',
        '  2. Roll back (command: kubectl rollout undo)',
      ].join('\n'),
    );
  });
});

describe('arguments and exit codes', () => {
  it('-o may come anywhere', () => {
    expect(hoistOutputFlag(['clusters', 'list', '-o', 'json'])).toEqual(['-o', 'json', 'clusters', 'list']);
    expect(hoistOutputFlag(['whoami', '--output=yaml'])).toEqual(['--output=yaml', 'whoami']);
    expect(hoistOutputFlag(['images', 'create', '--', '-o', 'x'])).toEqual([
      'images',
      'create',
      '--',
      '-o',
      'x',
    ]);
  });

  it('maps API statuses to the documented exit codes', () => {
    expect(exitCodeOf(401)).toBe(EXIT.auth);
    expect(exitCodeOf(403)).toBe(EXIT.auth);
    expect(exitCodeOf(404)).toBe(EXIT.notFound);
    expect(exitCodeOf(409)).toBe(EXIT.conflict);
    expect(exitCodeOf(429)).toBe(EXIT.conflict);
    expect(exitCodeOf(422)).toBe(EXIT.usage);
    expect(exitCodeOf(503)).toBe(EXIT.failed);
  });
});
