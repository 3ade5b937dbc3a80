// @vitest-environment happy-dom
import { CreateClusterBody, CreateDeploymentBody, CreateImageBody } from '@slipway/contract';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from './client.ts';
import { issuesByField, readValues, serverFieldError, ZodForm } from './form.tsx';
import { clusterFields, deploymentFields, imageFields } from './specs.ts';

// The create forms validate with the API's own zod schemas before sending, and show the server's
// `details.field` on the field it names.

afterEach(cleanup);

function field(label: string): HTMLInputElement {
  return screen.getByLabelText(label, { selector: 'input,select,textarea' }) as HTMLInputElement;
}

function type(label: string, value: string) {
  fireEvent.change(field(label), { target: { value } });
}

describe('ZodForm', () => {
  it('refuses what the contract refuses, names each bad field and sends nothing', async () => {
    const sent: unknown[] = [];
    render(
      <ZodForm schema={CreateClusterBody} fields={clusterFields} onSubmit={async (b) => void sent.push(b)} />,
    );
    type('Name', 'bad name!');
    type('CPUs', '0');
    type('Memory (MiB)', '');
    type('Kubernetes version', '1.28');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByText('must be letters, digits, ".", "_" or "-"');
    expect(field('Name').getAttribute('aria-invalid')).toBe('true');
    expect(field('CPUs').getAttribute('aria-invalid')).toBe('true');
    expect(field('Memory (MiB)').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('must look like v1.28.0')).toBeTruthy();
    // The error text is what the field's description points at (screen readers read it out).
    const describedBy = field('Name').getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toMatch(/must be letters/);
    expect(field('Disk size (MiB)').getAttribute('aria-invalid')).toBeNull();
    expect(sent).toEqual([]);
  });

  it('sends the parsed body: numbers as numbers, defaults applied', async () => {
    const sent: unknown[] = [];
    render(
      <ZodForm schema={CreateClusterBody} fields={clusterFields} onSubmit={async (b) => void sent.push(b)} />,
    );
    type('Name', 'dev-1');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      name: 'dev-1',
      cpus: 2,
      memory: 4096,
      disk_size: 20480,
      kubernetes_version: 'v1.28.0',
    });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("highlights the field the server's details.field names and shows its message", async () => {
    render(
      <ZodForm
        schema={CreateClusterBody}
        fields={clusterFields}
        onSubmit={async () => {
          throw new ApiError(
            422,
            {
              error: 'Validation failed',
              message: 'Validation failed',
              details: { field: 'disk_size', issue: 'too small for this driver' },
            },
            null,
          );
        }}
      />,
    );
    type('Name', 'dev-2');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByText('too small for this driver');
    expect(field('Disk size (MiB)').getAttribute('aria-invalid')).toBe('true');
    expect(field('Name').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByRole('alert').textContent).toBe('Validation failed');
  });

  it("a server error without a field is shown in the API's words", async () => {
    render(
      <ZodForm
        schema={CreateClusterBody}
        fields={clusterFields}
        onSubmit={async () => {
          throw new ApiError(
            409,
            { error: 'Conflict', message: 'A cluster named dev-3 already exists' },
            null,
          );
        }}
      />,
    );
    type('Name', 'dev-3');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByRole('alert')).textContent).toBe('A cluster named dev-3 already exists');
    expect(document.querySelectorAll('[aria-invalid="true"]')).toHaveLength(0);
  });

  it('a select left empty is the missing field the schema names', async () => {
    const sent: unknown[] = [];
    const fields = deploymentFields(
      [
        { value: '7c9e6679-7425-40de-944b-e07fc1f90ae7', label: 'a (running)' },
        { value: '8c9e6679-7425-40de-944b-e07fc1f90ae7', label: 'b (running)' },
      ],
      [],
    );
    render(
      <ZodForm schema={CreateDeploymentBody} fields={fields} onSubmit={async (b) => void sent.push(b)} />,
    );
    type('Name', 'web');
    type('Image', 'acme/web:1');
    fireEvent.change(field('Cluster'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(field('Cluster').getAttribute('aria-invalid')).toBe('true'));
    expect(sent).toEqual([]);
    fireEvent.change(field('Cluster'), { target: { value: '8c9e6679-7425-40de-944b-e07fc1f90ae7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({
      name: 'web',
      replicas: 1,
      container_port: 8000,
      minikube_cluster_id: '8c9e6679-7425-40de-944b-e07fc1f90ae7',
    });
    expect(sent[0]).not.toHaveProperty('helm_chart_id');
  });
});

describe('labels', () => {
  it('names each field exactly as the API field in words; "optional" is its description', () => {
    render(<ZodForm schema={CreateImageBody} fields={imageFields} onSubmit={async () => {}} />);
    for (const label of ['Name', 'Tag', 'Repository', 'Description', 'Git repository'])
      expect(screen.getByLabelText(label, { exact: true })).toBeTruthy();
    const described = field('Description').getAttribute('aria-describedby') ?? '';
    expect(described.split(' ').map((id) => document.getElementById(id)?.textContent)).toContain(
      '(optional)',
    );
    expect(field('Name').getAttribute('aria-describedby')).toBeNull();
  });
});

describe('form helpers', () => {
  it('readValues nests dotted names and leaves empty optional fields out', () => {
    document.body.innerHTML = `<form>
      <input name="name" value="todo"><input name="tag" value="v1"><input name="repository" value="docker.io/x">
      <textarea name="description"></textarea><input name="source.git" value="https://github.com/acme/app">
    </form>`;
    const form = document.querySelector('form') as HTMLFormElement;
    expect(readValues(imageFields, form)).toEqual({
      name: 'todo',
      tag: 'v1',
      repository: 'docker.io/x',
      source: { git: 'https://github.com/acme/app' },
    });
  });

  it('issuesByField maps nested issues to their field; serverFieldError maps details.field', () => {
    const r = CreateImageBody.safeParse({
      name: 'UPPER',
      repository: 'docker.io/x',
      source: { git: 'ftp://x' },
    });
    expect(r.success).toBe(false);
    if (r.success) return;
    const byField = issuesByField(imageFields, r.error);
    expect(Object.keys(byField).sort()).toEqual(['name', 'source.git']);
    const e = new ApiError(
      422,
      { error: 'Validation failed', message: 'x', details: { field: 'source.git', issue: 'bad' } },
      null,
    );
    expect(serverFieldError(imageFields, e)).toEqual({ 'source.git': 'bad' });
    expect(serverFieldError(imageFields, new Error('x'))).toBeNull();
  });
});
