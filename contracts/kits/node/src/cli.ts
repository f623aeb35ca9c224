#!/usr/bin/env node
/**
 * dvc-agency-kit: send dossier status reports to Cổng DVC and read the portal's rejections.
 *
 *   node dist/cli.js emit --bootstrap HOST:PORT --system ha-noi --agency SO-GTVT --province 01 --procedure CODE \
 *       --dossier CODE
 *   node dist/cli.js rejections --bootstrap HOST:PORT --system ha-noi [--group G] [--agency CODE] [--max N]
 *       [--timeout-seconds S]
 *   node dist/cli.js vectors contracts/kits/vectors/status-reported.json
 *
 * --system (or AGENCY_SYSTEM) is your one-stop system's id: emit writes agency-status-reported.<system>, rejections
 * reads agency-status-rejected.<system>, the only topics your principal agency-<system> may use.
 * Security comes from the environment (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CAFILE); see README.md.
 */

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

import {
  compatibilityPartitioner,
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer
} from '@platformatic/kafka'

import { bootstrapBrokers, ConfigError, securityFromEnv } from './connection.js'
import {
  type CloudEvent,
  cloudEvent,
  ContractError,
  newStatusEvent,
  REJECTED_TYPE,
  statusReport,
  type StatusReportInput,
  type TextRecord,
  toBinary,
  toMessage,
  toStructured,
  vietnamNow
} from './envelope.js'
import { type AgencySystem, SYSTEM_ENV, systemFrom } from './system.js'

const USAGE = `usage:
  dvc-agency-kit emit --bootstrap HOST:PORT --system ID --agency CODE --province CODE
                      --procedure CODE --dossier CODE [--phone 09...] [--due-date YYYY-MM-DD]
                      [--topic TOPIC (default agency-status-reported.<system>)]
  dvc-agency-kit rejections --bootstrap HOST:PORT --system ID [--group GROUP (default agency-<system>-rejections)]
                      [--agency CODE] [--max N] [--timeout-seconds S]
                      [--topic TOPIC (default agency-status-rejected.<system>)]
  dvc-agency-kit vectors PATH

--system ID: your one-stop system's id as the portal registered it (e.g. ha-noi); default: ${SYSTEM_ENV}.
  Your Kafka principal is agency-<system>; it may write only agency-status-reported.<system> and read only
  agency-status-rejected.<system>.
Security (environment): KAFKA_SECURITY_PROTOCOL=PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL,
  KAFKA_SASL_MECHANISM=SCRAM-SHA-512, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CAFILE`

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`)
  return v
}

/** The topic: --topic when given, else the system's own (--system, else AGENCY_SYSTEM). */
function topicFor(
  values: { topic?: string | undefined },
  system: AgencySystem | null,
  which: 'reportedTopic' | 'rejectedTopic'
): string {
  if (values.topic) return values.topic
  if (system === null) {
    throw new UsageError(`give your one-stop system's id: --system ID (or ${SYSTEM_ENV}=ID), e.g. --system ha-noi`)
  }
  return system[which]
}

