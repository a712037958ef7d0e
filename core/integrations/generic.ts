import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { CreateAlertPayload, Priority } from '../model/alert'
import { GenericMappingConfig } from '../model/integration-config'
import { ALERT_LIMITS as L } from '../model/limits'
import {
  type ActionFields,
  failure,
  type InboundCommand,
  type MapFailure,
  type MapOptions,
  type MapResult,
  mapped,
} from './commands'
import { resolvePointer } from './pointer'
import { parsePriority, severityPriority } from './priority'
import { clip, cut, limitDetails, limitTags, singleLine } from './text'
import { prefixed, schemaErrors } from './validate'

/*
 * A generic JSON webhook: the integration's config says, with RFC 6901 pointers, where each alert field sits in
 * the sender's body. A body may also be an array of such events (a batch), mapped atomically: one bad event
 * fails the request, so a sender's retry cannot create half a batch twice.
 */

/** Most events one request may carry, so a single request's work stays bounded. */
export const GENERIC_BATCH_LIMIT = 100

// Used for an action list the config leaves out; covers the words monitoring tools commonly send.
const DEFAULT_ACTIONS = {
  close: ['close', 'closed', 'resolve', 'resolved', 'ok', 'recovery', 'recovered', 'up'],
  acknowledge: ['ack', 'acknowledge', 'acknowledged'],
}

const checkConfig = TypeCompiler.Compile(GenericMappingConfig)

/** Checks a generic mapping config (e.g. when an integration is saved) with per-field 422 errors. */
export function validateGenericMappingConfig(
  value: unknown,
): { ok: true; config: GenericMappingConfig } | MapFailure {
  const errors = schemaErrors(checkConfig, value, '(config)')
  if (Object.keys(errors).length > 0) return failure(422, 'Invalid generic webhook mapping', errors)
  return { ok: true, config: value as GenericMappingConfig }
}

type Errors = Record<string, string>

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return value === null ? 'null' : 'an object'
  return `a ${typeof value}`
}

// Scalars become text (senders often send numeric ids); objects and arrays are a mapping mistake worth naming.
function textAt(
  event: unknown,
  pointer: string | undefined,
  field: string,
  errors: Errors,
): string | undefined {
  if (pointer === undefined) return undefined
  const value = resolvePointer(event, pointer)
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  errors[field] = `${JSON.stringify(pointer)} holds ${describe(value)}, expected text`
  return undefined
}

function tagsAt(event: unknown, pointer: string | undefined, errors: Errors): string[] | undefined {
  if (pointer === undefined) return undefined
  const value = resolvePointer(event, pointer)
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return limitTags(value.split(','))
  if (Array.isArray(value)) {
    // Lenient per item: scalars become text, nested objects are skipped rather than failing the event.
    const items = value.filter((v) => ['string', 'number', 'boolean'].includes(typeof v)).map(String)
    return limitTags(items)
  }
  errors.tags = `${JSON.stringify(pointer)} holds ${describe(value)}, expected an array or a comma-separated string`
  return undefined
}

function detailsAt(
  event: unknown,
  pointer: string | undefined,
  errors: Errors,
): Record<string, string> | undefined {
  if (pointer === undefined) return undefined
  const value = resolvePointer(event, pointer)
  if (value === undefined || value === null) return undefined
  if (typeof value === 'object' && !Array.isArray(value)) return limitDetails(Object.entries(value))
  errors.details = `${JSON.stringify(pointer)} holds ${describe(value)}, expected an object`
  return undefined
}

function priorityOf(raw: string | undefined, map: GenericMappingConfig['priorityMap']): Priority | undefined {
  if (raw === undefined) return undefined
  const text = raw.trim()
  if (map) {
    if (Object.hasOwn(map, text)) return map[text]
    const lower = text.toLowerCase()
    const key = Object.keys(map).find((k) => k.trim().toLowerCase() === lower)
    if (key !== undefined) return map[key]
  }
  return parsePriority(text) ?? severityPriority(text)
}

type Action = 'create' | 'close' | 'acknowledge' | 'ignore'

