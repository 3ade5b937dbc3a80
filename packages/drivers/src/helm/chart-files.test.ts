import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { chartFiles, chartNameOf, packChart, readChartArchive, scaffoldChart } from './chart-files.ts';

const record = {
  id: 'c1',
  name: 'todo-app',
  version: '1.0.0',
  appVersion: '1.0',
  description: 'Todo AI Chatbot Helm chart',
};

/** A tar built entry by entry, so tests can make the archives a hostile upload would contain. */
function rawTgz(
  entries: { path: string; type?: 'File' | 'Directory' | 'SymbolicLink'; body?: string; linkpath?: string }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = new Header({
      path: e.path,
      type: e.type ?? 'File',
      size: e.type === 'File' || e.type === undefined ? body.length : 0,
      mode: 0o644,
      mtime: new Date(0),
      linkpath: e.linkpath,
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block);
    if (body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

describe('scaffoldChart', () => {
  it('writes Chart.yaml from the record, keeping versions strings', () => {
    const files = scaffoldChart(record);
    expect(Object.keys(files).sort()).toEqual([
      '.helmignore',
      'Chart.yaml',
      'templates/_helpers.tpl',
      'templates/deployment.yaml',
      'templates/service.yaml',
      'values.yaml',
    ]);
    expect(parseYaml(files['Chart.yaml'] ?? '')).toEqual({
      apiVersion: 'v2',
      name: 'todo-app',
      description: 'Todo AI Chatbot Helm chart',
      type: 'application',
      version: '1.0.0',
      appVersion: '1.0',
    });
  });

  it('puts image, replicas, containerPort and service defaults in values.yaml', () => {
    expect(parseYaml(scaffoldChart(record)['values.yaml'] ?? '')).toEqual({
      image: 'nginx:stable',
      replicas: 1,
      containerPort: 80,
      deploymentId: '',
      service: { type: 'ClusterIP', port: 80 },
    });
  });

  it('defaults the description and omits a missing appVersion', () => {
    const doc = parseYaml(scaffoldChart({ id: 'x', name: 'api', version: '0.1.0' })['Chart.yaml'] ?? '');
    expect(doc).toMatchObject({ description: 'A Helm chart for api' });
    expect(doc).not.toHaveProperty('appVersion');
  });

  it('templates a Deployment and a Service wired to the values', () => {
    const files = scaffoldChart(record);
    expect(files['templates/deployment.yaml']).toContain('kind: Deployment');
    expect(files['templates/deployment.yaml']).toContain('replicas: {{ .Values.replicas }}');
    expect(files['templates/deployment.yaml']).toContain('image: {{ .Values.image | quote }}');
    expect(files['templates/deployment.yaml']).toContain('containerPort: {{ .Values.containerPort }}');
    // The container name and pull policy the Kubernetes driver relies on.
    expect(files['templates/deployment.yaml']).toContain('- name: app\n');
    expect(files['templates/deployment.yaml']).toContain('imagePullPolicy: IfNotPresent');
    expect(files['templates/service.yaml']).toContain('kind: Service');
    expect(files['templates/_helpers.tpl']).toContain('define "slipway.fullname"');
  });
});

describe('packChart / readChartArchive', () => {
  it('round-trips with the chart name as the single top directory', async () => {
    const files = scaffoldChart(record);
    const tgz = await packChart(files);
    expect(tgz[0]).toBe(0x1f);
    const archive = readChartArchive(tgz);
    expect(archive.root).toBe('todo-app');
    expect(Object.fromEntries(Object.entries(archive.files).map(([k, v]) => [k, v.toString()]))).toEqual(
      files,
    );
    expect(chartNameOf(archive.files)).toBe('todo-app');
  });

  it('chartFiles prefers uploaded content over the scaffold', async () => {
    const tgz = await packChart({
      'Chart.yaml': 'apiVersion: v2\nname: other\nversion: 2.0.0\n',
      'templates/x.yaml': 'a: 1\n',
    });
    const got = chartFiles({ ...record, content: tgz });
    expect(got.source).toBe('archive');
    expect(got.root).toBe('other');
    expect(chartFiles(record).source).toBe('scaffold');
  });

  it('refuses path traversal, absolute paths, links, several roots and non-archives', () => {
    const cases: [Buffer, RegExp][] = [
      [
        rawTgz([
          { path: 'c/Chart.yaml', body: 'x' },
          { path: 'c/../../etc/cron.d/x', body: 'evil' },
        ]),
        /escapes/,
      ],
      [rawTgz([{ path: '/etc/passwd', body: 'x' }]), /escapes/],
      [
        rawTgz([
          { path: 'c/Chart.yaml', body: 'x' },
          { path: 'c/link', type: 'SymbolicLink', linkpath: '/etc/passwd' },
        ]),
        /SymbolicLink/,
      ],
      [
        rawTgz([
          { path: 'a/Chart.yaml', body: 'x' },
          { path: 'b/Chart.yaml', body: 'x' },
        ]),
        /exactly one top directory/,
      ],
      [rawTgz([{ path: 'Chart.yaml', body: 'x' }]), /outside a chart directory/],
      [Buffer.from([0x1f, 0x8b, 1, 2, 3]), /not a readable/],
    ];
    for (const [buf, message] of cases) {
      expect(() => readChartArchive(buf)).toThrow(
        expect.objectContaining({ code: 'invalid_chart', retryable: false }),
      );
      expect(() => readChartArchive(buf)).toThrow(message);
    }
  });
});
