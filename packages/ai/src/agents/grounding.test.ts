import { describe, expect, it } from 'vitest';
import { debugWorkload } from '../debug/debug-workload.ts';
import { container, event, pod, workload } from '../test-snapshots.ts';
import { assertedTerms, checkGrounding, listItems, plainText, rootCauseTokens } from './grounding.ts';

const oom = () =>
  workload({
    deployment: { phase: 'failed', desiredReplicas: 1, availableReplicas: 0 },
    pods: [
      pod('api-7d9f-a1', {
        ready: false,
        containers: [
          container({
            ready: false,
            state: 'waiting',
            reason: 'CrashLoopBackOff',
            exitCode: 137,
            restartCount: 4,
            lastState: { reason: 'OOMKilled', exitCode: 137 },
          }),
        ],
      }),
    ],
    events: [event('BackOff', 'Back-off restarting failed container app', 'pod/api-7d9f-a1')],
  });

function verdict(answer: string) {
  const snapshot = oom();
  const r = debugWorkload({ snapshot, name: 'api' });
  return checkGrounding(answer, {
    snapshot,
    evidence: r.evidence,
    findings: r.findings,
    ...(r.root_cause ? { root: r.root_cause } : {}),
  });
}

describe('checkGrounding', () => {
  it('accepts an answer that names the root cause and cites an observed object', () => {
    const v = verdict('Pod api-7d9f-a1 is OOMKilled (exit code 137): raise its memory limit.');
    expect(v.ok).toBe(true);
    expect(v.cited.map((e) => e.source)).toContain('api-7d9f-a1/app');
  });

  it('rejects a failure the snapshot does not show (DiskPressure for an OOM kill)', () => {
    expect(verdict('Pod api-7d9f-a1 is evicted because the node has DiskPressure.')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^it names DiskPressure, Evicted, which nothing in the cluster snapshot shows$/,
      ),
    });
  });

  it('rejects an answer that cites nothing observed', () => {
    expect(verdict('Something is wrong with the application.')).toMatchObject({
      ok: false,
      reason: 'it cites none of the pods, containers, events or log lines observed',
    });
  });

  it('rejects an answer that leaves out the root cause', () => {
    expect(verdict('Pod api-7d9f-a1 restarts; the database is probably down.')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^it does not mention the root cause/),
    });
  });

  it('does not count negated terms as claims', () => {
    expect(assertedTerms('This is not an OOM kill; the node has no DiskPressure.')).toEqual([]);
    expect(assertedTerms('The container was OOMKilled.')).toEqual(['OOMKilled']);
  });

  it('a root cause with nothing specific falls back to its reasons, then to object names', () => {
    const r = debugWorkload({ snapshot: oom(), name: 'api' });
    const root = r.findings[0];
    expect(root && rootCauseTokens(root)).toContain('OOMKilled');
  });
});

describe('plainText and listItems', () => {
  it('strips ANSI colours and carriage returns; reads bullets and numbered items', () => {
    expect(plainText('\u001b[1;32mPod\u001b[0m ok\r\n')).toBe('Pod ok');
    expect(listItems('Fixes:\n- Raise the **memory** limit\n2. Check `kubectl logs`\nnot a list')).toEqual([
      'Raise the memory limit',
      'Check kubectl logs',
    ]);
  });
});
