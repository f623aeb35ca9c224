/**
 * The records an agency sends to Cổng DVC: an `AgencyStatusReportedV1` payload wrapped in a CloudEvents 1.0
 * envelope, in binary or structured Kafka content mode (see contracts/README.md, "The agency contract").
 *
 * The bytes are the ones the portal's own Python code builds (contracts/kits/vectors/status-reported.json):
 *  - binary mode: ce_* headers; the value is the data as compact JSON (`{"a":1,"b":"x"}`);
 *  - structured mode: one `content-type: application/cloudevents+json` header; the value is the whole
 *    envelope as Python's `json.dumps` writes it (`{"a": 1, "b": "x"}`).
 * In both, text is UTF-8 with non-ASCII characters written as they are (no \uXXXX escapes).
 */

import { randomUUID } from 'node:crypto'

export const STATUS_TYPE = 'agency-status-reported'
export const REJECTED_TYPE = 'agency-status-rejected'
export const SPECVERSION = '1.0'
export const JSON_CONTENT_TYPE = 'application/json'
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json'

export const STATUSES = [
  'received',
  'processing',
  'supplement_requested',
  'forwarded',
  'completed',
  'returned',
  'rejected',
  'withdrawn'
] as const
export type AgencyStatus = (typeof STATUSES)[number]

/** JSON values the kit can write. Numbers must be integers: the contract has no fractional numbers. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** `data` of an agency-status-reported event (AgencyStatusReportedV1), in the contract's field order. */
export interface StatusReport {
  dossier_code: string
  procedure_code: string
  agency_code: string
  province_code: string
  sequence: number
  status: AgencyStatus
  occurred_at: string
  due_date: string | null
  result: string | null
  note: string | null
  citizen_phone: string | null
  [extra: string]: Json
}

/** What you fill in; optional fields may be left out (they are sent as null, as the portal writes them). */
export interface StatusReportInput {
  dossier_code: string
  procedure_code: string
  agency_code: string
  province_code: string
  sequence: number
  status: string
  occurred_at: string
  due_date?: string | null
  result?: string | null
  note?: string | null
  citizen_phone?: string | null
  [extra: string]: Json | undefined
}

export interface CloudEvent {
  specversion: string
  id: string
  source: string
  type: string
  time?: string | null
  subject?: string | null
  datacontenttype?: string | null
  data: { [key: string]: Json }
}

/** A Kafka record as text: key, headers in order, value. `toMessage` turns it into UTF-8 bytes. */
export interface TextRecord {
  key: string
  headers: Array<[string, string]>
  value: string
}

export class ContractError extends Error {
  override name = 'ContractError'
}

const RFC3339_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const DATE = /^\d{4}-\d{2}-\d{2}$/
const REQUIRED_CODES = ['dossier_code', 'procedure_code', 'agency_code', 'province_code'] as const
const OPTIONAL_TEXT = ['due_date', 'result', 'note', 'citizen_phone'] as const

/**
 * Check a status report against the contract's field table and return it in the portal's field order, with
 * absent optional fields as null (the portal writes them so). Unknown extra fields are kept, after the known
 * ones (the portal ignores them). Throws ContractError naming the first bad field.
 */
export function statusReport(input: StatusReportInput): StatusReport {
  const out: Record<string, Json> = {}
  for (const field of REQUIRED_CODES) {
    const v: unknown = input[field]
    if (typeof v !== 'string' || v.length === 0) throw new ContractError(`${field}: must be a non-empty string`)
    out[field] = v
  }
  if (!Number.isSafeInteger(input.sequence) || input.sequence < 0) {
    throw new ContractError('sequence: must be an integer >= 0 (per dossier: 0, 1, 2, ...)')
  }
  out.sequence = input.sequence
  if (!(STATUSES as readonly string[]).includes(input.status)) {
    throw new ContractError(`status: must be one of ${STATUSES.join(', ')}`)
  }
  out.status = input.status
  if (typeof input.occurred_at !== 'string' || !RFC3339_WITH_OFFSET.test(input.occurred_at)) {
    throw new ContractError('occurred_at: must be an RFC 3339 date-time with an offset, e.g. 2024-05-06T09:15:00+07:00')
  }
  out.occurred_at = input.occurred_at
  for (const field of OPTIONAL_TEXT) {
    const v: unknown = input[field] ?? null
    if (v !== null && typeof v !== 'string') throw new ContractError(`${field}: must be a string or null`)
    out[field] = v as string | null
  }
  if (out.due_date !== null && !DATE.test(out.due_date as string)) {
    throw new ContractError('due_date: must be a calendar date YYYY-MM-DD')
  }
  for (const [key, value] of Object.entries(input)) {
    if (!(key in out) && value !== undefined) out[key] = value as Json
  }
  return out as StatusReport
}

