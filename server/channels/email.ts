import nodemailer, { type Transporter } from 'nodemailer'
import { renderEmail } from '../../core/notify/render'
import {
  type Channel,
  errorText,
  type OutgoingMessage,
  type SendResult,
  unconfiguredChannel,
} from './channel'

/** SMTP settings: VIGIL_SMTP_URL (smtp:// or smtps://, credentials in the URL) and VIGIL_SMTP_FROM. */
export interface EmailConfig {
  url?: string
  from: string
  /** Connection, greeting and socket timeouts in ms. */
  timeoutMs?: number
}

/** nodemailer error codes that no retry can fix: a malformed envelope, a message it cannot build. */
const FINAL_CODES = new Set(['EENVELOPE', 'EMESSAGE'])

/** SMTP reply codes: 4xx is "try again later", 5xx is final (RFC 5321 §4.2.1). */
export function classifySmtpError(err: unknown): 'temporary' | 'permanent' {
  const e = err as { responseCode?: number; code?: string }
  if (typeof e.responseCode === 'number')
    return e.responseCode >= 400 && e.responseCode < 500 ? 'temporary' : 'permanent'
  // Without a reply code it is the network (refused, reset, timed out, DNS): the server may be back soon.
  return e.code !== undefined && FINAL_CODES.has(e.code) ? 'permanent' : 'temporary'
}

/** E-mail over SMTP through nodemailer; without VIGIL_SMTP_URL every e-mail is undeliverable. */
export function emailChannel(config: EmailConfig): Channel & { close(): void } {
  if (!config.url) {
    return Object.assign(unconfiguredChannel('email', 'e-mail is not configured (set VIGIL_SMTP_URL)'), {
      close() {},
    })
  }
  const t = config.timeoutMs ?? 30_000
  const transport: Transporter = nodemailer.createTransport({
    url: config.url,
    connectionTimeout: t,
    greetingTimeout: t,
    socketTimeout: t,
  })
  return {
    label: 'email',
    async send(m: OutgoingMessage): Promise<SendResult> {
      const mail = renderEmail(m.notifications)
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: m.address,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: { 'X-Vigil-Delivery': m.id },
        })
        return { ok: true, providerResponse: String(info.response ?? '').slice(0, 500) }
      } catch (err) {
        const response = (err as { response?: string }).response
        return {
          ok: false,
          error: classifySmtpError(err),
          message: errorText(response ?? err),
          ...(response ? { providerResponse: String(response).slice(0, 500) } : {}),
        }
      }
    },
    close() {
      transport.close()
    },
  }
}
