import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config'
import { DEFAULT_DELIVERY } from '../../server/delivery/config'

describe('delivery config', () => {
  it('defaults every setting', () => {
    const r = loadConfig({})
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.config.delivery).toEqual({ ...DEFAULT_DELIVERY })
  })

  it('reads SMTP, webhook, Twilio, receipt and rate-limit settings', () => {
    const r = loadConfig({
      VIGIL_SMTP_URL: 'smtp://u:p@mail.example:587',
      VIGIL_SMTP_FROM: 'Ops <ops@example.test>',
      VIGIL_WEBHOOK_SECRET: 's3cret',
      VIGIL_WEBHOOK_ALLOW_PRIVATE: 'TRUE',
      VIGIL_TWILIO_URL: 'http://127.0.0.1:9999',
      VIGIL_TWILIO_SID: 'AC1',
      VIGIL_TWILIO_TOKEN: 't',
      VIGIL_TWILIO_FROM: '+15005550006',
      VIGIL_DESKTOP_RECEIPT_MS: '5000',
      VIGIL_NOTIFY_USER_LIMIT: '3',
      VIGIL_NOTIFY_CHANNEL_LIMITS: 'sms=5, voice=2',
      VIGIL_NOTIFY_RATE_WINDOW_SECONDS: '300',
    })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.delivery).toMatchObject({
      smtpUrl: 'smtp://u:p@mail.example:587',
      smtpFrom: 'Ops <ops@example.test>',
      webhookSecret: 's3cret',
      webhookAllowPrivate: true,
      twilioUrl: 'http://127.0.0.1:9999',
      twilioSid: 'AC1',
      desktopReceiptMs: 5000,
      rateLimits: { windowMs: 300_000, perUser: 3, perChannel: { sms: 5, voice: 2, email: 600 } },
    })
  })

  it('reports every bad value at once', () => {
    const r = loadConfig({
      VIGIL_SMTP_URL: 'http://mail',
      VIGIL_TWILIO_SID: 'AC1',
      VIGIL_DESKTOP_RECEIPT_MS: 'soon',
      VIGIL_NOTIFY_CHANNEL_LIMITS: 'pager=3',
      VIGIL_WEBHOOK_ALLOW_PRIVATE: 'maybe',
    })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual([
      'VIGIL_SMTP_URL must be an smtp:// or smtps:// URL',
      'VIGIL_TWILIO_SID, VIGIL_TWILIO_TOKEN and VIGIL_TWILIO_FROM must be set together',
      "VIGIL_WEBHOOK_ALLOW_PRIVATE must be true or false (got 'maybe')",
      "VIGIL_DESKTOP_RECEIPT_MS must be an integer from 100 to 600000 (got 'soon')",
      `VIGIL_NOTIFY_CHANNEL_LIMITS must look like "sms=60,voice=30" (got 'pager=3')`,
    ])
  })
})
