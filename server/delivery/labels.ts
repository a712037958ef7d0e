/** How the alert log names each channel. */
const LABELS: Readonly<Record<string, string>> = {
  email: 'email',
  sms: 'SMS',
  voice: 'voice call',
  webhook: 'webhook',
  desktop: 'desktop notification',
  mobile: 'mobile push',
}

/** The alert-log name of a channel (its method when unknown). */
export function channelLabel(channel: string): string {
  return LABELS[channel] ?? channel
}
