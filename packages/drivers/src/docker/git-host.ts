// Where a git clone may connect, decided after DNS and held to: the name in a source URL is resolved
// here, right before the clone; every address it resolves to must be a public one (loopback,
// private, link-local and metadata addresses are refused unless GIT_ALLOWED_HOSTS names the host),
// and git is then pinned to the address that was checked (curl's resolve list for https, ssh's
// HostName for git@), so a second lookup cannot swap in another address (DNS rebinding).
import { lookup as dnsLookup } from 'node:dns/promises';
import { gitHostIssue, restrictedAddressIssue } from '@slipway/contract/build-source';
import { DriverError } from '../types.ts';

export type GitPin = { kind: 'https' | 'ssh'; host: string; port: number; address: string };

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

function refused(message: string): DriverError {
  return new DriverError('invalid_source', message, { retryable: false });
}

export async function pinGitHost(
  url: { kind: 'https' | 'ssh'; host: string; port: number | null },
  opts: { allowed?: readonly string[]; lookup?: Lookup } = {},
): Promise<GitPin> {
  const allowed = opts.allowed ?? [];
  const literal = gitHostIssue(url.host, allowed);
  if (literal) throw refused(`git source refused: ${literal}`);
  let addresses: { address: string }[];
  try {
    addresses = await (opts.lookup ?? systemLookup)(url.host);
  } catch (err) {
    throw new DriverError('git_clone_failed', `git host ${url.host} does not resolve`, {
      retryable: true,
      cause: err,
    });
  }
  if (addresses.length === 0)
    throw new DriverError('git_clone_failed', `git host ${url.host} does not resolve`);
  const isAllowed = allowed.some((a) => a.toLowerCase() === url.host.toLowerCase());
  if (!isAllowed) {
    for (const { address } of addresses) {
      const issue = restrictedAddressIssue(address);
      if (issue)
        throw refused(`git source refused: ${url.host} resolves to ${address}, ${issue} (GIT_ALLOWED_HOSTS)`);
    }
  }
  const port = url.port ?? (url.kind === 'https' ? 443 : 22);
  return { kind: url.kind, host: url.host, port, address: addresses[0]?.address ?? '' };
}
