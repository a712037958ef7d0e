import type { Clock } from '../../core/time/clock'
import { type Channels, unconfiguredChannel } from '../channels/channel'
import type { DesktopGateway } from '../channels/desktop'
import { desktopChannel, noDesktopClients } from '../channels/desktop-channel'
import { emailChannel } from '../channels/email'
import { phoneChannels, phoneProviderFrom } from '../channels/phone'
import { webhookChannel } from '../channels/webhook'
import type { DeliveryConfig } from './config'

/** Every channel built from the delivery config, plus how to release them (SMTP transport, webhook sockets). */
export function buildChannels(
  config: DeliveryConfig,
  desktop: DesktopGateway | undefined,
  clock: Clock,
): { channels: Channels; close(): void } {
  const email = emailChannel({ url: config.smtpUrl, from: config.smtpFrom, timeoutMs: config.sendTimeoutMs })
  const webhook = webhookChannel({
    secret: config.webhookSecret,
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: config.sendTimeoutMs,
    now: () => clock.now(),
  })
  const phone = phoneChannels(
    phoneProviderFrom({
      url: config.twilioUrl,
      sid: config.twilioSid,
      token: config.twilioToken,
      from: config.twilioFrom,
      timeoutMs: config.sendTimeoutMs,
    }),
  )
  return {
    channels: {
      email,
      webhook,
      sms: phone.sms,
      voice: phone.voice,
      desktop: desktopChannel(desktop ?? noDesktopClients, config.desktopReceiptMs),
      mobile: unconfiguredChannel(
        'mobile push',
        'mobile push is not supported; use desktop, email, SMS or voice',
      ),
    },
    close: () => {
      email.close()
      webhook.close()
    },
  }
}
