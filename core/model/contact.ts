import { type Static, Type } from '@sinclair/typebox'

/** Contact methods: Opsgenie's four plus Vigil's `webhook` (an http(s) URL that receives notifications). */
export const CONTACT_METHODS = ['email', 'sms', 'voice', 'mobile', 'webhook'] as const
export type ContactMethod = (typeof CONTACT_METHODS)[number]
export const ContactMethod = Type.Union(CONTACT_METHODS.map((m) => Type.Literal(m)))

const To = Type.String({ minLength: 1, maxLength: 512 })

/** POST /v2/users/{id}/contacts. */
export const ContactCreate = Type.Object({ method: ContactMethod, to: To }, { additionalProperties: false })
export type ContactCreate = Static<typeof ContactCreate>

/** PATCH /v2/users/{id}/contacts/{contactId}: only the address changes (Opsgenie's update body). */
export const ContactPatch = Type.Object({ to: To }, { additionalProperties: false })
export type ContactPatch = Static<typeof ContactPatch>

/** A contact as Opsgenie shows it. */
export interface Contact {
  id: string
  method: ContactMethod
  to: string
  status: { enabled: boolean; disabledReason?: string }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const E164 = /^\+[1-9]\d{6,14}$/

/** Why `to` is not a valid address for the method, or undefined when it is. */
export function contactAddressError(method: ContactMethod, to: string): string | undefined {
  switch (method) {
    case 'email':
      return EMAIL.test(to) ? undefined : 'must be an e-mail address'
    case 'sms':
    case 'voice':
      return E164.test(to) ? undefined : 'must be a phone number in E.164 form, e.g. +4930123456'
    case 'webhook': {
      try {
        const url = new URL(to)
        return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'must be an http(s) URL'
      } catch {
        return 'must be an http(s) URL'
      }
    }
    case 'mobile':
      return to.trim() === '' ? 'must name the device' : undefined
  }
}
