import { describe, expect, it } from 'vitest'
import { isNonPublicAddress, refusedDestination } from '../../server/channels/destination'

describe('webhook destinations', () => {
  it('refuses local, private, link-local, shared, multicast and reserved addresses, IPv4 and IPv6', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ])
      expect(isNonPublicAddress(ip), ip).toBe(true)
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isNonPublicAddress(ip), ip).toBe(false)
  })

  it('checks literal hosts as they are and names by every address they resolve to', async () => {
    const resolve = async (host: string) =>
      ({ 'hooks.example.com': ['93.184.216.34'], 'sneaky.example.com': ['93.184.216.34', '10.0.0.5'] })[
        host
      ] ?? []
    expect(await refusedDestination(new URL('https://hooks.example.com/x'), resolve)).toBeUndefined()
    expect(await refusedDestination(new URL('https://sneaky.example.com/x'), resolve)).toBe(
      'sneaky.example.com resolves to 10.0.0.5, not a public address',
    )
    expect(await refusedDestination(new URL('http://[::1]:8080/x'), resolve)).toBe(
      '::1 is not a public address',
    )
    expect(await refusedDestination(new URL('http://169.254.169.254/latest'), resolve)).toBe(
      '169.254.169.254 is not a public address',
    )
    await expect(
      refusedDestination(new URL('https://nowhere.example/x'), async () => {
        throw new Error('ENOTFOUND nowhere.example')
      }),
    ).rejects.toThrow(/ENOTFOUND/)
  })
})
