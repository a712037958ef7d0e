import { describe, expect, it } from 'vitest'
import { ALERT_SORT_VALUES, alertSortColumn } from '../../core/query/sort'

describe('alertSortColumn', () => {
  it('maps every documented sort value to a column', () => {
    for (const value of ALERT_SORT_VALUES) expect(alertSortColumn(value).ok).toBe(true)
  })

  it('maps report fields and both spellings of lastOccurredAt', () => {
    expect(alertSortColumn('report.ackTime')).toEqual({ ok: true, column: 'ack_time' })
    expect(alertSortColumn('report.closeTime')).toEqual({ ok: true, column: 'close_time' })
    expect(alertSortColumn('report.acknowledgedBy')).toEqual({ ok: true, column: 'acknowledged_by' })
    expect(alertSortColumn('report.closedBy')).toEqual({ ok: true, column: 'closed_by' })
    expect(alertSortColumn('lastOccurredAt')).toEqual({ ok: true, column: 'last_occurred_at' })
    expect(alertSortColumn('lastOccuredAt')).toEqual({ ok: true, column: 'last_occurred_at' })
    expect(alertSortColumn('isSeen')).toEqual({ ok: true, column: 'is_seen' })
    expect(alertSortColumn('TINYID')).toEqual({ ok: true, column: 'tiny_id' })
  })

  it('explains unsupported and unknown values', () => {
    expect(alertSortColumn('integration.name')).toEqual({
      ok: false,
      error: "sort by 'integration.name' is not supported by this server",
    })
    const unknown = alertSortColumn('priority')
    expect(unknown.ok).toBe(false)
    if (!unknown.ok) expect(unknown.error).toMatch(/^unknown sort field 'priority'; allowed: createdAt, /)
    expect(alertSortColumn('toString').ok).toBe(false)
    expect(alertSortColumn('__proto__').ok).toBe(false)
  })
})
