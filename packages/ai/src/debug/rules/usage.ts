// Usage near the limit: CPU over the limit is throttled (slow, failing probes), memory over it is OOMKilled.
// Needs metrics; with none reported the rule stays silent rather than guessing.
import type { PodSnapshot } from '@slipway/drivers';
import { formatCpu, formatMemory, listNames, percentOf } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import type { RuleContext } from '../rule-context.ts';

type Hot = { pod: PodSnapshot; usage: number; limit: number; percent: number };

function hotPods(pods: PodSnapshot[], resource: 'cpu' | 'memory', threshold: number): Hot[] {
  const out: Hot[] = [];
  for (const pod of pods) {
    const usage = resource === 'cpu' ? pod.cpuMillicores : pod.memoryMiB;
    const limit = resource === 'cpu' ? pod.cpuLimitMillicores : pod.memoryLimitMiB;
    const percent = percentOf(usage, limit);
    if (usage === null || limit === null || percent === null || percent < threshold) continue;
    out.push({ pod, usage, limit, percent });
  }
  return out.sort((a, b) => b.percent - a.percent);
}

function usageEvidence(h: Hot, resource: 'cpu' | 'memory'): Evidence {
  const fmt = resource === 'cpu' ? formatCpu : formatMemory;
  return {
    kind: 'usage',
    source: h.pod.name,
    detail: `${resource} ${fmt(h.usage)} of ${fmt(h.limit)} limit (${h.percent}%)`,
  };
}

export function nearLimitRule(ctx: RuleContext): Finding[] {
  const { snapshot, name, thresholds } = ctx;
  const running = snapshot.pods.filter((p) => p.phase === 'Running');
  const findings: Finding[] = [];

  const cpu = hotPods(running, 'cpu', thresholds.nearLimitPercent);
  const topCpu = cpu[0];
  if (topCpu) {
    const names = cpu.map((h) => h.pod.name);
    findings.push({
      rule: 'cpu-near-limit',
      severity: 'warning',
      message: `${names.length === 1 ? `Pod ${names[0]} uses` : `${names.length} pods (${listNames(names)}) use`} ${topCpu.percent}% of the ${formatCpu(topCpu.limit)} CPU limit${names.length > 1 ? ' (highest)' : ''}; it is likely throttled`,
      recommendations: [
        `Increase CPU limits for ${name} deployment`,
        `Or add replicas to spread the load of ${name}`,
      ],
      evidence: cpu.map((h) => usageEvidence(h, 'cpu')),
    });
  }

  const mem = hotPods(running, 'memory', thresholds.nearLimitPercent);
  const topMem = mem[0];
  if (topMem) {
    const names = mem.map((h) => h.pod.name);
    findings.push({
      rule: 'memory-near-limit',
      severity: topMem.percent >= thresholds.criticalMemoryPercent ? 'error' : 'warning',
      message: `${names.length === 1 ? `Pod ${names[0]} uses` : `${names.length} pods (${listNames(names)}) use`} ${topMem.percent}% of the ${formatMemory(topMem.limit)} memory limit${names.length > 1 ? ' (highest)' : ''}; it will be OOMKilled if usage grows`,
      recommendations: [
        `Increase memory limits for ${name} deployment`,
        `Optimize memory usage for ${name} containers`,
      ],
      evidence: mem.map((h) => usageEvidence(h, 'memory')),
    });
  }
  return findings;
}
