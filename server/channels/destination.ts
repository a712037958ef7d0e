/*
 * Where a user's webhook may point. Any user can add a webhook contact method, so without a check the
 * server would POST to whatever its own network reaches: loopback services, the LAN, a cloud metadata
 * endpoint (server-side request forgery). Addresses in local, private and reserved ranges are refused
 * unless the operator allows them (VIGIL_WEBHOOK_ALLOW_PRIVATE, for receivers on the same network).
 * The name is checked before the request (a clear, permanent refusal in the alert log) and again by the
 * socket's own lookup (guardedLookup), so a name re-pointed in between (DNS rebinding) is refused too.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns'
import { lookup } from 'node:dns/promises'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/** Local, private, shared, link-local, multicast and reserved ranges (IPv4-mapped IPv6 included). */
const NOT_PUBLIC = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6')

/** True when `address` (an IP literal) is not a public unicast address; anything else is refused too. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  return NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Every address a host name resolves to. */
export type ResolveHost = (host: string) => Promise<string[]>

/** The system resolver (getaddrinfo), all addresses. */
export const systemResolve: ResolveHost = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/**
 * Why a webhook URL may not be called (its host is or resolves to a non-public address), or undefined.
 * Throws when the name does not resolve.
 */
export async function refusedDestination(url: URL, resolve: ResolveHost): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const addresses = isIP(host) ? [host] : await resolve(host)
  const bad = addresses.find(isNonPublicAddress)
  if (bad === undefined) return undefined
  return bad === host ? `${host} is not a public address` : `${host} resolves to ${bad}, not a public address`
}

/** dns.lookup's all-addresses form, injectable for tests. */
export type LookupAll = (
  host: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

/** Raised by guardedLookup; its message says which address was refused. */
export class NonPublicAddressError extends Error {
  readonly code = 'EVIGIL_NON_PUBLIC'
}

/** The NonPublicAddressError behind `err` (fetch wraps socket errors in `cause`), if any. */
export function nonPublicCause(err: unknown): NonPublicAddressError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof NonPublicAddressError) return e
  return undefined
}

/**
 * A lookup for outgoing sockets that fails when the name resolves to any non-public address, so the
 * address checked is the address connected to. (Sockets to an IP literal do not look up: check those
 * with refusedDestination first.)
 */
export function guardedLookup(base: LookupAll = dnsLookup as unknown as LookupAll): LookupFunction {
  type Done = (err: Error | null, address?: string | LookupAddress[], family?: number) => void
  return ((hostname: string, options: { all?: boolean }, callback: Done) => {
    base(hostname, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err)
      const bad = addresses.find((a) => isNonPublicAddress(a.address))
      if (bad)
        return callback(
          new NonPublicAddressError(`${hostname} resolves to ${bad.address}, not a public address`),
        )
      if (options.all) return callback(null, addresses)
      const first = addresses[0]
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }))
      return callback(null, first.address, first.family)
    })
  }) as LookupFunction
}