/** Now in Viet Nam (UTC+7, no daylight saving), to the second: `2024-05-06T09:15:00+07:00`. */
export function vietnamNow(now: Date = new Date()): string {
  const shifted = new Date(now.getTime() + 7 * 3600_000)
  return `${shifted.toISOString().slice(0, 19)}+07:00`
}

/**
 * A new CloudEvent for a status report: a fresh id (a resend of the same event must reuse it), source
 * `urn:agency:<agency_code>`, subject = dossier code, time = now in Viet Nam unless given.
 */
export function newStatusEvent(report: StatusReport, options: { id?: string; time?: string } = {}): CloudEvent {
  return cloudEvent({
    id: options.id ?? randomUUID(),
    source: `urn:agency:${report.agency_code}`,
    type: STATUS_TYPE,
    subject: report.dossier_code,
    time: options.time ?? vietnamNow(),
    data: report
  })
}

/** A CloudEvents 1.0 envelope in the portal's attribute order. */
export function cloudEvent(e: Omit<CloudEvent, 'specversion'> & { specversion?: string }): CloudEvent {
  for (const attr of ['id', 'source', 'type'] as const) {
    if (typeof e[attr] !== 'string' || e[attr].length === 0) throw new ContractError(`${attr}: required`)
  }
  if (e.time != null && !RFC3339_WITH_OFFSET.test(e.time)) {
    throw new ContractError('time: must be an RFC 3339 date-time with an offset')
  }
  return {
    specversion: e.specversion ?? SPECVERSION,
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time ?? null,
    subject: e.subject ?? null,
    datacontenttype: e.datacontenttype === undefined ? JSON_CONTENT_TYPE : e.datacontenttype,
    data: e.data
  }
}

/** The record key: the dossier code, so that all events of one dossier stay on one partition, in order. */
export function recordKey(event: CloudEvent): string {
  const dossier = event.data.dossier_code
  if (typeof dossier !== 'string' || dossier.length === 0) throw new ContractError('data.dossier_code: required')
  return dossier
}

/** Binary content mode: ce_* headers, the data as compact UTF-8 JSON. */
export function toBinary(event: CloudEvent): TextRecord {
  const headers: Array<[string, string]> = [
    ['content-type', JSON_CONTENT_TYPE],
    ['ce_specversion', event.specversion],
    ['ce_id', event.id],
    ['ce_source', event.source],
    ['ce_type', event.type]
  ]
  if (event.time != null) headers.push(['ce_time', event.time])
  if (event.subject != null) headers.push(['ce_subject', event.subject])
  return { key: recordKey(event), headers, value: pythonJson(event.data, ',', ':') }
}

const ENVELOPE_ORDER = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'data'] as const

/** Structured content mode: the whole envelope as the value (null attributes left out). */
export function toStructured(event: CloudEvent): TextRecord {
  const body: Record<string, Json> = {}
  for (const attr of ENVELOPE_ORDER) {
    const v = event[attr]
    if (v !== null && v !== undefined) body[attr] = v
  }
  return {
    key: recordKey(event),
    headers: [['content-type', STRUCTURED_CONTENT_TYPE]],
    value: pythonJson(body, ', ', ': ')
  }
}

/** The record as the bytes a Kafka client sends (UTF-8 everywhere; header order kept). */
export function toMessage(topic: string, record: TextRecord) {
  return {
    topic,
    key: Buffer.from(record.key, 'utf8'),
    value: Buffer.from(record.value, 'utf8'),
    headers: new Map(record.headers.map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')]))
  }
}

/**
 * JSON the way Python's `json.dumps(obj, ensure_ascii=False, separators=(item, key))` writes it: keys in
 * insertion order, non-ASCII text as is, control characters escaped (JSON.stringify escapes strings the
 * same way). Only integers are accepted as numbers.
 */
export function pythonJson(value: Json, item: string, key: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isSafeInteger(value)) throw new ContractError(`only integers can be sent, got ${value}`)
      return String(value)
    default:
      break
  }
  if (Array.isArray(value)) return `[${value.map(v => pythonJson(v, item, key)).join(item)}]`
  if (typeof value === 'object') {
    const parts: string[] = []
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}${key}${pythonJson(v, item, key)}`)
    }
    return `{${parts.join(item)}}`
  }
  throw new ContractError(`cannot write ${typeof value} as JSON`)
}
