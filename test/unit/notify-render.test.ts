import { describe, expect, it } from 'vitest'
import type { NotificationPayload } from '../../core/model/notification'
import {
  renderEmail,
  renderGenericWebhook,
  renderSlack,
  renderSms,
  renderVoice,
  SMS_MAX_CHARS,
  summary,
} from '../../core/notify/render'

const p = (n: number, over: Partial<NotificationPayload> = {}): NotificationPayload => ({
  actionType: 'create-alert',
  title: `[P1] #${n} Disk <full> & co`,
  body: 'Escalation step 1',
  alert: {
    id: `a${n}`,
    tinyId: String(n),
    alias: 'x',
    message: 'Disk <full> & co',
    priority: 'P1',
    status: 'open',
    teamId: 't',
    tags: ['db', 'disk'],
    source: 'prom',
    entity: 'db-1',
  },
  ...over,
})

describe('render', () => {
  it('summarises one notification by its title and a bundle by count and titles', () => {
    expect(summary([p(1)])).toBe('[P1] #1 Disk <full> & co')
    expect(summary([p(1), p(2), p(3)])).toBe(
      '3 alerts: [P1] #1 Disk <full> & co; [P1] #2 Disk <full> & co; [P1] #3 Disk <full> & co',
    )
    const notice: NotificationPayload = { actionType: 'schedule-start', title: 'On call', body: '' }
    expect(summary([p(1), notice])).toBe('2 notifications: [P1] #1 Disk <full> & co; On call')
  })

  it('renders e-mail text and escaped HTML', () => {
    const mail = renderEmail([p(7)])
    expect(mail.subject).toBe('[P1] #7 Disk <full> & co')
    expect(mail.text).toContain('Priority: P1   Status: open   Alert #7')
    expect(mail.text).toContain('Tags: db, disk')
    expect(mail.html).toContain('<h3>[P1] #7 Disk &lt;full&gt; &amp; co</h3>')
    expect(mail.html).not.toContain('<full>')
  })

  it('renders a Slack body with a header and one section per notification', () => {
    const s = renderSlack([p(1), p(2)])
    expect(s.text).toBe(summary([p(1), p(2)]))
    expect(s.blocks).toHaveLength(3)
    expect(JSON.stringify(s.blocks[1])).toContain('Disk &lt;full&gt; &amp; co')
  })

  it('renders the generic body with the delivery id and the payloads', () => {
    expect(renderGenericWebhook('d1', [p(1)])).toEqual({
      type: 'vigil.notification',
      deliveryId: 'd1',
      summary: '[P1] #1 Disk <full> & co',
      notifications: [p(1)],
    })
  })

  it('keeps SMS within the cap and voice to plain sentences', () => {
    expect(renderSms([p(1)])).toBe('Vigil: [P1] #1 Disk <full> & co')
    const long = renderSms(Array.from({ length: 50 }, (_, i) => p(i)))
    expect(long.length).toBe(SMS_MAX_CHARS)
    expect(long.endsWith('…')).toBe(true)
    expect(renderVoice([p(1)])).toBe('This is Vigil. [P1] #1 Disk <full> & co. Escalation step 1')
    expect(renderVoice([p(1), p(2)])).toMatch(/^This is Vigil with 2 notifications\. /)
  })
})
