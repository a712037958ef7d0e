import { describe, expect, it, vi } from 'vitest'
import {
  createNotifier,
  type NotificationHandle,
  type NotificationOptions,
  toNotificationOptions,
} from '../../src-main/notifications'
import { ALERT_PRIORITIES, type AlertNotice } from '../../src-main/shared/ipc-contract'

const alert = (over: Partial<AlertNotice> = {}): AlertNotice => ({
  id: 'a1',
  message: 'CPU high',
  priority: 'P3',
  ...over,
})

describe('notification mapping', () => {
  it('maps every priority to urgency, timeout and sound', () => {
    const table = Object.fromEntries(
      ALERT_PRIORITIES.map((priority) => {
        const { urgency, timeoutType, silent } = toNotificationOptions(alert({ priority }))
        return [priority, [urgency, timeoutType, silent]]
      }),
    )
    expect(table).toEqual({
      P1: ['critical', 'never', false],
      P2: ['normal', 'never', false],
      P3: ['normal', 'default', false],
      P4: ['low', 'default', true],
      P5: ['low', 'default', true],
    })
  })

  it('puts the priority in the title and truncates long descriptions', () => {
    const o = toNotificationOptions(alert({ priority: 'P1', description: `  ${'x'.repeat(500)}  ` }))
    expect(o.title).toBe('[P1] CPU high')
    expect(o.body).toHaveLength(240)
    expect(o.body.endsWith('…')).toBe(true)
    expect(toNotificationOptions(alert()).body).toBe('')
  })
})

/** A typed fake of Electron's Notification. */
class FakeNotification implements NotificationHandle {
  shown = false
  closed = false
  private listeners = new Map<string, () => void>()
  constructor(readonly options: NotificationOptions) {}
  show() {
    this.shown = true
  }
  close() {
    this.closed = true
    this.emit('close')
  }
  on(event: string, listener: () => void) {
    this.listeners.set(event, listener)
    return this
  }
  emit(event: string) {
    this.listeners.get(event)?.()
  }
}

describe('notifier', () => {
  const setup = (supported = true) => {
    const created: FakeNotification[] = []
    const onClick = vi.fn()
    const notifier = createNotifier({
      isSupported: () => supported,
      create: (options) => {
        const n = new FakeNotification(options)
        created.push(n)
        return n
      },
      onClick,
    })
    return { notifier, created, onClick }
  }

  it('shows the mapped notification and keeps it referenced until closed', () => {
    const { notifier, created } = setup()
    expect(notifier.show(alert({ priority: 'P1' }))).toEqual({ shown: true })
    expect(created[0]?.shown).toBe(true)
    expect(created[0]?.options.urgency).toBe('critical')
    expect(notifier.liveCount()).toBe(1)
    created[0]?.emit('close')
    expect(notifier.liveCount()).toBe(0)
  })

  it('replaces the toast of a repeated alert instead of stacking', () => {
    const { notifier, created } = setup()
    notifier.show(alert())
    notifier.show(alert())
    expect(created[0]?.closed).toBe(true)
    expect(notifier.liveCount()).toBe(1)
  })

  it('routes a click to the alert', () => {
    const { notifier, created, onClick } = setup()
    notifier.show(alert({ id: 'a9' }))
    created[0]?.emit('click')
    expect(onClick).toHaveBeenCalledWith('a9')
    expect(notifier.liveCount()).toBe(0)
  })

  it('reports unsupported platforms instead of pretending', () => {
    const { notifier, created } = setup(false)
    expect(notifier.show(alert())).toEqual({ shown: false })
    expect(created).toHaveLength(0)
  })
})
