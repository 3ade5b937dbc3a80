import { describe, expect, it } from 'vitest';
import { packChart, scaffoldChart } from './chart-files.ts';
import { isStrictSemver, validateChartFiles, validateChartStructure } from './chart-structure.ts';

const good = { id: 'c1', name: 'todo-app', version: '1.0.0', appVersion: '1.0.0' };

describe('isStrictSemver', () => {
  it('accepts SemVer 2 and nothing looser', () => {
    for (const v of ['1.0.0', '0.1.0-rc.1', '2.3.4+build.5', '1.0.0-alpha.beta'])
      expect(isStrictSemver(v), v).toBe(true);
    for (const v of ['1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1', '']) expect(isStrictSemver(v), v).toBe(false);
  });
});

describe('validateChartStructure', () => {
  it('passes a scaffold of a valid record', () => {
    expect(validateChartStructure(good)).toEqual({ valid: true, validator: 'structural', findings: [] });
  });

  it('flags a non-DNS name and a non-SemVer version of the record', () => {
    const r = validateChartStructure({ ...good, name: 'Todo_App', version: '1.0' });
    expect(r.valid).toBe(false);
    expect(r.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('DNS-1123'),
      expect.stringContaining('not a valid SemVer 2'),
    ]);
  });

  it('reads Chart.yaml from an uploaded archive', async () => {
    const files = scaffoldChart(good);
    const ok = validateChartStructure({ ...good, content: await packChart(files) });
    expect(ok.valid).toBe(true);

    const renamed = validateChartStructure({ ...good, name: 'record-name', content: await packChart(files) });
    expect(renamed).toMatchObject({
      valid: true,
      findings: [{ severity: 'warning', message: expect.stringContaining('record-name') }],
    });

    const {
      'templates/deployment.yaml': _d,
      'templates/service.yaml': _s,
      'templates/_helpers.tpl': _h,
      ...noTemplates
    } = files;
    const broken = validateChartStructure({ ...good, content: await packChart(noTemplates, 'todo-app') });
    expect(broken.valid).toBe(false);
    expect(broken.findings).toContainEqual({
      severity: 'error',
      message: 'templates/ directory is missing or empty',
      path: 'templates/',
    });
  });

  it('reports an unreadable archive as an error finding', () => {
    const r = validateChartStructure({ ...good, content: Buffer.from('not a tgz at all') });
    expect(r.valid).toBe(false);
    expect(r.findings[0]?.severity).toBe('error');
  });
});

describe('validateChartFiles', () => {
  it('checks apiVersion, version type, values and YAML syntax', () => {
    const f = validateChartFiles({
      'Chart.yaml': 'apiVersion: v1\nname: a\nversion: 1.0\nappVersion: 2\n',
      'values.yaml': '- a list\n',
      'templates/x.yaml': '',
    });
    expect(f).toEqual([
      { severity: 'error', message: 'apiVersion must be "v2" (found "v1")', path: 'Chart.yaml' },
      {
        severity: 'error',
        message: "version should be of type string but it's of type number",
        path: 'Chart.yaml',
      },
      {
        severity: 'warning',
        message: "appVersion should be a string (quote it) but it's of type number",
        path: 'Chart.yaml',
      },
      { severity: 'error', message: 'values.yaml must be a YAML mapping', path: 'values.yaml' },
    ]);
    expect(validateChartFiles({ 'Chart.yaml': 'a: [', 'templates/x.yaml': '' })[0]).toMatchObject({
      severity: 'error',
      message: expect.stringContaining('not valid YAML'),
    });
    expect(validateChartFiles({})).toEqual([
      { severity: 'error', message: 'Chart.yaml file is missing', path: 'Chart.yaml' },
      { severity: 'error', message: 'templates/ directory is missing or empty', path: 'templates/' },
    ]);
  });
});
