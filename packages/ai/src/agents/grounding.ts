// The grounding check every outside answer passes before it is shown (an LLM's wording, kubectl-ai's or
// kagent's answer): it must cite evidence that exists in the snapshot, must not name a failure that
// nothing in the snapshot shows, and must not leave out the root cause the rules found in favour of
// another one. Pure: text in, verdict out.
import type { WorkloadSnapshot } from '@slipway/drivers';
import type { Evidence, Finding, RootCause } from '../types.ts';

/** Failure vocabulary: a term an answer uses as a cause, and how to recognise it in the snapshot. */
const CAUSE_TERMS: { id: string; answer: RegExp; snapshot: RegExp }[] = [
  { id: 'OOMKilled', answer: /\bOOM ?Kill(?:ed)?\b|\bout of memory\b/i, snapshot: /OOMKilled/ },
  {
    id: 'DiskPressure',
    answer: /\bDiskPressure\b|\bdisk pressure\b/i,
    snapshot: /DiskPressure=True|ephemeral-storage/,
  },
  {
    id: 'MemoryPressure',
    answer: /\bMemoryPressure\b|\bmemory pressure\b/i,
    snapshot: /MemoryPressure=True|low on resource: memory/,
  },
  { id: 'PIDPressure', answer: /\bPIDPressure\b/i, snapshot: /PIDPressure=True/ },
  {
    id: 'ImagePull',
    answer: /\bImagePullBackOff\b|\bErrImagePull\b/i,
    snapshot: /ImagePullBackOff|ErrImagePull/,
  },
  { id: 'CrashLoopBackOff', answer: /\bCrashLoopBackOff\b/i, snapshot: /CrashLoopBackOff/ },
  {
    id: 'CreateContainerConfigError',
    answer: /\bCreateContainerConfigError\b/i,
    snapshot: /CreateContainerConfigError/,
  },
  { id: 'RunContainerError', answer: /\bRunContainerError\b/i, snapshot: /RunContainerError|StartError/ },
  {
    id: 'NotReady',
    answer:
      /\bnode\b[^.]{0,40}\b(?:NotReady|not ready)\b|\b(?:NotReady|not ready)\b[^.]{0,20}\bnode\b|\bNodeNotReady\b/i,
    snapshot: /^node \S+ Ready=(?:False|Unknown)|"ready":false,"conditions"/m,
  },
  {
    id: 'taint',
    answer: /\btaints?\b/i,
    snapshot: /"taints":\[\{|untolerated taint|had taint|^node \S+ taints (?!none)/m,
  },
  { id: 'Evicted', answer: /\bEvicted\b|\beviction\b/i, snapshot: /Evicted/ },
  {
    id: 'FailedScheduling',
    answer: /\bFailedScheduling\b|\bInsufficient (?:cpu|memory)\b|\bunschedulable\b/i,
    snapshot: /FailedScheduling|Unschedulable|Insufficient/,
  },
  { id: 'quota', answer: /\bquota\b/i, snapshot: /quota/i },
];

const NEGATION =
  /\b(?:not|no|isn't|is not|wasn't|without|rather than|instead of|nor|neither|rule[sd]? out)\b[^.;]{0,40}$/i;

/** The cause terms an answer asserts (a term right after "not", "no", "rather than" is not asserted). */
export function assertedTerms(text: string): string[] {
  const out: string[] = [];
  for (const t of CAUSE_TERMS) {
    const re = new RegExp(t.answer.source, `${t.answer.flags.replace('g', '')}g`);
    for (const m of text.matchAll(re)) {
      const before = text.slice(Math.max(0, (m.index ?? 0) - 60), m.index ?? 0);
      if (!NEGATION.test(before)) {
        out.push(t.id);
        break;
      }
    }
  }
  return out;
}

/** Everything the snapshot and the rules' evidence say, as one searchable text. */
export function snapshotText(snapshot: WorkloadSnapshot | undefined, evidence: Evidence[]): string {
  const parts = evidence.map((e) => `${e.kind} ${e.source} ${e.detail}`);
  if (snapshot) parts.push(JSON.stringify(snapshot));
  return parts.join('\n');
}

/** Distinctive tokens of one evidence item: object names, reasons, quoted names, UPPER_SNAKE vars, host:port. */
export function evidenceTokens(e: Evidence): string[] {
  const tokens = new Set<string>();
  const src = e.source.split('/').filter((p) => p.length >= 6 && /[-.\d]/.test(p));
  for (const s of src) tokens.add(s);
  for (const m of e.detail.matchAll(/\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b/g)) tokens.add(m[0]);
  for (const m of e.detail.matchAll(/"([^"\s]{3,})"/g)) if (m[1]) tokens.add(m[1]);
  for (const m of e.detail.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) tokens.add(m[0]);
  for (const m of e.detail.matchAll(/\b[\w.-]+:\d{2,5}\b/g)) tokens.add(m[0]);
  return [...tokens].filter((t) => !['Normal', 'Warning'].includes(t));
}

export type GroundingVerdict =
  | { ok: true; cited: Evidence[] }
  | { ok: false; reason: string; cited: Evidence[] };

/**
 * The root cause's terms an answer has to carry (any one) to agree with the rules: the specific ones
 * (quoted object names, UPPER_SNAKE variables, host:port, a failure term other than the generic
 * CrashLoopBackOff) when the root cause has any, else its reasons (CamelCase words of its evidence),
 * else the names of the objects its evidence is about.
 */
export function rootCauseTokens(root: Finding): string[] {
  const specific = new Set<string>();
  const generic = new Set<string>();
  const texts = [root.message, ...root.evidence.map((e) => e.detail)];
  for (const text of texts) {
    for (const m of text.matchAll(/"([^"\s]{3,})"/g)) if (m[1]) specific.add(m[1]);
    for (const m of text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) specific.add(m[0]);
    for (const m of text.matchAll(/\b[a-z][\w.-]*:\d{2,5}\b|\b(?:\d{1,3}\.){3}\d{1,3}:\d{2,5}\b/g))
      specific.add(m[0]);
    for (const m of text.matchAll(/\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b/g)) generic.add(m[0]);
  }
  for (const t of CAUSE_TERMS) {
    if (!t.answer.test(root.message)) continue;
    if (t.id === 'CrashLoopBackOff') generic.add(t.id);
    else specific.add(t.id);
  }
  generic.delete('Normal');
  generic.delete('Warning');
  if (specific.size > 0) return [...specific];
  if (generic.size > 0) return [...generic];
  // Nothing but names: the answer must at least name the object the root cause is about.
  return [
    ...new Set(root.evidence.map((e) => e.source.split('/').pop() ?? e.source).filter((x) => x.length >= 3)),
  ];
}

function mentions(text: string, token: string): boolean {
  const term = CAUSE_TERMS.find((t) => t.id === token);
  if (term) return term.answer.test(text);
  return text.toLowerCase().includes(token.toLowerCase());
}

/**
 * The check itself. `findings` are the rules' (ranked, root cause first); `root` is the report's root cause.
 * Order of reasons: names an unsupported failure, cites nothing, leaves out the rules' root cause.
 */
export function checkGrounding(
  answer: string,
  opts: {
    snapshot?: WorkloadSnapshot;
    evidence: Evidence[];
    findings: Finding[];
    root?: RootCause;
  },
): GroundingVerdict {
  const cited = opts.evidence.filter((e) => evidenceTokens(e).some((t) => mentions(answer, t)));
  const facts = snapshotText(opts.snapshot, opts.evidence);
  const unsupported = assertedTerms(answer).filter((id) => {
    const term = CAUSE_TERMS.find((t) => t.id === id);
    return term ? !term.snapshot.test(facts) : false;
  });
  if (unsupported.length > 0) {
    return {
      ok: false,
      cited,
      reason: `it names ${unsupported.join(', ')}, which nothing in the cluster snapshot shows`,
    };
  }
  if (opts.evidence.length > 0 && cited.length === 0) {
    return {
      ok: false,
      cited,
      reason: 'it cites none of the pods, containers, events or log lines observed',
    };
  }
  const rootFinding = opts.root
    ? opts.findings.find((f) => f.rule === opts.root?.rule && f.message === opts.root?.message)
    : undefined;
  if (rootFinding && rootFinding.severity === 'error') {
    const tokens = rootCauseTokens(rootFinding);
    if (tokens.length > 0 && !tokens.some((t) => mentions(answer, t))) {
      return {
        ok: false,
        cited,
        reason: `it does not mention the root cause the cluster state shows (${rootFinding.message})`,
      };
    }
  }
  return { ok: true, cited };
}

/** Recommendations an agent wrote as a list (markdown bullets or numbers), without the markup. */
export function listItems(text: string): string[] {
  return text
    .split('\n')
    .map((l) =>
      /^\s*(?:[-*•]|\d+[.)])\s+(.+)$/
        .exec(l)?.[1]
        ?.replace(/\*\*|`/g, '')
        .trim(),
    )
    .filter((l): l is string => !!l && l.length > 3);
}

/** kubectl-ai and some LLMs print ANSI colours and markdown; the API returns plain text. */
export function plainText(s: string): string {
  const esc = String.fromCharCode(27);
  const stripped = s
    .split(esc)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;?]*[A-Za-z]/, '')))
    .join('');
  return stripped.replace(/\r/g, '').trim();
}
