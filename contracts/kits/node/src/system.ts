/**
 * Your one-stop system as the portal registered it. Its id (`ha-noi`, `bhxh`, …) names everything your system may
 * use on Kafka, and nothing else is allowed:
 *
 *   principal        agency-<id>                    your Kafka user (KAFKA_SASL_USERNAME) / certificate name
 *   write            agency-status-reported.<id>    your status reports
 *   read             agency-status-rejected.<id>    the portal's rejections of them
 *   consumer groups  agency-<id>…                   names starting with the principal's
 *
 * The portal refuses (reason `agency_mismatch`) a report on your topic whose agency_code or province_code your
 * system does not cover.
 */

import { ConfigError } from './connection.js'

/** The environment variable read when `--system` is not given. */
export const SYSTEM_ENV = 'AGENCY_SYSTEM'
/** The first part of every system's ingress topic (and the events' CloudEvent type). */
export const REPORTED = 'agency-status-reported'
/** The first part of every system's rejection topic (and the rejections' CloudEvent type). */
export const REJECTED = 'agency-status-rejected'

const SYSTEM_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/

export interface AgencySystem {
  id: string
  /** The Kafka principal the portal created for the system: `agency-<id>`. */
  principal: string
  /** The only topic the system may write: `agency-status-reported.<id>`. */
  reportedTopic: string
  /** The only topic the system may read: `agency-status-rejected.<id>`. */
  rejectedTopic: string
  /** A consumer group the principal may use for its rejections: `agency-<id>-rejections`. */
  rejectionsGroup: string
}

export function agencySystem(id: string): AgencySystem {
  if (!SYSTEM_ID.test(id)) {
    throw new ConfigError(
      `system ${JSON.stringify(id)}: your system's id, lowercase letters, digits and '-' (e.g. ha-noi)`
    )
  }
  return {
    id,
    principal: `agency-${id}`,
    reportedTopic: `${REPORTED}.${id}`,
    rejectedTopic: `${REJECTED}.${id}`,
    rejectionsGroup: `agency-${id}-rejections`
  }
}

/** The system named by `--system` (when given) or AGENCY_SYSTEM; null when neither is set. */
export function systemFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): AgencySystem | null {
  const id = option ?? env[SYSTEM_ENV]
  return id ? agencySystem(id) : null
}