function actionOf(raw: string | undefined, config: GenericMappingConfig): Action {
  if (raw === undefined) return 'create'
  const value = raw.trim().toLowerCase()
  const has = (list: readonly string[]) => list.some((v) => v.trim().toLowerCase() === value)
  const configured = config.actionValues ?? {}
  if (has(configured.close ?? DEFAULT_ACTIONS.close)) return 'close'
  if (has(configured.acknowledge ?? DEFAULT_ACTIONS.acknowledge)) return 'acknowledge'
  // With an explicit create list, values in no list are ignored (e.g. a sender's "pending" or "info" events).
  if (configured.create && !has(configured.create)) return 'ignore'
  return 'create'
}

/** Maps one event; returns undefined when it fails (reasons in `errors`) or its action value is ignored. */
function mapEvent(
  event: unknown,
  config: GenericMappingConfig,
  options: MapOptions,
  errors: Errors,
): InboundCommand | undefined {
  const rawAlias = textAt(event, config.alias, 'alias', errors)
  const alias = rawAlias?.trim() ? clip((options.aliasPrefix ?? '') + rawAlias, L.alias) : undefined
  const source = textAt(event, config.source, 'source', errors)
  const action = actionOf(textAt(event, config.action, 'action', errors), config)
  if (action === 'ignore') return undefined

  if (action === 'close' || action === 'acknowledge') {
    if (alias === undefined && errors.alias === undefined) {
      errors.alias = config.alias
        ? `required to ${action}: nothing at ${JSON.stringify(config.alias)}`
        : `required to ${action}: the mapping has no alias pointer`
    }
    if (alias === undefined || Object.keys(errors).length > 0) return undefined
    const fields: ActionFields = source?.trim() ? { source: cut(source, L.source) } : {}
    return { kind: action, alias, ...fields }
  }

  const rawMessage = textAt(event, config.message, 'message', errors)
  const message = rawMessage === undefined ? '' : singleLine(rawMessage)
  if (message === '' && errors.message === undefined) {
    errors.message = `required: ${rawMessage === undefined ? 'nothing' : 'only blank text'} at ${JSON.stringify(config.message)}`
  }
  const description = textAt(event, config.description, 'description', errors)
  const entity = textAt(event, config.entity, 'entity', errors)
  const priority = priorityOf(textAt(event, config.priority, 'priority', errors), config.priorityMap)
  const tags = tagsAt(event, config.tags, errors)
  const details = detailsAt(event, config.details, errors)
  if (Object.keys(errors).length > 0) return undefined

  const payload: CreateAlertPayload = { message: cut(message, L.message) }
  if (alias !== undefined) payload.alias = alias
  if (description?.trim()) payload.description = cut(description, L.description)
  if (entity?.trim()) payload.entity = cut(entity, L.entity)
  if (source?.trim()) payload.source = cut(source, L.source)
  if (priority) payload.priority = priority
  if (tags && tags.length > 0) payload.tags = tags
  if (details && Object.keys(details).length > 0) payload.details = details
  return { kind: 'create', payload }
}

/**
 * Maps a generic JSON webhook body (one event, or an array of at most 100) with the integration's field
 * mapping. An action value in `close`/`acknowledge` (case-insensitive) closes/acknowledges by alias; anything
 * else creates, unless `actionValues.create` is set, in which case values in no list are ignored.
 */
export function mapGenericWebhook(
  body: unknown,
  config: GenericMappingConfig,
  options: MapOptions = {},
): MapResult {
  if (body === undefined) return failure(400, 'The webhook body is empty')
  const configErrors = schemaErrors(checkConfig, config, '(config)')
  if (Object.keys(configErrors).length > 0) {
    return failure(
      422,
      "This integration's field mapping is invalid; fix it in the integration settings",
      configErrors,
    )
  }
  const batch = Array.isArray(body)
  const events: unknown[] = batch ? body : [body]
  if (events.length > GENERIC_BATCH_LIMIT) {
    return failure(
      422,
      `Too many events in one request: at most ${GENERIC_BATCH_LIMIT}, got ${events.length}`,
      {
        '(body)': `must hold at most ${GENERIC_BATCH_LIMIT} events`,
      },
      true,
    )
  }
  const commands: InboundCommand[] = []
  const errors: Errors = {}
  events.forEach((event, i) => {
    const eventErrors: Errors = {}
    const command = mapEvent(event, config, options, eventErrors)
    for (const [field, message] of Object.entries(eventErrors))
      errors[prefixed(batch ? `[${i}]` : '', field)] = message
    if (command) commands.push(command)
  })
  if (Object.keys(errors).length > 0) return failure(422, 'Invalid generic webhook event', errors)
  return mapped(commands)
}