function positiveNumber(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number`)
  return n
}

// ----------------------------------------------------------------------------------------------------------
// emit

/** The two events the example sends: sequence 0 "received" (structured mode), 1 "processing" (binary mode). */
function exampleRecords(o: {
  agency: string
  province: string
  procedure: string
  dossier: string
  phone?: string | null
  dueDate?: string | null
}): Array<{ mode: 'structured' | 'binary'; event: CloudEvent; record: TextRecord }> {
  const report = (sequence: number, status: string, note: string) =>
    statusReport({
      dossier_code: o.dossier,
      procedure_code: o.procedure,
      agency_code: o.agency,
      province_code: o.province,
      sequence, // per dossier: 0, 1, 2, … in the order things happened
      status,
      occurred_at: vietnamNow(), // always with an offset
      due_date: o.dueDate ?? null,
      note,
      citizen_phone: o.phone ?? null
    } satisfies StatusReportInput)
  const received = newStatusEvent(report(0, 'received', 'Đã tiếp nhận hồ sơ tại Bộ phận một cửa'))
  const processing = newStatusEvent(report(1, 'processing', 'Đang thẩm định hồ sơ'))
  return [
    { mode: 'structured', event: received, record: toStructured(received) },
    { mode: 'binary', event: processing, record: toBinary(processing) }
  ]
}

async function emit(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bootstrap: { type: 'string' },
      system: { type: 'string' },
      topic: { type: 'string' },
      agency: { type: 'string' },
      province: { type: 'string' },
      procedure: { type: 'string' },
      dossier: { type: 'string' },
      phone: { type: 'string' },
      'due-date': { type: 'string' }
    }
  })
  const system = systemFrom(values.system)
  const topic = topicFor(values, system, 'reportedTopic')
  const brokers = bootstrapBrokers(required(values, 'bootstrap'))
  const records = exampleRecords({
    agency: required(values, 'agency'),
    province: required(values, 'province'),
    procedure: required(values, 'procedure'),
    dossier: required(values, 'dossier'),
    phone: values.phone ?? null,
    dueDate: values['due-date'] ?? null
  })
  const producer = new Producer({
    clientId: system?.principal ?? `agency-${values.agency}`,
    bootstrapBrokers: brokers,
    ...securityFromEnv(),
    acks: ProduceAcks.ALL, // the portal counts an event only once every in-sync replica has it
    idempotent: true, // retries never write a record twice
    partitioner: compatibilityPartitioner, // murmur2 like the Java client: same key → same partition
    autocreateTopics: false, // the portal creates its topics
    retries: 5
  })
  try {
    for (const { mode, event, record } of records) {
      // Key = dossier code: all events of one dossier go to one partition, in order. One event at a time,
      // awaited, so a failure stops before a later sequence is sent.
      const result = await producer.send({ messages: [toMessage(topic, record)] })
      const where = result.offsets?.map(o => `${o.topic}[${o.partition}]@${o.offset}`).join(', ') ?? topic
      console.log(`sent ${where} key=${record.key} ${mode} sequence=${event.data.sequence} id=${event.id}`)
    }
  } finally {
    await producer.close()
  }
  console.log(`dossier ${values.dossier}: 2 events sent (structured, then binary)`)
  return 0
}

// ----------------------------------------------------------------------------------------------------------
// rejections

/** One line for an AgencyStatusRejectedV1 payload: why, which dossier, where your record was, and what it held. */
function rejectionLine(rejection: Record<string, unknown>, eventId: string | null): Record<string, unknown> {
  const b64 = typeof rejection.original_value_b64 === 'string' ? rejection.original_value_b64 : ''
  return {
    reason: rejection.reason ?? null,
    message: rejection.message ?? null,
    dossier_code: rejection.dossier_code ?? null,
    agency_code: rejection.agency_code ?? null,
    original_topic: rejection.original_topic ?? null,
    original_partition: rejection.original_partition ?? null,
    original_offset: rejection.original_offset ?? null,
    original_key: rejection.original_key ?? null,
    original_value: Buffer.from(b64, 'base64').toString('utf8'),
    rejected_at: rejection.rejected_at ?? null,
    event_id: eventId
  }
}

async function rejections(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bootstrap: { type: 'string' },
      system: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string' },
      agency: { type: 'string' },
      max: { type: 'string' },
      'timeout-seconds': { type: 'string' }
    }
  })
  const system = systemFrom(values.system)
  const topic = topicFor(values, system, 'rejectedTopic')
  const brokers = bootstrapBrokers(required(values, 'bootstrap'))
  // The principal may only use consumer groups whose names start with agency-<system>.
  const group = values.group || system?.rejectionsGroup
  if (!group) throw new UsageError('--group is required with --topic and no --system')
  const max = positiveNumber(values, 'max', Infinity)
  const idleMs = positiveNumber(values, 'timeout-seconds', 30) * 1000

  const consumer = new Consumer({
    clientId: `${group}-rejections`,
    groupId: group,
    bootstrapBrokers: brokers,
    ...securityFromEnv(),
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    autocommit: false
  })
  let seen = 0
  try {
    // Resume where this group stopped; a new group starts at the oldest rejection still kept.
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
      maxWaitTime: 500
    })
    const messages = stream[Symbol.asyncIterator]()
    let timer: NodeJS.Timeout | undefined
    try {
      while (seen < max) {
        // Stop after idleMs without any message.
        const idle = new Promise<'idle'>(resolve => {
          timer = setTimeout(() => resolve('idle'), idleMs)
        })
        const next = await Promise.race([messages.next(), idle])
        clearTimeout(timer)
        if (next === 'idle' || next.done) break
        const message = next.value
        const headers = new Map(
          [...message.headers].map(([k, v]) => [k.toString('utf8').toLowerCase(), v.toString('utf8')])
        )
        const type = headers.get('ce_type')
        if (type === REJECTED_TYPE) {
          let rejection: unknown
          try {
            rejection = JSON.parse(message.value?.toString('utf8') ?? 'null')
          } catch {
            rejection = null
          }
          if (rejection === null || typeof rejection !== 'object' || Array.isArray(rejection)) {
            console.error(`skipped ${message.topic}[${message.partition}]@${message.offset}: value is not a JSON object`)
          } else {
            const r = rejection as Record<string, unknown>
            if (values.agency === undefined || r.agency_code === values.agency || r.agency_code == null) {
              console.log(JSON.stringify(rejectionLine(r, headers.get('ce_id') ?? null)))
              seen++
            }
          }
        } else {
          console.error(`skipped ${message.topic}[${message.partition}]@${message.offset}: ce_type=${type ?? '(none)'}`)
        }
        // Printed (or deliberately skipped): commit, so the group does not read it again.
        await message.commit()
      }
    } finally {
      clearTimeout(timer)
      await stream.close()
    }
  } finally {
    await consumer.close()
  }
  console.error(`${seen} rejection(s)`)
  return 0
}

// ----------------------------------------------------------------------------------------------------------
// vectors

interface VectorInput {
  id: string
  source: string
  type: string
  subject?: string | null
  time?: string | null
  data: StatusReportInput
}

function recordJson(record: TextRecord) {
  const message = toMessage('vectors', record)
  return {
    headers: record.headers,
    value: record.value,
    value_b64: message.value.toString('base64'),
    key_b64: message.key.toString('base64')
  }
}

/** Build every vector's records from its `input` with the same code `emit` uses; print what was built. */
function vectors(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} })
  if (positionals.length !== 1) throw new UsageError('vectors takes one argument: the vectors file')
  const file = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { vectors: Array<{ name: string; input: VectorInput }> }
  const out: Record<string, unknown> = {}
  for (const { name, input } of file.vectors) {
    const event = cloudEvent({
      id: input.id,
      source: input.source,
      type: input.type,
      subject: input.subject ?? null,
      time: input.time ?? null,
      data: statusReport(input.data)
    })
    const binary = toBinary(event)
    out[name] = { key: binary.key, binary: recordJson(binary), structured: recordJson(toStructured(event)) }
  }
  process.stdout.write(`${JSON.stringify({ vectors: out }, null, 2)}\n`)
  return 0
}

// ----------------------------------------------------------------------------------------------------------

/** The client nests errors (retries of connections to brokers): the top message and the distinct root causes. */
function describe(error: unknown): string {
  const leaves = new Set<string>()
  const walk = (e: unknown, depth: number): void => {
    if (depth > 8 || e === null || typeof e !== 'object') return
    const nested = [...((e as { errors?: unknown[] }).errors ?? []), (e as { cause?: unknown }).cause].filter(Boolean)
    if (nested.length === 0) leaves.add(String((e as Error).message ?? e))
    for (const n of nested) walk(n, depth + 1)
  }
  walk(error, 0)
  const top = error instanceof Error ? error.message : String(error)
  const causes = [...leaves].filter(m => m !== top)
  return causes.length ? `${top} (caused by: ${causes.join('; ')})` : top
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'emit':
        return await emit(rest)
      case 'rejections':
        return await rejections(rest)
      case 'vectors':
        return vectors(rest)
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE)
        return 0
      default:
        throw new UsageError(command === undefined ? 'a command is required' : `unknown command ${command}`)
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`error: ${(error as Error).message}\n\n${USAGE}`)
      return 2
    }
    if (error instanceof ConfigError || error instanceof ContractError) {
      console.error(`error: ${(error as Error).message}`)
      return 2
    }
    console.error(`error: ${describe(error)}`)
    if (process.env.DEBUG_KIT) console.error(error)
    return 1
  }
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code
  },
  error => {
    console.error(error)
    process.exitCode = 1
  }
)
