/*
 * Where a user's webhook may point. Any user can add a webhook contact method, so without a check the
 * server would POST to whatever its own network reaches: loopback services, the LAN, a cloud metadata
 * endpoint (server-side request forgery). Addresses in local, private and reserved ranges are refused
 * unless the operator allows them (VIGIL_WEBHOOK_ALLOW_PRIVATE, for receivers on the same network).
 * The check resolves the name just before the request; a name re-pointed between the two (DNS
 * rebinding) is not caught.
 */
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

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
