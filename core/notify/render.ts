/**
 * Renders notifications (one, or a bundle of several for one person) for each channel. Pure text work:
 * channels in server/channels do the sending.
 */
import type { NotificationPayload } from '../model/notification'

/** An e-mail: subject, plain text and HTML bodies. */
export interface RenderedEmail {
  subject: string
  text: string
  html: string
}

/** SMS bodies are cut here (a few segments) so a bundle of long titles cannot run up a bill. */
export const SMS_MAX_CHARS = 480

/** The one-line summary of a message: the title, or "3 alerts: a; b; c" for a bundle. */
export function summary(items: readonly NotificationPayload[]): string {
  const first = items[0]
  if (!first) return 'No notifications'
  if (items.length === 1) return first.title
  const alerts = items.every((i) => i.alert !== undefined)
  const noun = alerts ? 'alerts' : 'notifications'
  return `${items.length} ${noun}: ${items.map((i) => i.title).join('; ')}`
}

function details(p: NotificationPayload): string[] {
  const lines = [p.title]
  if (p.body) lines.push(p.body)
  const a = p.alert
  if (a) {
    lines.push(`Priority: ${a.priority}   Status: ${a.status}   Alert #${a.tinyId}`)
    if (a.tags.length) lines.push(`Tags: ${a.tags.join(', ')}`)
    if (a.source) lines.push(`Source: ${a.source}`)
    if (a.entity) lines.push(`Entity: ${a.entity}`)
  }
  if (p.shift) {
    lines.push(
      `Schedule: ${p.shift.scheduleName}   ${new Date(p.shift.start).toISOString()} – ${new Date(p.shift.end).toISOString()}`,
    )
  }
  if (p.actor) lines.push(`By: ${p.actor}`)
  return lines
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

/** Subject, text and HTML of an e-mail carrying the notifications. */
export function renderEmail(items: readonly NotificationPayload[]): RenderedEmail {
  const subject = oneLine(summary(items), 200)
  const blocks = items.map((p) => details(p))
  const text = `${blocks.map((b) => b.join('\n')).join('\n\n---\n\n')}\n\n-- Vigil\n`
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    ...blocks.map(
      ([title, ...rest]) =>
        `<div><h3>${escapeHtml(title ?? '')}</h3>${rest.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</div>`,
    ),
    '<p style="color:#888">Vigil</p></body></html>',
  ].join('\n')
  return { subject, text, html }
}

/** A Slack incoming-webhook body: `text` (fallback and notification line) plus Block Kit sections. */
export function renderSlack(items: readonly NotificationPayload[]): { text: string; blocks: unknown[] } {
  const text = oneLine(summary(items), 3000)
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: oneLine(summary(items), 150) } },
  ]
  for (const p of items.slice(0, 20)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: details(p).map(slackEscape).join('\n').slice(0, 3000) },
    })
  }
  return { text, blocks }
}

const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The generic webhook body (signed by the channel). */
export function renderGenericWebhook(
  deliveryId: string,
  items: readonly NotificationPayload[],
): { type: 'vigil.notification'; deliveryId: string; summary: string; notifications: NotificationPayload[] } {
  return { type: 'vigil.notification', deliveryId, summary: summary(items), notifications: [...items] }
}

/** An SMS body: the summary, cut to SMS_MAX_CHARS. */
export function renderSms(items: readonly NotificationPayload[]): string {
  return oneLine(`Vigil: ${summary(items)}`, SMS_MAX_CHARS)
}

/** What a voice call says (plain text; the phone channel wraps it in TwiML). */
export function renderVoice(items: readonly NotificationPayload[]): string {
  if (items.length === 1 && items[0])
    return `This is Vigil. ${items[0].title}. ${items[0].body}`.slice(0, 1000)
  return `This is Vigil with ${items.length} notifications. ${items.map((i) => i.title).join('. ')}`.slice(
    0,
    1000,
  )
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}
