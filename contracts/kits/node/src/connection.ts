/**
 * Connection settings for @platformatic/kafka from the environment. PLAINTEXT unless told otherwise:
 *
 *   KAFKA_SECURITY_PROTOCOL  PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL
 *   KAFKA_SASL_MECHANISM     SCRAM-SHA-512 (default) | SCRAM-SHA-256 | PLAIN
 *   KAFKA_SASL_USERNAME      your agency's Kafka user
 *   KAFKA_SASL_PASSWORD      its password
 *   KAFKA_SSL_CAFILE         PEM file of the CA that signed the brokers' certificates (default: Node's CAs)
 */

import { readFileSync } from 'node:fs'
import type { ConnectionOptions as TlsOptions } from 'node:tls'

export type SaslMechanism = 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN'

export interface SecurityOptions {
  tls?: TlsOptions
  sasl?: { mechanism: SaslMechanism; username: string; password: string }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
const MECHANISMS: SaslMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN']

export function securityFromEnv(env: NodeJS.ProcessEnv = process.env): SecurityOptions {
  const protocol = (env.KAFKA_SECURITY_PROTOCOL || 'PLAINTEXT').toUpperCase()
  if (!PROTOCOLS.includes(protocol)) {
    throw new ConfigError(`KAFKA_SECURITY_PROTOCOL=${protocol}: expected one of ${PROTOCOLS.join(', ')}`)
  }
  const options: SecurityOptions = {}
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    options.tls = env.KAFKA_SSL_CAFILE ? { ca: readFileSync(env.KAFKA_SSL_CAFILE) } : {}
  } else if (env.KAFKA_SSL_CAFILE) {
    console.error(`warning: KAFKA_SSL_CAFILE is ignored: KAFKA_SECURITY_PROTOCOL=${protocol} does not use TLS`)
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = (env.KAFKA_SASL_MECHANISM || 'SCRAM-SHA-512').toUpperCase() as SaslMechanism
    if (!MECHANISMS.includes(mechanism)) {
      throw new ConfigError(`KAFKA_SASL_MECHANISM=${mechanism}: expected one of ${MECHANISMS.join(', ')}`)
    }
    const username = env.KAFKA_SASL_USERNAME
    const password = env.KAFKA_SASL_PASSWORD
    if (!username || !password) {
      throw new ConfigError(`KAFKA_SECURITY_PROTOCOL=${protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`)
    }
    options.sasl = { mechanism, username, password }
  }
  return options
}

/** `host:port[,host:port…]` → the list the client takes. */
export function bootstrapBrokers(bootstrap: string): string[] {
  const brokers = bootstrap
    .split(',')
    .map(b => b.trim())
    .filter(Boolean)
  if (brokers.length === 0 || brokers.some(b => !/^[^:\s]+:\d+$/.test(b) && !/^\[[^\]]+\]:\d+$/.test(b))) {
    throw new ConfigError(`--bootstrap ${JSON.stringify(bootstrap)}: expected HOST:PORT[,HOST:PORT...]`)
  }
  return brokers
}
