import { describe, expect, it } from 'vitest'
import { stripPathPrefix } from '../../server/app'

describe('stripPathPrefix', () => {
  it.each([
    ['/v2/alerts', '/v2/alerts'],
    ['/opsgenie/v2/alerts?x=1', '/v2/alerts?x=1'],
    ['/api/opsgenie/v2/alerts', '/v2/alerts'],
    [
      '/integrations/opsgenie/v2/alerts/a/close?identifierType=alias',
      '/v2/alerts/a/close?identifierType=alias',
    ],
    ['/healthz/v2/alerts', '/v2/alerts'],
    ['/vigil/integrations/alertmanager', '/integrations/alertmanager'],
    ['/api/v1/users', '/api/v1/users'],
    ['/gw/api/v1/users', '/api/v1/users'],
    ['/health', '/health'],
    ['/console/assets/x.js', '/console/assets/x.js'],
    ['/nothing/here', '/nothing/here'],
    ['/', '/'],
  ])('%s -> %s', (url, expected) => {
    expect(stripPathPrefix(url)).toBe(expected)
  })
})
